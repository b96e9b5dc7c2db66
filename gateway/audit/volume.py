"""Volumes, snapshots, backups (the pod's ids, the routing table is their top) and volume
types (Tricircle's records, copied into a pod by name with their extra specs): the pod's
Cinder, listed for all projects."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.audit import findings as f
from gateway.audit.findings import Finding
from gateway.audit.listing import Lister, Refused
from gateway.audit.reconcile import Actions, Kind, reconcile
from gateway.audit.routes import Routes
from gateway.models import VolumeType
from pods.clients import cinder
from pods.models import Pod
from routing.models import ResourceType
from tricircle_site.jsontypes import JsonDict

# Routing type -> (path, body key); all projects' items, names and ids are enough.
ROUTED = {
    ResourceType.VOLUME: ("/volumes", "volumes"),
    ResourceType.SNAPSHOT: ("/snapshots", "snapshots"),
    ResourceType.BACKUP: ("/backups", "backups"),
}
TYPES = [*ROUTED, ResourceType.VOLUME_TYPE]


@dataclass
class CinderState:
    items: dict[str, list[JsonDict] | None] = field(default_factory=dict)


def read(pod: Pod, lister: Lister) -> CinderState:
    client = cinder(pod)
    state = CinderState()
    for resource_type, (path, key) in ROUTED.items():
        try:
            # A pod without cinder-backup refuses /backups: that type is not audited there.
            state.items[resource_type] = lister.list_all(client, path, key, all_tenants=1)
        except Refused:
            state.items[resource_type] = None
    try:
        state.items[ResourceType.VOLUME_TYPE] = lister.list_all(
            client, "/types", "volume_types", is_public="None"
        )
    except Refused:
        state.items[ResourceType.VOLUME_TYPE] = None
    return state


def classify(state: CinderState, routes: Routes) -> list[Finding]:
    found: list[Finding] = []
    for resource_type in ROUTED:
        items = state.items.get(resource_type)
        if items is not None:
            found += reconcile(
                Kind(resource_type, None, items, routes.of(resource_type), Actions())
            )
    types = state.items.get(ResourceType.VOLUME_TYPE)
    if types is not None:
        top = {
            volume_type.id: {"id": volume_type.id, "extra_specs": volume_type.extra_specs}
            for volume_type in VolumeType.objects.all()
        }
        id_by_name = dict(VolumeType.objects.values_list("name", "id"))
        found += reconcile(
            Kind(
                ResourceType.VOLUME_TYPE,
                top,
                types,
                routes.of(ResourceType.VOLUME_TYPE),
                Actions(orphan=f.DELETE_COPY, differs=f.SET_EXTRA_SPECS),
                # Copies keep the top type's name (a pod's own types have names of their own).
                claim=lambda item: id_by_name.get(str(item.get("name"))),
                differences=_spec_differences,
                pending=routes.pending_of(ResourceType.VOLUME_TYPE),
            )
        )
    return found


def _spec_differences(top: JsonDict, bottom: JsonDict) -> list[str]:
    specs = bottom.get("extra_specs")
    if specs is None or specs == top["extra_specs"]:
        return []
    return [f"extra specs {top['extra_specs']} at the top, {specs} here"]
