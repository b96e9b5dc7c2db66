"""Networks, subnets, ports, security groups, routers and floating IPs: the pod's Neutron and
the central Neutron, each read with one paginated list per collection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.audit import findings as f
from gateway.audit.findings import FLOATINGIP, Finding, named_after_top_id
from gateway.audit.listing import Lister, Refused
from gateway.audit.reconcile import Actions, Kind, reconcile
from gateway.audit.routes import Routes
from gateway.models import AuditClass
from networking import l3
from networking.bottom import PROVIDER_FIELDS, RULE_FIELDS
from networking.l3 import FIP_MARK
from pods.clients import NeutronClient
from routing.models import ResourceRouting, ResourceType
from tricircle_site.jsontypes import JsonDict

# Routing type -> (URL collection, body key).
COLLECTIONS: dict[str, tuple[str, str]] = {
    ResourceType.NETWORK: ("networks", "networks"),
    ResourceType.SUBNET: ("subnets", "subnets"),
    ResourceType.PORT: ("ports", "ports"),
    ResourceType.SECURITY_GROUP: ("security-groups", "security_groups"),
    ResourceType.ROUTER: ("routers", "routers"),
}
EXTRA: dict[str, tuple[str, str]] = {
    "rules": ("security-group-rules", "security_group_rules"),
    FLOATINGIP: ("floatingips", "floatingips"),
}
TYPES = [*COLLECTIONS, FLOATINGIP]

# A segment or a CIDR cannot change in place: the copy must be remade, which an operator
# decides (the network may be in use); so these differences are proposed, never repaired.
ACTIONS: dict[str, Actions] = {
    ResourceType.NETWORK: Actions(orphan=f.BOTTOM_CLEANUP, gone=f.REMAKE_COPY),
    ResourceType.SUBNET: Actions(orphan=f.BOTTOM_CLEANUP, gone=f.REMAKE_COPY),
    ResourceType.PORT: Actions(orphan=f.BOTTOM_CLEANUP, gone=f.REMAKE_COPY, differs=f.PORT_SYNC),
    ResourceType.SECURITY_GROUP: Actions(
        orphan=f.BOTTOM_CLEANUP, gone=f.REMAKE_COPY, differs=f.SECURITY_GROUP_SYNC
    ),
    ResourceType.ROUTER: Actions(orphan=f.ROUTER_SETUP, gone=f.REMAKE_COPY, differs=f.ROUTER_SETUP),
}


@dataclass
class NeutronState:
    """One Neutron's collections; a collection it refused to list is None."""

    items: dict[str, list[JsonDict] | None] = field(default_factory=dict)

    def get(self, name: str) -> list[JsonDict]:
        return self.items.get(name) or []

    def by_id(self, name: str) -> dict[str, JsonDict]:
        return {str(item["id"]): item for item in self.get(name)}


def read(neutron: NeutronClient, lister: Lister) -> NeutronState:
    state = NeutronState()
    for name, (path, key) in {**COLLECTIONS, **EXTRA}.items():
        try:
            state.items[name] = lister.list_all(neutron, f"/{path}", key)
        except Refused:
            state.items[name] = None
    return state


def classify(pod_state: NeutronState, top: NeutronState, routes: Routes) -> list[Finding]:
    if any(top.items.get(name) is None for name in COLLECTIONS):
        return []  # the top could not be read in full: nothing can be concluded
    ours = _tricircle_made(pod_state, routes)
    found: list[Finding] = []
    for resource_type in COLLECTIONS:
        if pod_state.items.get(resource_type) is None:
            continue
        kind = Kind(
            resource_type=resource_type,
            top=top.by_id(resource_type),
            pod_items=pod_state.get(resource_type),
            routes=routes.of(resource_type),
            actions=ACTIONS[resource_type],
            claim=lambda item: named_after_top_id(item.get("name")),
            derived=_derived(resource_type, ours, routes),
            differences=_differences(resource_type, pod_state, top, routes),
            pending=routes.pending_of(resource_type),
        )
        found += reconcile(kind)
    if pod_state.items.get(FLOATINGIP) is not None and top.items.get(FLOATINGIP) is not None:
        found += _floatingips(pod_state, top, routes)
    return found


@dataclass
class _Ours:
    networks: set[str]
    routers: set[str]


