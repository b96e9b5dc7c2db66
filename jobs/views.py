from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jobs import registry, services
from jobs.filters import JobFilter
from jobs.models import Job
from jobs.serializers import (
    JobCreateSerializer,
    JobDetailSerializer,
    JobSchemaSerializer,
    JobSerializer,
)
from tricircle_site.api import MarkerPagination, WrappedResourceMixin


class JobViewSet(
    WrappedResourceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Job],
):
    """Jobs: asynchronous cross-pod work and its state (admin only)."""

    resource_name = "job"
    collection_name = "jobs"
    filterset_class = JobFilter
    pagination_class = MarkerPagination
    # Malformed ids are a 404 from the URL resolver, not a 400 from the database.
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Job]:
        return Job.objects.order_by("-id")

    def get_serializer_class(self) -> type:
        if self.action == "create":
            return JobCreateSerializer
        if self.action in {"list"}:
            return JobSerializer
        return JobDetailSerializer

    @extend_schema(
        request=inline_serializer("JobCreateBody", {"job": JobCreateSerializer()}),
        responses={202: inline_serializer("JobBody", {"job": JobDetailSerializer()})},
    )
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = services.request_job(data["type"], data["project_id"], data["resource"])
        return Response(JobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Redo a FAIL or NEW job",
        request=None,
        responses={202: inline_serializer("JobRedone", {"job": JobDetailSerializer()})},
    )
    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        job = services.redo(self.get_object())
        return Response(JobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    def destroy(self, request: Request, *args: object, **kwargs: object) -> Response:
        services.delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=JobDetailSerializer(many=True))
    @action(detail=False, url_path="detail")
    def detail_list(self, request: Request) -> Response:
        """The list with every field of each job."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(JobDetailSerializer(page, many=True).data)

    @extend_schema(
        filters=False,
        responses=inline_serializer(
            "JobSchemas", {"schemas": serializers.ListField(child=JobSchemaSerializer())}
        ),
    )
    @action(detail=False, pagination_class=None, filterset_class=None)
    def schemas(self, request: Request) -> Response:
        """Each job type and the fields its resource takes."""
        schemas = [
            {"type": job_type.name, "resource": list(job_type.resource_fields)}
            for job_type in registry.all_types()
        ]
        return Response({"schemas": schemas})
