"""/backups: made in their volume's pod, routed by the routing table, listed from every pod;
a restore routes the volume it restores to, an imported backup is routed where it was
imported."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.services import volumes
from gateway.volume import items
from gateway.volume.api import VolumeView


def list_backups(api: VolumeView, request: Request) -> HttpResponse:
    return items.listing(api, request, "backups", detail=False)


def list_backups_detail(api: VolumeView, request: Request) -> HttpResponse:
    return items.listing(api, request, "backups", detail=True)


def create_backup(api: VolumeView, request: Request) -> HttpResponse:
    return items.create(api, request, "backups")


def import_backup_record(api: VolumeView, request: Request) -> HttpResponse:
    made = volumes.import_backup(api.identity(request), api.user_calls(request))
    return api.respond_made(request, made)


def show_backup(api: VolumeView, request: Request, backup_id: str) -> HttpResponse:
    return items.show(api, request, "backups", backup_id)


def delete_backup(api: VolumeView, request: Request, backup_id: str) -> HttpResponse:
    return items.delete(api, request, "backups", backup_id)


def backup_action(api: VolumeView, request: Request, backup_id: str) -> HttpResponse:
    return items.action(api, request, "backups", backup_id)


def on_backup(api: VolumeView, request: Request, backup_id: str) -> HttpResponse:
    """Update and export of a backup, in its pod."""
    return items.on_item(api, request, "backups", backup_id)


def restore_backup(api: VolumeView, request: Request, backup_id: str) -> HttpResponse:
    made = volumes.restore_backup(api.identity(request), backup_id, api.user_calls(request))
    return api.respond_presented(request, made)