def _tricircle_made(pod_state: NeutronState, routes: Routes) -> _Ours:
    """The pod's networks and routers that are copies (routed, or named after a top id)."""

    def copies(resource_type: str) -> set[str]:
        named = {
            str(item["id"])
            for item in pod_state.get(resource_type)
            if named_after_top_id(item.get("name"))
        }
        return routes.bottom_ids(resource_type) | named

    return _Ours(copies(ResourceType.NETWORK), copies(ResourceType.ROUTER))


def _derived(resource_type: str, ours: _Ours, routes: Routes) -> Callable[[JsonDict], bool]:
    """What the pod made itself for Tricircle's copies: the ports of their DHCP, router
    interfaces, gateways and floating IPs on copied networks or copied routers, and the default
    security group of a project that has copies here. Not copies, not the users' either."""

    def derived(item: JsonDict) -> bool:
        if resource_type == ResourceType.PORT:
            owner = str(item.get("device_owner") or "")
            return owner.startswith("network:") and (
                item.get("network_id") in ours.networks or item.get("device_id") in ours.routers
            )
        if resource_type == ResourceType.SECURITY_GROUP:
            project = item.get("project_id") or item.get("tenant_id")
            return item.get("name") == "default" and project in routes.projects
        return False

    return derived


def _differences(
    resource_type: str, pod_state: NeutronState, top: NeutronState, routes: Routes
) -> Callable[[JsonDict, JsonDict], list[str]]:
    if resource_type == ResourceType.NETWORK:
        return lambda t, b: _fields_differ(t, b, PROVIDER_FIELDS)
    if resource_type == ResourceType.SUBNET:
        return lambda t, b: _fields_differ(t, b, ("cidr", "gateway_ip"))
    if resource_type == ResourceType.PORT:
        return _port_differences
    if resource_type == ResourceType.SECURITY_GROUP:
        return _rule_differences(pod_state, top, routes)
    return _route_differences(top, routes)


def _fields_differ(top: JsonDict, bottom: JsonDict, fields: tuple[str, ...]) -> list[str]:
    return [
        f"{name} {top.get(name)} at the top, {bottom.get(name)} here"
        for name in fields
        if top.get(name) is not None and top.get(name) != bottom.get(name)
    ]


def _ips(port: JsonDict) -> list[str]:
    return sorted(str(ip.get("ip_address")) for ip in port.get("fixed_ips") or [])


def _port_differences(top: JsonDict, bottom: JsonDict) -> list[str]:
    found = _fields_differ(top, bottom, ("mac_address",))
    if _ips(top) != _ips(bottom):
        found.append(f"IPs {', '.join(_ips(top))} at the top, {', '.join(_ips(bottom))} here")
    return found


def _rule_differences(
    pod_state: NeutronState, top: NeutronState, routes: Routes
) -> Callable[[JsonDict, JsonDict], list[str]]:
    copies = {
        top_id: entry.bottom_id for top_id, entry in routes.of(ResourceType.SECURITY_GROUP).items()
    }

    def key(rule: JsonDict, remote: object) -> tuple[object, ...]:
        # The fields sync_security_group_rules copies, its description aside.
        return (*(rule.get(name) for name in RULE_FIELDS[:-1]), remote)

    def by_group(state: NeutronState) -> dict[str, list[JsonDict]]:
        # Indexed once: a pod with many groups is not scanned once per group.
        grouped: dict[str, list[JsonDict]] = {}
        for rule in state.get("rules"):
            grouped.setdefault(str(rule.get("security_group_id")), []).append(rule)
        return grouped

    top_rules, pod_rules = by_group(top), by_group(pod_state)

    def differences(top_group: JsonDict, bottom_group: JsonDict) -> list[str]:
        wanted = set()
        for rule in top_rules.get(str(top_group["id"]), []):
            remote = rule.get("remote_group_id")
            # A rule naming a group names that group's copy in the pod.
            wanted.add(key(rule, copies.get(remote, f"copy of {remote}") if remote else None))
        present = {
            key(rule, rule.get("remote_group_id"))
            for rule in pod_rules.get(str(bottom_group["id"]), [])
        }
        missing, extra = len(wanted - present), len(present - wanted)
        if not missing and not extra:
            return []
        return [f"rules: {missing} missing here, {extra} not at the top"]

    return differences


