"""Quotas across pods, free of HTTP: how the pods' limits, quota sets and usage add up, and
Tricircle's own limits.

Each pod only sees the part of a project that lives in it, so a quota set
through the top region is Tricircle's record for the resources the pods count in /limits: every
pod is given the same limit (no pod refuses first), the top region's answers show it, and the
gateway refuses a create that would take the project's use, totalled over the pods, beyond it.
Two creates at the same moment may both pass, as in Nova and Cinder without rechecks.

The `default` quota class gives a project the limits it has not set itself (as in Nova and
Cinder): set through the top region, it is kept here too, so a project's defaults read as the
class's value and are enforced across pods, not as the sum of every pod's default."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from gateway.models import ProjectQuota, QuotaClassLimit
from gateway.numbers import whole_number
from tricircle_site import metrics
from tricircle_site.exceptions import BadRequest, Forbidden, OverLimit
from tricircle_site.jsontypes import JsonDict

# How one pod's answer is added to the running total of the pods' answers.
Combine = Callable[[JsonDict, JsonDict], JsonDict]

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


# --- the pods' answers added up -------------------------------------------------------------

# Limits of one item or one user (a server's metadata and files, a user's key pairs, a group's
# members, one volume's size): each pod has the same, so they are not added up; the tightest
# holds, and for a detailed entry its use is the largest.
PER_ITEM_LIMITS = frozenset(
    {
        "metadata_items",
        "injected_files",
        "injected_file_content_bytes",
        "injected_file_path_bytes",
        "key_pairs",
        "server_group_members",
        "per_volume_gigabytes",
        "maxServerMeta",
        "maxImageMeta",
        "maxPersonality",
        "maxPersonalitySize",
        "maxTotalKeypairs",
        "maxServerGroupMembers",
    }
)


def add_totals(total: JsonDict, part: JsonDict, per_item: bool = False) -> JsonDict:
    """Adds a pod's limits or quota set to the running total: numbers add up, except -1
    (unlimited) which stays unlimited, and PER_ITEM_LIMITS; nested objects add up key by key;
    anything else (ids, rate limits) is kept from the first pod."""
    for key, value in part.items():
        if key not in total:
            total[key] = value
            continue
        current = total[key]
        if isinstance(value, dict) and isinstance(current, dict):
            add_totals(current, value, key in PER_ITEM_LIMITS)
        elif not (_number(value) and _number(current)):
            continue
        elif per_item and key != "limit":
            total[key] = max(current, value)  # the use of the busiest pod
        elif per_item or key in PER_ITEM_LIMITS:
            total[key] = tightest(current, value)
        else:
            total[key] = -1 if -1 in (value, current) else current + value
    return total


# What a detailed quota set counts (added up over the pods).
QUOTA_USAGE_KEYS = frozenset({"in_use", "reserved", "allocated"})


def add_quota_sets(
    total: JsonDict, part: JsonDict, summed: frozenset[str] = frozenset()
) -> JsonDict:
    """Adds a pod's quota set to the running total. Usage adds up. A limit is given to every
    pod alike, so the tightest pod's (-1, unlimited, the loosest) is what was set, except for
    the `summed` resources: those Tricircle counts across pods, whose limits are the sum of the
    pods' until one is set at the top (present_quota_set shows it then)."""
    for key, value in part.items():
        if key not in total:
            total[key] = value
            continue
        current = total[key]
        if isinstance(value, dict) and isinstance(current, dict):
            if key in summed:
                add_totals(current, value)
            else:
                add_quota_sets(current, value, summed)
        elif not (_number(value) and _number(current)):
            continue
        elif key in QUOTA_USAGE_KEYS or key in summed:
            total[key] = -1 if -1 in (value, current) else current + value
        else:
            total[key] = tightest(current, value)
    return total


def tightest(current: float, value: float) -> float:
    """The tighter of two limits; -1 (unlimited) is the loosest."""
    return current if value == -1 else value if current == -1 else min(current, value)


def keep_first(total: JsonDict, part: JsonDict) -> JsonDict:
    """Answers every pod gives alike (it was given the same): the first pod's."""
    if not total:
        total.update(part)
    return total


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- what a quota call means ------------------------------------------------------------------


def quota_set_combine(service: str, per_user: bool) -> Combine:
    """How the pods' quota sets of a project add up: the resources Tricircle counts across
    pods are summed, except in a user's share inside the project (given to every pod alike:
    read as set, never added up)."""
    summed = frozenset() if per_user else frozenset(COUNTED[service])
    return functools.partial(add_quota_sets, summed=summed)


def shown_limits(project_id: str, service: str, defaults: bool = False) -> dict[str, int]:
    """The limits a project's quota set shows: its own (else the default class's), or the
    default class's alone when its defaults are asked."""
    return class_limits(DEFAULT_CLASS, service) if defaults else limits_of(project_id, service)


def limits_project(caller_project: str, is_admin: bool, asked: dict[str, list[str]]) -> str:
    """The project whose /limits are asked: the caller's, or the one an admin names."""
    if not is_admin:
        return caller_project
    return (asked.get("tenant_id") or asked.get("project_id") or [caller_project])[-1]


def set_project_limits(
    project_id: str, service: str, limits: dict[str, int], quota_set: JsonDict
) -> None:
    """Every pod took the change: Tricircle records its limits and the answer shows them."""
    record(project_id, service, limits)
    present_quota_set(quota_set, limits_of(project_id, service))


def set_class_limits(
    class_name: str, service: str, limits: dict[str, int], class_set: JsonDict
) -> None:
    """Every pod took the quota class's change: recorded, and shown in the answer."""
    record_class(class_name, service, limits)
    present_quota_set(class_set, class_limits(class_name, service), "quota_class_set")


def enforced(project_id: str, service: str) -> bool:
    """Whether Tricircle keeps a limit for the project (else the pods' own limits hold)."""
    return bool(limits_of(project_id, service))


def check_across_pods(
    project_id: str, service: str, requested: dict[str, int], pods_limits: Iterable[JsonDict]
) -> None:
    """Refuses a create beyond the project's limits, its use counted in every pod's /limits
    (a pod missing counts nothing: its own limit still holds there)."""
    total: JsonDict = {}
    for body in pods_limits:
        add_totals(total, body)
    check(project_id, service, requested, total.get("limits", {}).get("absolute", {}))
