"""Quotas across pods. Each pod only sees the part of a project that lives in it, so a quota set
through the top region is Tricircle's record for the resources the pods count in /limits: every
pod is given the same limit (no pod refuses first), the top region's answers show it, and the
gateway refuses a create that would take the project's use, totalled over the pods, beyond it.
Two creates at the same moment may both pass, as in Nova and Cinder without rechecks.

The `default` quota class gives a project the limits it has not set itself (as in Nova and
Cinder): set through the top region, it is kept here too, so a project's defaults read as the
class's value and are enforced across pods, not as the sum of every pod's default."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gateway.models import ProjectQuota, QuotaClassLimit
from gateway.numbers import whole_number
from tricircle_site import metrics
from tricircle_site.exceptions import BadRequest, Forbidden, OverLimit
from tricircle_site.jsontypes import JsonDict

DEFAULT_CLASS = "default"
COMPUTE = "compute"
VOLUME = "volume"

# resource -> the /limits keys of (its limit, its use)
COUNTED: dict[str, dict[str, tuple[str, str]]] = {
    COMPUTE: {
        "instances": ("maxTotalInstances", "totalInstancesUsed"),
        "cores": ("maxTotalCores", "totalCoresUsed"),
        "ram": ("maxTotalRAMSize", "totalRAMUsed"),
    },
    VOLUME: {
        "volumes": ("maxTotalVolumes", "totalVolumesUsed"),
        "gigabytes": ("maxTotalVolumeGigabytes", "totalGigabytesUsed"),
        "snapshots": ("maxTotalSnapshots", "totalSnapshotsUsed"),
        "backups": ("maxTotalBackups", "totalBackupsUsed"),
    },
}


def own_limits(project_id: str, service: str) -> dict[str, int]:
    rows = ProjectQuota.objects.filter(project_id=project_id, service=service)
    return dict(rows.values_list("resource", "hard_limit"))


def class_limits(class_name: str, service: str) -> dict[str, int]:
    rows = QuotaClassLimit.objects.filter(class_name=class_name, service=service)
    return dict(rows.values_list("resource", "hard_limit"))


def limits_of(project_id: str, service: str) -> dict[str, int]:
    """The limits Tricircle enforces for a project: its own, else the default class's."""
    return {**class_limits(DEFAULT_CLASS, service), **own_limits(project_id, service)}


def given_limits(service: str, quota_set: object, body_key: str = "quota_set") -> dict[str, int]:
    """The counted resources a quota update sets, checked before any pod is asked."""
    if not isinstance(quota_set, dict):
        raise BadRequest(f'The request body must be {{"{body_key}": {{...}}}}.')
    given = {}
    for resource in COUNTED[service]:
        if resource not in quota_set:
            continue
        value = quota_set[resource]
        try:
            given[resource] = whole_number(value, resource, minimum=-1)
        except BadRequest as exc:
            raise BadRequest(f"Quota limit {value!r} for {resource} must be -1 or more.") from exc
    return given


def record(project_id: str, service: str, limits: dict[str, int]) -> None:
    _record(ProjectQuota, {"project_id": project_id}, service, limits)


def record_class(class_name: str, service: str, limits: dict[str, int]) -> None:
    _record(QuotaClassLimit, {"class_name": class_name}, service, limits)


def _record(
    model: type[ProjectQuota] | type[QuotaClassLimit],
    owner: dict[str, str],
    service: str,
    limits: dict[str, int],
) -> None:
    with transaction.atomic():
        for resource, limit in limits.items():
            lookup: dict[str, Any] = {**owner, "service": service, "resource": resource}
            model.objects.update_or_create(defaults={"hard_limit": limit}, **lookup)


def forget(project_id: str, service: str) -> None:
    ProjectQuota.objects.filter(project_id=project_id, service=service).delete()


def present_quota_set(body: JsonDict, limits: dict[str, int], body_key: str = "quota_set") -> None:
    """A quota set added up over the pods shows Tricircle's `limits` where it has them (plain,
    or the `limit` of a detailed entry whose `in_use` stays the total)."""
    quota_set = body.get(body_key)
    if not isinstance(quota_set, dict):
        return
    for resource, limit in limits.items():
        if isinstance(quota_set.get(resource), dict):
            quota_set[resource]["limit"] = limit
        elif resource in quota_set:
            quota_set[resource] = limit


def present_limits(body: JsonDict, project_id: str, service: str) -> None:
    absolute = body.get("limits", {}).get("absolute")
    if not isinstance(absolute, dict):
        return
    for resource, limit in limits_of(project_id, service).items():
        absolute[COUNTED[service][resource][0]] = limit


def check(project_id: str, service: str, requested: dict[str, int], absolute: JsonDict) -> None:
    """Refuses a create that would take the project beyond one of its limits, in the words and
    status of the service (Nova: 403; Cinder: 413). `absolute` is /limits totalled over pods."""
    limits = limits_of(project_id, service)
    for resource, amount in requested.items():
        limit = limits.get(resource)
        if limit is None or limit < 0 or amount <= 0:
            continue
        used = int(absolute.get(COUNTED[service][resource][1]) or 0)
        if used + amount <= limit:
            continue
        metrics.CREATE_REFUSALS.labels("quota").inc()
        if service == COMPUTE:
            raise Forbidden(
                f"Quota exceeded for {resource}: Requested {amount}, but already used {used} "
                f"of {limit} {resource}"
            )
        raise OverLimit(
            f"Maximum {resource} allowed ({limit}) exceeded for quota '{resource}': "
            f"requested {amount}, {used} in use across all availability zones."
        )
