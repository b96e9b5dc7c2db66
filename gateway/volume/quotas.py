"""Limits, quota sets and quota classes: the pods' answers added up, with the limits Tricircle
keeps (gateway.pod_api.PodServiceView.quotas and quota_classes)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.volume.api import VolumeView


def limits(api: VolumeView, request: Request) -> HttpResponse:
    return api.quotas(request, "/limits")


def quota_set(api: VolumeView, request: Request, project_id: str) -> HttpResponse:
    """GET, PUT and DELETE of a project's quota set."""
    return api.quotas(request, f"/os-quota-sets/{project_id}")


def quota_set_defaults(api: VolumeView, request: Request, project_id: str) -> HttpResponse:
    return api.quotas(request, f"/os-quota-sets/{project_id}/defaults")


def quota_class_set(api: VolumeView, request: Request, class_name: str) -> HttpResponse:
    return api.quota_classes(request, f"/os-quota-class-sets/{class_name}")
