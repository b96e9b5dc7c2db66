"""Families Tricircle gives no meaning of its own (server groups, images, the volume and
network proxies, host and cell admin APIs...): forwarded as they came to the first healthy
pod, which answers for the whole region."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.compute.api import ComputeView


def on_first_pod(api: ComputeView, request: Request, **_: str) -> HttpResponse:
    return api.on_first_pod(request)
