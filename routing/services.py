"""Lookups in the routing table, shared by the gateway, the jobs and the admin API."""

from __future__ import annotations

from django.db.models import QuerySet

from routing.models import ResourceRouting


def routings_visible_to(project_id: str | None, is_admin: bool) -> QuerySet[ResourceRouting]:
    routings = ResourceRouting.objects.select_related("pod")
    if is_admin:
        return routings
    return routings.filter(project_id=project_id or "")


def find_by_top_id(top_id: str, resource_type: str) -> list[ResourceRouting]:
    return list(
        ResourceRouting.objects.select_related("pod").filter(
            top_id=top_id, resource_type=resource_type
        )
    )


def find_by_bottom_id(bottom_id: str, resource_type: str) -> ResourceRouting | None:
    return (
        ResourceRouting.objects.select_related("pod")
        .filter(bottom_id=bottom_id, resource_type=resource_type)
        .first()
    )
