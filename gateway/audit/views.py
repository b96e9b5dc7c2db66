"""The admin API of the drift audit (admin role, as every /v1.0 API):

- GET /v1.0/audit: per pod, its last run (and last complete one) and its current findings'
  counts per class and type;
- POST /v1.0/audit, body {"audit": {"pod": "<region or id>"}} or none: run now (pod_audit jobs);
- GET /v1.0/audit/findings: filters pod, class, type, project, status; limit/marker newest first;
- POST /v1.0/audit/findings/{id}/repair: repair one finding now."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gateway.audit import repair, run
from gateway.audit.filters import AuditFindingFilter
from gateway.audit.serializers import AuditFindingSerializer, AuditRunRequestSerializer
from gateway.audit.summary import pod_summaries
from gateway.models import AuditFinding
from tricircle_site.api import MarkerPagination
from tricircle_site.auth import caller_project_id
from tricircle_site.exceptions import BadRequest, NotFound


class AuditView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response({"audit": pod_summaries()})

    @extend_schema(request=AuditRunRequestSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body: Any = request.data or {}
        if not isinstance(body, dict) or not isinstance(body.get("audit", {}), dict):
            raise BadRequest('The body must be {"audit": {"pod": "<region name or id>"}} or none.')
        serializer = AuditRunRequestSerializer(data=body.get("audit", {}))
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data.get("pod")
        pod = run.find_pod(name) if name else None
        jobs = run.request_audits(pod, caller_project_id(request) or run.AUDIT_PROJECT)
        body = {"jobs": [{"id": str(job.pk), "pod_id": job.resource["pod_id"]} for job in jobs]}
        return Response({"audit": body}, status=status.HTTP_202_ACCEPTED)


class AuditFindingListView(generics.ListAPIView[AuditFinding]):
    serializer_class = AuditFindingSerializer
    filterset_class = AuditFindingFilter
    pagination_class = MarkerPagination
    collection_name = "findings"

    def get_queryset(self) -> QuerySet[AuditFinding]:
        return AuditFinding.objects.select_related("pod", "run").order_by("-id")


class AuditFindingRepairView(APIView):
    @extend_schema(request=None, responses={200: AuditFindingSerializer})
    def post(self, request: Request, finding_id: int) -> Response:
        finding = AuditFinding.objects.select_related("pod").filter(pk=finding_id).first()
        if finding is None:
            raise NotFound(f"Audit finding {finding_id} is unknown.")
        repaired = repair.repair(finding)
        return Response({"finding": AuditFindingSerializer(repaired).data})
