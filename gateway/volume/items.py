"""What the handlers of volumes, snapshots and backups share: lists gathered from every pod,
creates placed by the service layer, and calls on one item answered by its pod."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.pod_api import query_params
from gateway.schema import parse_json
from gateway.services import volumes
from gateway.services.volume_collections import COLLECTIONS, SUMMARIES
from gateway.volume.api import VolumeView


def listing(api: VolumeView, request: Request, kind: str, detail: bool) -> HttpResponse:
    params = query_params(request)
    pods = api.pods
    if kind == "volumes" and params.get("availability_zone"):
        pods = volumes.pods_in_zone(pods, params.pop("availability_zone")[-1])
    summary = None if detail else SUMMARIES[kind]
    return api.list_collection(request, COLLECTIONS[kind], summary, pods, params)


def create(api: VolumeView, request: Request, kind: str) -> HttpResponse:
    body = parse_json(request.body)
    made = volumes.create(api.identity(request), kind, body, api.user_calls(request))
    return api.respond_presented(request, made)


def show(api: VolumeView, request: Request, kind: str, item_id: str) -> HttpResponse:
    return api.respond_presented(request, volumes.show(kind, item_id, api.user_calls(request)))


def delete(api: VolumeView, request: Request, kind: str, item_id: str) -> HttpResponse:
    made = volumes.delete(api.identity(request), kind, item_id, api.user_calls(request))
    return api.respond_presented(request, made)


def action(api: VolumeView, request: Request, kind: str, item_id: str) -> HttpResponse:
    """POST /{kind}/{id}/action of a snapshot or a backup, in its pod."""
    body = parse_json(request.body)
    made = volumes.item_action(api.identity(request), kind, item_id, body, api.user_calls(request))
    return api.respond_presented(request, made)


def on_item(api: VolumeView, request: Request, kind: str, item_id: str) -> HttpResponse:
    """A call on the item or what it holds (update, delete, metadata, actions), in its pod."""
    made = volumes.on_item(kind, item_id, api.api_path, api.user_calls(request))
    return api.respond_presented(request, made)
