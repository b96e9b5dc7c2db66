"""The routing table's side of an audit: one query for a pod's entries, read before anything
else (gateway.audit.reconcile says why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from pods.models import Pod
from routing.models import ResourceRouting
from routing.services import CLAIM_STALE_SECONDS


@dataclass
class Routes:
    # resource type -> top id -> finished entry (a bottom id recorded)
    done: dict[str, dict[str, ResourceRouting]] = field(default_factory=dict)
    # resource type -> top ids whose copy is being made (claimed, no bottom id yet)
    pending: dict[str, set[str]] = field(default_factory=dict)
    # projects with anything in the pod (the pod made their default security groups)
    projects: set[str] = field(default_factory=set)

    def of(self, resource_type: str) -> dict[str, ResourceRouting]:
        return self.done.get(resource_type, {})

    def pending_of(self, resource_type: str) -> set[str]:
        return self.pending.get(resource_type, set())

    def bottom_ids(self, resource_type: str) -> set[str]:
        return {entry.bottom_id for entry in self.of(resource_type).values()}


def read_routes(pod: Pod) -> Routes:
    """The pod's entries. A claim without a bottom id is a copy being made, unless it is stale
    (its creator died or the pod did not answer it): then what the pod has under its name is
    judged as any copy the routing table does not name."""
    routes = Routes()
    stale = timezone.now() - timedelta(seconds=CLAIM_STALE_SECONDS)
    for entry in ResourceRouting.objects.filter(pod=pod).select_related("pod"):
        routes.projects.add(entry.project_id)
        if entry.bottom_id:
            routes.done.setdefault(entry.resource_type, {})[entry.top_id] = entry
        elif entry.updated_at > stale:
            routes.pending.setdefault(entry.resource_type, set()).add(entry.top_id)
    return routes
