"""Where a top network or router may live, from its availability_zone_hints: one pod's region
means local to that pod; AZs, several regions or nothing mean it may span pods."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS

from networking.models import AvailabilityZoneHints
from pods.models import Pod
from tricircle_site import rows
from tricircle_site.exceptions import BadRequest


def validate_hints(hints: object) -> list[str]:
    if hints is None:
        return []
    if not isinstance(hints, list) or not all(isinstance(hint, str) for hint in hints):
        raise BadRequest("availability_zone_hints must be a list of names.")
    pods = Pod.objects.exclude(az_name="")
    known = {pod.region_name for pod in pods} | {pod.az_name for pod in pods}
    unknown = [hint for hint in hints if hint not in known]
    if unknown:
        raise BadRequest(
            f"Unknown availability zone or pod region in availability_zone_hints: "
            f"{', '.join(unknown)}. Known: {', '.join(sorted(known)) or 'none'}."
        )
    return list(dict.fromkeys(hints))


def store_hints(top_id: str, resource_type: str, project_id: str, hints: list[str]) -> None:
    if hints:
        AvailabilityZoneHints.objects.update_or_create(
            top_id=top_id,
            defaults={"resource_type": resource_type, "project_id": project_id, "hints": hints},
        )


def hints_of(top_ids: Iterable[str]) -> dict[str, list[str]]:
    """The hints kept for these networks or routers (every network or router answer asks)."""
    ids = list(top_ids)
    if not ids:
        return {}
    column = rows.sql_names(AvailabilityZoneHints, DEFAULT_DB_ALIAS)("top_id")
    where = f"WHERE {column} IN ({', '.join(['%s'] * len(ids))})"
    return {found.top_id: found.hints for found in rows.select(AvailabilityZoneHints, where, ids)}


def forget_hints(top_id: str) -> None:
    AvailabilityZoneHints.objects.filter(top_id=top_id).delete()


def home_pod(hints: list[str]) -> Pod | None:
    """The one pod a resource is local to, when its hints name exactly one pod region."""
    if len(hints) != 1:
        return None
    return Pod.objects.filter(region_name=hints[0]).exclude(az_name="").first()


def pod_allowed(hints: list[str], pod: Pod) -> bool:
    return not hints or pod.region_name in hints or pod.az_name in hints
