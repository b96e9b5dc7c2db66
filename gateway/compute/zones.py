"""Availability zones: Tricircle's (each a set of pods), not the pods' own."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from gateway.compute.api import ComputeView
from gateway.pod_api import zone_info
from tricircle_site.exceptions import Forbidden


def list_zones(api: ComputeView, request: Request) -> HttpResponse:
    return JsonResponse({"availabilityZoneInfo": [{**zone, "hosts": None} for zone in zone_info()]})


def list_zones_detail(api: ComputeView, request: Request) -> HttpResponse:
    if not api.identity(request).is_admin:
        raise Forbidden(
            "Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed."
        )
    return list_zones(api, request)
