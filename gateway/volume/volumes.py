"""/volumes: placed in a pod by the service layer (gateway.services.volumes), routed by the
routing table, listed from every pod; the summary added up over the pods."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.schema import parse_json
from gateway.services import volumes
from gateway.volume import items
from gateway.volume.api import VolumeView


def list_volumes(api: VolumeView, request: Request) -> HttpResponse:
    return items.listing(api, request, "volumes", detail=False)


def list_volumes_detail(api: VolumeView, request: Request) -> HttpResponse:
    return items.listing(api, request, "volumes", detail=True)


def create_volume(api: VolumeView, request: Request) -> HttpResponse:
    return items.create(api, request, "volumes")


def volumes_summary(api: VolumeView, request: Request) -> HttpResponse:
    return api.totalled(request, "/volumes/summary")


def show_volume(api: VolumeView, request: Request, volume_id: str) -> HttpResponse:
    return items.show(api, request, "volumes", volume_id)


def delete_volume(api: VolumeView, request: Request, volume_id: str) -> HttpResponse:
    return items.delete(api, request, "volumes", volume_id)


def on_volume(api: VolumeView, request: Request, volume_id: str, **fields: str) -> HttpResponse:
    """Update, metadata and encryption metadata of a volume, in its pod."""
    return items.on_item(api, request, "volumes", volume_id)


def volume_action(api: VolumeView, request: Request, volume_id: str) -> HttpResponse:
    action = parse_json(request.body)
    made = volumes.volume_action(api.identity(request), volume_id, action, api.user_calls(request))
    return api.respond_presented(request, made)
