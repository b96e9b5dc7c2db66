"""Lookups in the routing table, shared by the gateway, networking, the job types and the admin
API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from pods.clients import ServiceUnanswered
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tricircle_site.exceptions import ServiceUnavailable, TricircleError


def routings_visible_to(project_id: str | None, is_admin: bool) -> QuerySet[ResourceRouting]:
    routings = ResourceRouting.objects.select_related("pod")
    if is_admin:
        return routings
    return routings.filter(project_id=project_id or "")


def bottom_id_in(pod: Pod, top_id: str, resource_type: str) -> str | None:
    """The id of top_id's finished bottom copy in the pod (None: the pod has none)."""
    routing = (
        ResourceRouting.objects.filter(top_id=top_id, pod=pod, resource_type=resource_type)
        .exclude(bottom_id="")
        .first()
    )
    return routing.bottom_id if routing else None


def top_id_of(pod: Pod, bottom_id: str, resource_type: str) -> str:
    """The top id of a bottom resource of the pod (itself when the table does not know it)."""
    routing = ResourceRouting.objects.filter(
        bottom_id=bottom_id, pod=pod, resource_type=resource_type
    ).first()
    return routing.top_id if routing else bottom_id


# A claim older than this is taken over: its creator died between claiming and recording.
CLAIM_STALE_SECONDS = 120.0
CLAIM_POLL_SECONDS = 0.2


def ensure_bottom(
    top_id: str,
    pod: Pod,
    resource_type: str,
    project_id: str,
    create: Callable[[], str],
    adopt: Callable[[], str | None],
    *,
    refused_if_made: bool = False,
) -> str:
    """The bottom id of top_id in pod, creating the bottom resource at most once however many
    callers race: the routing row (unique on top_id, pod, type) is the claim, inserted before
    the bottom resource is made; the winner creates, the others wait for its bottom_id. `adopt`
    finds a copy made when the routing table did not know it (by name: a claim left by a dead
    creator, taken over after CLAIM_STALE_SECONDS; a table restored from a backup, or the lab's
    fresh Tricircle in front of pods that keep their copies), so nothing is made twice.

    `refused_if_made`: the pod refuses to make the copy again (the same segment, MAC, CIDR),
    and `create` makes it in one last call (what it makes first has claims of its own). Then a
    new claim creates at once and looks by name only when refused; a refusal (a 4xx: nothing
    made) releases the claim, any other failure leaves it for the next caller to take over and
    adopt. The look it saves is a read of the pod for every copy made, while the pod is also
    serving the boot that wants it."""
    deadline = time.monotonic() + CLAIM_STALE_SECONDS + 30
    while True:
        routing, claimed = _claim(top_id, pod, resource_type, project_id)
        if routing.bottom_id:
            return routing.bottom_id
        if claimed or _take_over_stale(routing):
            try:
                if claimed and refused_if_made:
                    bottom_id = _create_or_adopt_refused(create, adopt)
                else:
                    bottom_id = adopt() or create()
            except BaseException as exc:
                if isinstance(exc, ServiceUnanswered) or (refused_if_made and not _refusal(exc)):
                    # The pod may have made it all the same. The claim stays, stale, so the
                    # next caller takes it over at once and finds the copy by name, and the
                    # cleanup of the top resource looks for it by name too.
                    stale = timezone.now() - timedelta(seconds=CLAIM_STALE_SECONDS + 1)
                    ResourceRouting.objects.filter(pk=routing.pk, bottom_id="").update(
                        updated_at=stale
                    )
                else:
                    ResourceRouting.objects.filter(pk=routing.pk, bottom_id="").delete()
                raise
            ResourceRouting.objects.filter(pk=routing.pk).update(
                bottom_id=bottom_id, updated_at=timezone.now()
            )
            return bottom_id
        if time.monotonic() > deadline:
            raise ServiceUnavailable(
                f"The {resource_type} {top_id} is still being created in {pod.region_name}."
            )
        time.sleep(CLAIM_POLL_SECONDS)


