"""Limits, quota sets and quota classes: the pods' answers added up, with the limits Tricircle
keeps for what it counts across pods (PodServiceView.quotas and quota_classes)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.compute.api import ComputeView


def limits(api: ComputeView, request: Request) -> HttpResponse:
    return api.quotas(request, api.api_path)


def quota_set(api: ComputeView, request: Request, project_id: str) -> HttpResponse:
    """`/os-quota-sets/{project}` and its `/detail` and `/defaults`."""
    return api.quotas(request, api.api_path)


def quota_class_set(api: ComputeView, request: Request, class_name: str) -> HttpResponse:
    return api.quota_classes(request, api.api_path)
