"""Servers, flavors and key pairs: the pod's Nova, Tricircle's own flavor and key pair records
and the routing table. Servers keep their pod's ids (the routing table is their top); flavors
keep the top's id in every pod; key pairs are routed as `<user id>/<name>`."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.audit import findings as f
from gateway.audit.findings import Finding
from gateway.audit.listing import Lister, Refused
from gateway.audit.reconcile import Actions, Kind, reconcile
from gateway.audit.routes import Routes
from gateway.models import Flavor, KeyPair
from pods.clients import keystone, nova
from pods.models import Pod
from routing.models import ResourceType
from tricircle_site.jsontypes import JsonDict

# 2.61: flavor lists carry their extra specs (one list, not a call per flavor); 2.35: key
# pairs are paged.
LIST_VERSION = "2.61"
TYPES = [ResourceType.SERVER, ResourceType.FLAVOR, ResourceType.KEYPAIR]
FLAVOR_FIELDS = ("ram", "vcpus", "disk")


@dataclass
class NovaState:
    items: dict[str, list[JsonDict] | None] = field(default_factory=dict)


def read(pod: Pod, lister: Lister, routes: Routes, users: set[str]) -> NovaState:
    """`users`: the Keystone users whose key pairs are looked at (see keystone_users)."""
    client = nova(pod, LIST_VERSION)
    state = NovaState()
    try:
        state.items[ResourceType.SERVER] = lister.list_all(
            client, "/servers", "servers", all_tenants=1
        )
    except Refused:
        state.items[ResourceType.SERVER] = None
    try:
        state.items[ResourceType.FLAVOR] = lister.list_all(
            client, "/flavors/detail", "flavors", is_public="None"
        )
    except Refused:
        state.items[ResourceType.FLAVOR] = None
    state.items[ResourceType.KEYPAIR] = _keypairs(pod, lister, routes, users)
    return state


def _keypairs(pod: Pod, lister: Lister, routes: Routes, users: set[str]) -> list[JsonDict] | None:
    """Nova lists one user's key pairs at a time: one call per Keystone user (and per user
    Tricircle copied key pairs for, gone from Keystone or not), so a key pair made directly in
    the pod is seen whoever owns it."""
    client = nova(pod, LIST_VERSION)
    copied_for = {top_id.split("/", 1)[0] for top_id in routes.of(ResourceType.KEYPAIR)}
    found: list[JsonDict] = []
    for user_id in sorted(users | copied_for):
        try:
            listed = lister.list_all(
                client,
                "/os-keypairs",
                "keypairs",
                marker_of=lambda item: str(item["keypair"]["name"]),
                user_id=user_id,
            )
        except Refused:
            return None
        found += [{**item["keypair"], "user_id": user_id} for item in listed]
    return found


def keystone_users(lister: Lister) -> set[str]:
    """Every user of every domain, as Keystone pages them; none when Keystone refuses the
    service account the list, which the run's note then says."""
    try:
        listed = lister.list_all(keystone(), "/users", "users")
    except Refused:
        return set()
    return {str(user["id"]) for user in listed}


def classify(state: NovaState, routes: Routes) -> list[Finding]:
    found: list[Finding] = []
    servers = state.items.get(ResourceType.SERVER)
    if servers is not None:
        actions = Actions(dangling=f.SERVER_PORTS_RELEASE)
        found += reconcile(
            Kind(ResourceType.SERVER, None, servers, routes.of(ResourceType.SERVER), actions)
        )
    flavors = state.items.get(ResourceType.FLAVOR)
    if flavors is not None:
        top = {flavor.id: _flavor_body(flavor) for flavor in Flavor.objects.all()}
        # A flavor is Tricircle's only when routed (the pod's copy has the top's id, which a
        # pod's own flavor may share): the pod's own flavors are unknown.
        found += reconcile(
            Kind(
                ResourceType.FLAVOR,
                top,
                flavors,
                routes.of(ResourceType.FLAVOR),
                Actions(orphan=f.FLAVOR_SYNC, differs=f.FLAVOR_SYNC),
                differences=_flavor_differences,
                pending=routes.pending_of(ResourceType.FLAVOR),
            )
        )
    keypairs = state.items.get(ResourceType.KEYPAIR)
    if keypairs is not None:
        found += _classify_keypairs(keypairs, routes)
    return found


def _classify_keypairs(keypairs: list[JsonDict], routes: Routes) -> list[Finding]:
    top = {
        f"{keypair.user_id}/{keypair.name}": {"id": f"{keypair.user_id}/{keypair.name}"}
        for keypair in KeyPair.objects.all()
    }
    kind = Kind(
        ResourceType.KEYPAIR,
        top,
        keypairs,
        routes.of(ResourceType.KEYPAIR),
        Actions(orphan=f.KEYPAIR_CLEANUP),
        # Listed per user: both the pod's items and the entries are keyed `<user>/<name>`.
        bottom_key=lambda item: f"{item['user_id']}/{item['name']}",
        route_key=lambda entry: entry.top_id,
        pending=routes.pending_of(ResourceType.KEYPAIR),
    )
    return reconcile(kind)


def _flavor_body(flavor: Flavor) -> JsonDict:
    return {
        "id": flavor.id,
        "ram": flavor.ram,
        "vcpus": flavor.vcpus,
        "disk": flavor.disk,
        "extra_specs": flavor.extra_specs,
    }


def _flavor_differences(top: JsonDict, bottom: JsonDict) -> list[str]:
    found = [
        f"{name} {top[name]} at the top, {bottom.get(name)} here"
        for name in FLAVOR_FIELDS
        if bottom.get(name) is not None and top[name] != bottom.get(name)
    ]
    specs = bottom.get("extra_specs")
    if specs is not None and specs != top["extra_specs"]:
        found.append("extra specs differ")
    return found