def _create_or_adopt_refused(create: Callable[[], str], adopt: Callable[[], str | None]) -> str:
    try:
        return create()
    except TricircleError as exc:
        found = adopt() if _refusal(exc) else None
        if found is None:
            raise
        return found


def _refusal(exc: BaseException) -> bool:
    """An error that says nothing was made: the API (or Tricircle) refused the request."""
    return isinstance(exc, TricircleError) and 400 <= exc.status_code < 500


def _take_over_stale(routing: ResourceRouting) -> bool:
    """One waiter, not all of them, takes a stale claim over (a conditional update)."""
    if timezone.now() - routing.updated_at <= timedelta(seconds=CLAIM_STALE_SECONDS):
        return False
    return bool(
        ResourceRouting.objects.filter(
            pk=routing.pk, bottom_id="", updated_at=routing.updated_at
        ).update(updated_at=timezone.now())
    )


def _claim(
    top_id: str, pod: Pod, resource_type: str, project_id: str
) -> tuple[ResourceRouting, bool]:
    try:
        with transaction.atomic():
            return ResourceRouting.objects.get_or_create(
                top_id=top_id,
                pod=pod,
                resource_type=resource_type,
                defaults={"project_id": project_id},
            )
    except IntegrityError:
        return ResourceRouting.objects.get(
            top_id=top_id, pod=pod, resource_type=resource_type
        ), False


def record_bottom(
    top_id: str, bottom_id: str, pod: Pod, resource_type: str, project_id: str
) -> ResourceRouting:
    routing, _ = ResourceRouting.objects.update_or_create(
        top_id=top_id,
        pod=pod,
        resource_type=resource_type,
        defaults={"bottom_id": bottom_id, "project_id": project_id},
    )
    return routing


def project_ids_of(top_id: str, resource_type: str) -> set[str]:
    """The projects the routing table maps this top id to (empty when it does not know it)."""
    return set(
        ResourceRouting.objects.filter(top_id=top_id, resource_type=resource_type)
        .values_list("project_id", flat=True)
        .distinct()
    )


def routed_resources_belong(project_id: str, resource: Mapping[str, str]) -> bool:
    """An ownership check for job types (jobs.registry.job_type's belongs_to): the resource
    belongs to the project when no field named `<routed type>_id` (network_id, router_id,
    port_id, ...) names a top id that the routing table maps for another project. Ids the table
    does not know pass (the resource may not be in any pod yet; handlers treat a missing
    resource as nothing to do)."""
    routed_types = set(ResourceType.values)
    for field, value in resource.items():
        resource_type = field.removesuffix("_id")
        if field.endswith("_id") and resource_type in routed_types:
            owners = project_ids_of(value, resource_type)
            if owners and project_id not in owners:
                return False
    return True


def counts_by_pod() -> dict[object, dict[str, int]]:
    """{pod id: {resource type: entries}}: what each pod holds according to the routing table
    (one grouped query, for the dashboard's overview)."""
    counts: dict[object, dict[str, int]] = {}
    rows = (
        ResourceRouting.objects.values("pod_id", "resource_type")
        .annotate(entries=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["pod_id"], {})[row["resource_type"]] = row["entries"]
    return counts


def entries_of_types(resource_types: Iterable[str]) -> list[ResourceRouting]:
    """Every routing entry of these types, oldest first (the topology's top resources)."""
    return list(
        ResourceRouting.objects.select_related("pod")
        .filter(resource_type__in=list(resource_types))
        .order_by("created_at", "id")
    )


def entries_of_top_id(top_id: str) -> list[ResourceRouting]:
    """Every routing entry of a top id, whatever its type, by pod."""
    return list(
        ResourceRouting.objects.select_related("pod")
        .filter(top_id=top_id)
        .order_by("pod__region_name", "resource_type")
    )
