"""Which pod a new resource goes to, and which pod a routed resource lives in."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Q

from pods import services as pod_services
from pods.models import HealthStatus, Pod, PodBinding
from routing import services as routing_services
from routing.models import ResourceRouting
from tricircle_site import metrics, rows
from tricircle_site.exceptions import BadRequest, NotFound, ServiceUnavailable


def is_routed(resource_id: str, resource_type: str) -> bool:
    return ResourceRouting.objects.filter(top_id=resource_id, resource_type=resource_type).exists()


def routed_pod(resource_id: str, resource_type: str, what: str) -> Pod:
    """The pod of the resource's first routing entry (every show and action asks)."""
    if not isinstance(resource_id, str):  # named in a body: an id is a string
        raise BadRequest(f"Invalid {what} id {resource_id!r}: an id is a string.")
    found = rows.select(Pod, _routed_pod_where(DEFAULT_DB_ALIAS), [resource_id, resource_type])
    if not found:
        raise NotFound(f"{what} {resource_id} could not be found.")
    return found[0]


@functools.cache
def _routed_pod_where(using: str) -> str:
    pod, routing = rows.sql_names(Pod, using), rows.sql_names(ResourceRouting, using)
    return (
        f"WHERE {pod('id')} = (SELECT {routing('pod')} FROM {routing('table')}"
        f" WHERE {routing('top_id')} = %s AND {routing('resource_type')} = %s"
        f" ORDER BY {routing('id')} LIMIT 1)"
    )


def choose_pod(project_id: str, az_name: str | None) -> Pod:
    """The pod for a new server or volume: in the requested AZ (any AZ when none is asked),
    the project's pod there if it has one, else the healthy pod holding the fewest of the
    project's resources; the choice is remembered so the project stays in one pod per AZ."""
    az_name = az_name or settings.DEFAULT_AVAILABILITY_ZONE or None
    pods = pod_services.bottom_pods()
    if az_name:
        pods = [pod for pod in pods if pod.az_name == az_name]
        if not pods:
            known = sorted({pod.az_name for pod in pod_services.bottom_pods()})
            metrics.CREATE_REFUSALS.labels("zone").inc()
            raise BadRequest(
                f"The requested availability zone {az_name} is not available. "
                f"Known zones: {', '.join(known) or 'none'}."
            )
        binding = PodBinding.objects.filter(project_id=project_id, az_name=az_name).first()
        if binding is not None and binding.pod in pods:
            return binding.pod
    usable = [pod for pod in pods if pod.health_status != HealthStatus.DOWN]
    if not usable:
        raise ServiceUnavailable(f"No pod is available in {az_name or 'any zone'}.")
    load = dict(
        Pod.objects.filter(pk__in=[pod.pk for pod in usable])
        .annotate(used=Count("routings", filter=Q(routings__project_id=project_id)))
        .values_list("pk", "used")
    )
    pod = min(usable, key=lambda candidate: (load.get(candidate.pk, 0), candidate.region_name))
    return pod_services.bind_pod(project_id, az_name, pod) if az_name else pod


def bottom_id_in(pod: Pod, top_id: str, resource_type: str, what: str) -> str:
    bottom_id = routing_services.bottom_id_in(pod, top_id, resource_type)
    if bottom_id is None:
        raise NotFound(f"{what} {top_id} could not be found in the server's pod.")
    return bottom_id
