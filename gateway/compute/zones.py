"""Availability zones: Tricircle's (each a set of pods), not the pods' own."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from gateway import policy
from gateway.compute.api import ComputeView
from gateway.pod_api import zone_info


def list_zones(api: ComputeView, request: Request) -> HttpResponse:
    return JsonResponse({"availabilityZoneInfo": [{**zone, "hosts": None} for zone in zone_info()]})


def list_zones_detail(api: ComputeView, request: Request) -> HttpResponse:
    policy.authorize(api.identity(request), "os_compute_api:os-availability-zone:detail")
    return list_zones(api, request)