def _route_differences(
    top: NeutronState, routes: Routes
) -> Callable[[JsonDict, JsonDict], list[str]]:
    """The extra routes of a pod's copy against those router_setup plans for it (the bridge
    routes to the other pods' subnets, the default route to the exit pod, the top router's own
    routes whose nexthop is here), planned read-only from the central Neutron's lists and the
    routing table."""
    networks, subnets = top.get(ResourceType.NETWORK), top.get(ResourceType.SUBNET)

    def differences(top_router: JsonDict, bottom_router: JsonDict) -> list[str]:
        entry = routes.of(ResourceType.ROUTER).get(str(top_router["id"]))
        if entry is None:
            return []
        state = l3.top_state(top_router, top.get(ResourceType.PORT), subnets, [])
        exit_at, external = l3.exit_pod(top_router, top.by_id(ResourceType.NETWORK))
        plan = l3.plan_router(
            str(top_router["id"]),
            state,
            exit_at,
            external,
            {},
            reserve=l3.reserved_port,
            bridge=lambda project: l3.listed_bridge_network(project, networks, subnets),
        )
        pod_plan = plan.pods.get(entry.pod.region_name)
        wanted = {(r["destination"], r["nexthop"]) for r in pod_plan.routes} if pod_plan else set()
        present = {(r["destination"], r["nexthop"]) for r in bottom_router.get("routes") or []}
        found = []
        if wanted - present:
            missing = ", ".join(f"{dest} via {hop}" for dest, hop in sorted(wanted - present))
            found.append(f"routes missing here: {missing}")
        if present - wanted:
            extra = ", ".join(f"{dest} via {hop}" for dest, hop in sorted(present - wanted))
            found.append(f"routes not planned: {extra}")
        return found

    return differences


def _floatingips(pod_state: NeutronState, top: NeutronState, routes: Routes) -> list[Finding]:
    """Floating IPs are not routed: a bottom one carries its top id in its description."""
    router_entries = routes.of(ResourceType.ROUTER)
    top_router_of = {entry.bottom_id: top_id for top_id, entry in router_entries.items()}
    top_fips = top.by_id(FLOATINGIP)
    found, marked = [], set()
    for fip in pod_state.get(FLOATINGIP):
        description = str(fip.get("description") or "")
        top_id = description.removeprefix(FIP_MARK) if description.startswith(FIP_MARK) else ""
        marked.add(top_id)
        finding = Finding(
            AuditClass.UNKNOWN,
            FLOATINGIP,
            top_id,
            str(fip["id"]),
            str(fip.get("project_id") or fip.get("tenant_id") or ""),
            str(fip.get("floating_ip_address") or ""),
        )
        if not top_id:
            finding.detail = "not Tricircle's"
        elif top_id in top_fips:
            continue
        else:
            finding.audit_class, finding.detail = AuditClass.ORPHAN, "gone from the top"
            router = top_router_of.get(str(fip.get("router_id")))
            finding.repair_action = f.ROUTER_SETUP if router else f.DELETE_COPY
            finding.repair_args = {"router_id": router} if router else {}
        found.append(finding)
    return found + _missing_floatingips(pod_state, top_fips, router_entries, marked)


def _missing_floatingips(
    pod_state: NeutronState,
    top_fips: dict[str, JsonDict],
    router_entries: dict[str, ResourceRouting],
    marked: set[str],
) -> list[Finding]:
    """A top floating IP of a router whose copy here has the gateway (the exit pod) belongs
    here."""
    bottom_routers = pod_state.by_id(ResourceType.ROUTER)
    found = []
    for top_id, fip in top_fips.items():
        entry = router_entries.get(str(fip.get("router_id")))
        if entry is None or not fip.get("port_id") or top_id in marked:
            continue
        if not (bottom_routers.get(entry.bottom_id) or {}).get("external_gateway_info"):
            continue
        found.append(
            Finding(
                AuditClass.MISSING_COPY,
                FLOATINGIP,
                top_id,
                project_id=entry.project_id,
                name=str(fip.get("floating_ip_address") or ""),
                detail="the exit pod has no copy",
                repair_action=f.ROUTER_SETUP,
                repair_args={"router_id": entry.top_id},
            )
        )
    return found
