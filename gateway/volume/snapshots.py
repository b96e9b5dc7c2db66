"""/snapshots: made in their volume's pod, routed by the routing table, listed from every
pod."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.volume import items
from gateway.volume.api import VolumeView


def list_snapshots(api: VolumeView, request: Request) -> HttpResponse:
    return items.listing(api, request, "snapshots", detail=False)


def list_snapshots_detail(api: VolumeView, request: Request) -> HttpResponse:
    return items.listing(api, request, "snapshots", detail=True)


def create_snapshot(api: VolumeView, request: Request) -> HttpResponse:
    return items.create(api, request, "snapshots")


def show_snapshot(api: VolumeView, request: Request, snapshot_id: str) -> HttpResponse:
    return items.show(api, request, "snapshots", snapshot_id)


def delete_snapshot(api: VolumeView, request: Request, snapshot_id: str) -> HttpResponse:
    return items.delete(api, request, "snapshots", snapshot_id)


def snapshot_action(api: VolumeView, request: Request, snapshot_id: str) -> HttpResponse:
    return items.action(api, request, "snapshots", snapshot_id)


def on_snapshot(api: VolumeView, request: Request, snapshot_id: str, **fields: str) -> HttpResponse:
    """Update and metadata of a snapshot, in its pod."""
    return items.on_item(api, request, "snapshots", snapshot_id)
