"""The one comparison of a resource type in one pod: the top's items, the pod's items and the
routing table's entries for that pod, three snapshots taken in that order (routing entries
first, then the pod, then the top), so a resource made while the audit reads is never taken for
a dangling route or an orphan: made after the routing read, it is in the pod without an entry
(unrouted, never deleted); made after the pod read, it is at the top only (not looked at)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gateway.audit import findings as f
from gateway.audit.findings import Finding
from gateway.models import AuditClass
from routing.models import ResourceRouting
from tricircle_site.jsontypes import JsonDict

Differences = Callable[[JsonDict, JsonDict], list[str]]


def _no_differences(top: JsonDict, bottom: JsonDict) -> list[str]:
    return []


def _no_claim(item: JsonDict) -> str | None:
    return None


def _not_derived(item: JsonDict) -> bool:
    return False


@dataclass
class Actions:
    """The repair of each case of a type (f.NO_REPAIR: proposed to an operator only)."""

    orphan: str = f.NO_REPAIR
    dangling: str = f.REMOVE_ROUTE
    gone: str = f.REMOVE_ROUTE  # the top has it, routing says the pod has it, the pod does not
    differs: str = f.NO_REPAIR
    unrouted: str = f.RECORD_ROUTE  # a copy of a live top resource the routing table lost
    duplicate: str = f.DELETE_DUPLICATE


@dataclass
class Kind:
    """One resource type of one pod, as read."""

    resource_type: str
    # Top items by top id; None when the routing table is the top (servers, volumes...: the
    # pod's own ids, routed as they are).
    top: Mapping[str, JsonDict] | None
    pod_items: list[JsonDict]
    routes: Mapping[str, ResourceRouting]  # top id -> finished entry of this pod and type
    actions: Actions
    claim: Callable[[JsonDict], str | None] = _no_claim  # the top id an item is named after
    derived: Callable[[JsonDict], bool] = _not_derived  # made by the pod for a copy (DHCP...)
    differences: Differences = _no_differences
    # Top ids whose copy is being made right now (a claim without a bottom id yet).
    pending: set[str] = field(default_factory=set)
    # The pod item's key that routing entries' bottom_id holds.
    bottom_key: Callable[[JsonDict], str] = lambda item: str(item["id"])
    route_key: Callable[[ResourceRouting], str] = lambda entry: entry.bottom_id


def reconcile(kind: Kind) -> list[Finding]:
    by_bottom = {kind.bottom_key(item): item for item in kind.pod_items}
    found = [*_routed(kind, by_bottom)]
    routed = {kind.route_key(entry) for entry in kind.routes.values()}
    for key, item in by_bottom.items():
        if key in routed or kind.derived(item):
            continue
        found += _unrouted(kind, key, item)
    return found


def _routed(kind: Kind, by_bottom: Mapping[str, JsonDict]) -> list[Finding]:
    found = []
    for top_id, entry in kind.routes.items():
        item = by_bottom.get(kind.route_key(entry))
        case = _case(kind, top_id, item)
        if case is not None:
            audit_class, detail, action = case
            found.append(
                Finding(
                    audit_class,
                    kind.resource_type,
                    top_id=top_id,
                    bottom_id=entry.bottom_id,
                    project_id=entry.project_id,
                    name=str((item or {}).get("name") or ""),
                    detail=detail,
                    repair_action=action,
                )
            )
    return found


def _case(kind: Kind, top_id: str, item: JsonDict | None) -> tuple[AuditClass, str, str] | None:
    """What a routing entry's state is: (class, detail, repair action), None when in step."""
    top_item = kind.top.get(top_id) if kind.top is not None else None
    if kind.top is None:
        if item is None:
            return AuditClass.DANGLING_ROUTE, "gone from the pod", kind.actions.dangling
        return None
    if item is None and top_item is not None:
        return AuditClass.MISSING_COPY, "routed here, gone from the pod", kind.actions.gone
    if item is None:
        return AuditClass.DANGLING_ROUTE, "gone from the pod and the top", kind.actions.dangling
    if top_item is None:
        return AuditClass.ORPHAN, "gone from the top", kind.actions.orphan
    differences = kind.differences(top_item, item)
    if differences:
        return AuditClass.MISSING_COPY, "; ".join(differences), kind.actions.differs
    return None


def _unrouted(kind: Kind, key: str, item: JsonDict) -> list[Finding]:
    claimed = kind.claim(item)
    if claimed in kind.pending:
        return []

    def finding(audit_class: AuditClass, top_id: str, detail: str, action: str) -> Finding:
        return Finding(
            audit_class,
            kind.resource_type,
            top_id=top_id,
            bottom_id=key,
            project_id=str(item.get("project_id") or item.get("tenant_id") or ""),
            name=str(item.get("name") or ""),
            detail=detail,
            repair_action=action,
        )

    if claimed is None:
        return [finding(AuditClass.UNKNOWN, "", "not Tricircle's", f.NO_REPAIR)]
    if kind.top is not None and claimed in kind.top:
        if claimed in kind.routes:
            detail = f"a second copy; routed is {kind.routes[claimed].bottom_id}"
            return [finding(AuditClass.ORPHAN, claimed, detail, kind.actions.duplicate)]
        detail = "a copy the routing table does not name"
        return [finding(AuditClass.MISSING_COPY, claimed, detail, kind.actions.unrouted)]
    detail = "named after a top id that is gone; not routed"
    return [finding(AuditClass.ORPHAN, claimed, detail, kind.actions.orphan)]
