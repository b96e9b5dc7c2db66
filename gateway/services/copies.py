"""The copies Tricircle keeps in the pods of what it keeps at the top (volume types, group
types, QoS specs), and a change made at the top given to each of them."""

from __future__ import annotations

import logging
from collections.abc import Callable

import requests

from pods.clients import CinderClient, cinder
from routing.models import ResourceRouting

LOG = logging.getLogger(__name__)


def copies_of(top_id: str, resource_type: str) -> list[ResourceRouting]:
    return list(
        ResourceRouting.objects.select_related("pod")
        .filter(top_id=top_id, resource_type=resource_type)
        .exclude(bottom_id="")
    )


def push_to_copy(
    routing: ResourceRouting, what: str, change: Callable[[CinderClient, str], requests.Response]
) -> None:
    """A change made at the top, given to one pod's copy. The top's change stands whatever the
    pod says: the top is what Tricircle answers and what later copies are made from, and
    failing the call once some pods took the change would leave the pods disagreeing with each
    other and with the top. A pod that refuses or does not answer keeps its old copy, which the
    log says."""
    try:
        answer = change(cinder(routing.pod), routing.bottom_id)
    except Exception as exc:  # a pod that does not answer must not fail the top's change
        LOG.warning("%s not given to the copy in %s: %s", what, routing.pod.region_name, exc)
        return
    if answer.status_code >= 300:
        LOG.warning(
            "%s not given to the copy in %s: HTTP %s %s",
            what,
            routing.pod.region_name,
            answer.status_code,
            answer.text[:200],
        )
