"""/os-availability-zone: Tricircle's zones, not the pods'."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.pod_api import zone_info
from gateway.volume.api import VolumeView


def list_zones(api: VolumeView, request: Request) -> HttpResponse:
    return api.answer({"availabilityZoneInfo": zone_info()})
