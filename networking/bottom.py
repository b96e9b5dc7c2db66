"""Materialising top Neutron resources in a pod ("bottom" copies), on demand and idempotently.

Addresses are allocated once, by the central Neutron: a bottom port carries exactly the top
port's IPs and MAC, and the bottom DHCP port the IP of the DHCP port reserved at the top, so a
network that spans pods never hands out one address twice. Bottom copies are named after their
top id, which lets an interrupted creation be adopted instead of repeated."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from networking import placement
from pods.clients import NeutronClient, NeutronError, ServiceError, central_neutron, pod_neutron
from pods.fanout import run_all
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import bottom_id_in, ensure_bottom
from tricircle_site.exceptions import BadRequest
from tricircle_site.jsontypes import JsonDict, json_str

DHCP_OWNER = "network:dhcp"
RESERVED_DHCP_DEVICE = "reserved_dhcp_port"
PROVIDER_FIELDS = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
SUBNET_FIELDS = (
    "cidr",
    "ip_version",
    "gateway_ip",
    "allocation_pools",
    "host_routes",
    "dns_nameservers",
    "ipv6_ra_mode",
    "ipv6_address_mode",
)
RULE_FIELDS = (
    "direction",
    "ethertype",
    "protocol",
    "port_range_min",
    "port_range_max",
    "remote_ip_prefix",
    "description",
)

# Neutron collection in a URL -> routing resource type.
# A copy is named after its top resource's id; the fields read of a port holding an address.
UUID_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HOLDER_FIELDS = ["id", "name", "device_owner", "device_id"]
COLLECTION_TYPES = {
    "networks": ResourceType.NETWORK,
    "subnets": ResourceType.SUBNET,
    "ports": ResourceType.PORT,
    "routers": ResourceType.ROUTER,
    "security-groups": ResourceType.SECURITY_GROUP,
}


# The subnet and group copies a batch of port copies (a job's shadows, a boot's ports) has
# ensured: {(what, pod pk, top id): bottom id}. Ensuring a known copy still reads the top and
# the pod (a subnet's DHCP port, a group's rules), which ports on the same subnet need once.
_ensured_in_batch: ContextVar[dict[tuple[str, object, str], str] | None] = ContextVar(
    "ensured_in_batch", default=None
)


@contextmanager
def one_batch() -> Iterator[None]:
    """Port copies made in this block (in its threads too) ensure each subnet or group once."""
    token = _ensured_in_batch.set({})
    try:
        yield
    finally:
        _ensured_in_batch.reset(token)


def _once_per_batch(ensure: Callable[[Pod, str, str], str]) -> Callable[[Pod, str, str], str]:
    @functools.wraps(ensure)
    def once(pod: Pod, top_id: str, project_id: str) -> str:
        ensured = _ensured_in_batch.get()
        if ensured is None:
            return ensure(pod, top_id, project_id)
        key = (ensure.__name__, pod.pk, top_id)
        if key not in ensured:
            ensured[key] = ensure(pod, top_id, project_id)
        return ensured[key]

    return once


def _adopt(pod: Pod, collection: str, top_id: str) -> str | None:
    found = _named(pod_neutron(pod), collection, top_id)
    return found[0] if found else None


def ensure_network(pod: Pod, top_network_id: str, project_id: str) -> str:
    # A copy made stays allowed (a network's hints cannot change): no need to ask the top.
    known = bottom_id_in(pod, top_network_id, ResourceType.NETWORK)
    if known:
        return known
    top = central_neutron().get(f"/networks/{top_network_id}")["network"]
    hints = placement.hints_of([top_network_id]).get(top_network_id, [])
    if not placement.pod_allowed(hints, pod):
        raise BadRequest(
            f"Network {top_network_id} is bound to {', '.join(hints)} by its "
            f"availability_zone_hints; it cannot be used in {pod.region_name} ({pod.az_name})."
        )

    def create() -> str:
        body = {
            "name": top_network_id,
            "project_id": project_id,
            "admin_state_up": top.get("admin_state_up", True),
        }
        # The same segment in every pod: the central Neutron allocated it once for all.
        for field in PROVIDER_FIELDS:
            if top.get(field) is not None:
                body[field] = top[field]
        # An external network lives in one pod (its hint), where routers take gateways on it.
        if top.get("router:external"):
            body["router:external"] = True
        return json_str(pod_neutron(pod).post("/networks", {"network": body})["network"]["id"])

    return ensure_bottom(
        top_network_id,
        pod,
        ResourceType.NETWORK,
        project_id,
        create,
        lambda: _adopt(pod, "networks", top_network_id),
        # A pod refuses a second network on a segment; one without (a local network) may be
        # made twice.
        refused_if_made=top.get("provider:segmentation_id") is not None,
    )


def ensure_top_dhcp_port(top_subnet: JsonDict) -> JsonDict | None:
    """The port that reserves the subnet's DHCP address at the top (the central Neutron runs no
    DHCP agent, so nothing else would)."""
    if not top_subnet.get("enable_dhcp"):
        return None
    central = central_neutron()
    reserved = _reserved_dhcp_ports(top_subnet)
    if reserved:
        return reserved[0]
    body = {
        "network_id": top_subnet["network_id"],
        "project_id": top_subnet["project_id"],
        "name": f"dhcp_port_{top_subnet['id']}",
        "fixed_ips": [{"subnet_id": top_subnet["id"]}],
        "device_owner": DHCP_OWNER,
        "device_id": RESERVED_DHCP_DEVICE,
    }
    mine = central.post("/ports", {"port": body})["port"]
    # Two callers that both found none made one each: all keep the oldest, the others go.
    kept = _reserved_dhcp_ports(top_subnet)[0]
    if kept["id"] != mine["id"]:
        central.delete(f"/ports/{mine['id']}")
    return kept


def _reserved_dhcp_ports(top_subnet: JsonDict) -> list[JsonDict]:
    """The top DHCP ports on the subnet, oldest first."""
    ports = central_neutron().get(
        "/ports", network_id=top_subnet["network_id"], device_owner=DHCP_OWNER
    )["ports"]
    on_subnet = [
        port
        for port in ports
        if any(ip["subnet_id"] == top_subnet["id"] for ip in port["fixed_ips"])
    ]
    return sorted(on_subnet, key=lambda port: (port.get("created_at") or "", port["id"]))


@_once_per_batch
def ensure_subnet(pod: Pod, top_subnet_id: str, project_id: str) -> str:
    top = central_neutron().get(f"/subnets/{top_subnet_id}")["subnet"]
    bottom_network_id = ensure_network(pod, top["network_id"], project_id)
    neutron = pod_neutron(pod)

    def create() -> str:
        body = {field: top[field] for field in SUBNET_FIELDS if top.get(field) is not None}
        # No gateway at the top means none at the bottom (left out, the pod would pick one).
        body["gateway_ip"] = top.get("gateway_ip")
        # DHCP off first: the pod's DHCP agent would otherwise make its own port with another
        # address; it adopts the port made below instead.
        body.update(
            name=top_subnet_id,
            network_id=bottom_network_id,
            project_id=project_id,
            enable_dhcp=False,
        )
        return json_str(neutron.post("/subnets", {"subnet": body})["subnet"]["id"])

    bottom_subnet_id = ensure_bottom(
        top_subnet_id,
        pod,
        ResourceType.SUBNET,
        project_id,
        create,
        lambda: _adopt(pod, "subnets", top_subnet_id),
        refused_if_made=True,  # an overlapping CIDR on the network
    )
    top_dhcp = ensure_top_dhcp_port(top)
    if top_dhcp is not None:
        _ensure_bottom_dhcp(pod, top, top_dhcp, bottom_network_id, bottom_subnet_id, project_id)
    return bottom_subnet_id


def _ensure_bottom_dhcp(
    pod: Pod,
    top_subnet: JsonDict,
    top_dhcp: JsonDict,
    bottom_network_id: str,
    bottom_subnet_id: str,
    project_id: str,
) -> None:
    neutron = pod_neutron(pod)
    bottom = neutron.get(f"/subnets/{bottom_subnet_id}")["subnet"]
    if bottom["enable_dhcp"]:
        return
    ip = next(
        ip["ip_address"] for ip in top_dhcp["fixed_ips"] if ip["subnet_id"] == top_subnet["id"]
    )

    def made() -> bool:
        existing = neutron.get("/ports", network_id=bottom_network_id, device_owner=DHCP_OWNER)
        return any(
            any(fixed["ip_address"] == ip for fixed in port["fixed_ips"])
            for port in existing["ports"]
        )

    if not made():
        body = {
            "network_id": bottom_network_id,
            "project_id": project_id,
            "name": top_dhcp["id"],
            "fixed_ips": [{"subnet_id": bottom_subnet_id, "ip_address": ip}],
            "mac_address": top_dhcp["mac_address"],
            "device_owner": DHCP_OWNER,
            "device_id": RESERVED_DHCP_DEVICE,
        }
        try:
            neutron.post("/ports", {"port": body})
        except ServiceError as exc:
            # Another caller made it between our look and our create (its MAC or IP is then
            # "in use"): that port is the one wanted.
            if exc.status_code != 409 or not made():
                raise
    neutron.put(f"/subnets/{bottom_subnet_id}", {"subnet": {"enable_dhcp": True}})


@_once_per_batch
def ensure_security_group(pod: Pod, top_group_id: str, project_id: str) -> str:
    # A group made now comes with the rules its pod gives every new group: no need to read them.
    made_rules: list[JsonDict] = []

    def create() -> str:
        top = central_neutron().get(f"/security-groups/{top_group_id}")["security_group"]
        group = pod_neutron(pod).post(
            "/security-groups",
            {
                "security_group": {
                    "name": top_group_id,
                    "description": top.get("description", ""),
                    "project_id": project_id,
                }
            },
        )["security_group"]
        made_rules.extend(group.get("security_group_rules") or [])
        return json_str(group["id"])

    bottom_id = ensure_bottom(
        top_group_id,
        pod,
        ResourceType.SECURITY_GROUP,
        project_id,
        create,
        lambda: _adopt(pod, "security-groups", top_group_id),
    )
    sync_security_group_rules(pod, top_group_id, bottom_id, project_id, made_rules or None)
    return bottom_id


def _rule_key(rule: JsonDict, remote_group: str | None) -> tuple[object, ...]:
    return (*(rule.get(field) for field in RULE_FIELDS[:-1]), remote_group)


def sync_security_group_rules(
    pod: Pod,
    top_group_id: str,
    bottom_group_id: str,
    project_id: str,
    bottom_rules: list[JsonDict] | None = None,
) -> None:
    """Make the bottom group's rules equal the top group's (a rule naming another group names
    that group's bottom copy); `bottom_rules` are its rules when known (else read). Safe to
    run any number of times."""
    top_rules = central_neutron().get("/security-group-rules", security_group_id=top_group_id)[
        "security_group_rules"
    ]
    neutron = pod_neutron(pod)
    if bottom_rules is None:
        bottom_rules = neutron.get("/security-group-rules", security_group_id=bottom_group_id)[
            "security_group_rules"
        ]
    wanted: dict[tuple[object, ...], JsonDict] = {}
    for rule in top_rules:
        remote = rule.get("remote_group_id")
        if remote == top_group_id:
            remote = bottom_group_id
        elif remote:
            remote = ensure_security_group(pod, remote, project_id)
        wanted[_rule_key(rule, remote)] = {**rule, "remote_group_id": remote}
    present = {_rule_key(rule, rule.get("remote_group_id")): rule for rule in bottom_rules}
    for key, rule in present.items():
        if key not in wanted:
            neutron.delete(f"/security-group-rules/{rule['id']}")
    for key, rule in wanted.items():
        if key in present:
            continue
        body = {field: rule[field] for field in RULE_FIELDS if rule.get(field) is not None}
        body.update(security_group_id=bottom_group_id, project_id=project_id)
        if rule["remote_group_id"]:
            body["remote_group_id"] = rule["remote_group_id"]
        try:
            neutron.post("/security-group-rules", {"security_group_rule": body})
        except ServiceError as exc:
            if exc.status_code != 409:  # 409: a concurrent sync made the same rule
                raise


def _port_fields(top: JsonDict, subnet_copies: dict[str, str], group_copies: list[str]) -> JsonDict:
    """What a bottom copy carries of its top port besides its name, network and MAC: the same
    IPs (on the copies of their subnets), state, port security, security groups (their copies)
    and allowed address pairs."""
    fields: JsonDict = {
        "fixed_ips": [
            {"subnet_id": subnet_copies[ip["subnet_id"]], "ip_address": ip["ip_address"]}
            for ip in top["fixed_ips"]
        ],
        "admin_state_up": top.get("admin_state_up", True),
    }
    if top.get("port_security_enabled") is False:
        # Neutron refuses groups or address pairs on a port without port security.
        fields.update(port_security_enabled=False, security_groups=[], allowed_address_pairs=[])
        return fields
    fields["security_groups"] = group_copies
    fields["allowed_address_pairs"] = top.get("allowed_address_pairs", [])
    if "port_security_enabled" in top:
        fields["port_security_enabled"] = True
    return fields


def ensure_port(
    pod: Pod,
    top_port_id: str,
    project_id: str,
    made_with: JsonDict | None = None,
    known_top: JsonDict | None = None,
) -> str:
    """The bottom copy of a top port, with the top's IPs and MAC, on bottom copies of its
    network, subnets and security groups; one made now also has the fields of `made_with` (a
    shadow's owner: never seen without it), and is made from `known_top` (the top port as its
    caller just read or made it) when given, rather than from the top port read again."""
    # A copy keeps itself in step with its top port (port_sync): nothing to ask the top.
    known = bottom_id_in(pod, top_port_id, ResourceType.PORT)
    if known:
        return known

    def create() -> str:
        # Only the caller holding the claim gets here: callers racing for the same copy (a
        # boot's jobs for its network and for its groups) wait for it instead of asking the
        # pod for the same network, subnets and groups meanwhile.
        top = known_top or central_neutron().get(f"/ports/{top_port_id}")["port"]
        bottom_network_id = ensure_network(pod, top["network_id"], project_id)
        subnet_copies: dict[str, str] = {}
        group_copies: list[str] = []
        # The subnets' copies and the groups' do not wait for each other: the top's answers
        # for one come while the pod makes the other.
        run_all(
            [
                lambda: subnet_copies.update(
                    (subnet, ensure_subnet(pod, subnet, project_id))
                    for subnet in sorted({ip["subnet_id"] for ip in top["fixed_ips"]})
                ),
                lambda: group_copies.extend(
                    ensure_security_group(pod, group, project_id)
                    for group in top.get("security_groups", [])
                ),
            ]
        )
        fields = _port_fields(top, subnet_copies, group_copies)
        body = {
            "name": top_port_id,
            "network_id": bottom_network_id,
            "project_id": project_id,
            "mac_address": top["mac_address"],
            **fields,
            **(made_with or {}),
        }
        neutron = pod_neutron(pod)
        try:
            return json_str(neutron.post("/ports", {"port": body})["port"]["id"])
        except NeutronError as exc:
            if exc.status_code != 409 or not _free_addresses(neutron, pod, fields["fixed_ips"]):
                raise
            return json_str(neutron.post("/ports", {"port": body})["port"]["id"])

    return ensure_bottom(
        top_port_id,
        pod,
        ResourceType.PORT,
        project_id,
        create,
        lambda: _adopt(pod, "ports", top_port_id),
        refused_if_made=True,  # the same MAC on the network
    )


def _free_addresses(neutron: NeutronClient, pod: Pod, fixed_ips: list[JsonDict]) -> bool:
    """Frees the pod's addresses a copy needs that are held by copies of top ports that are
    gone (a copy made by a job that then failed, e.g. a router interface never attached before
    the interface was removed at the top): detached if they are router interfaces, deleted.
    Whether any was freed; a holder whose top port exists is a real conflict, left alone."""
    freed = False
    for fixed_ip in fixed_ips:
        holders = neutron.get(
            "/ports", fixed_ips=f"ip_address={fixed_ip['ip_address']}", fields=HOLDER_FIELDS
        )["ports"]
        for holder in holders:
            if not _top_port_gone(str(holder.get("name") or "")):
                continue
            # The entry first: a removal whose answer is lost must not leave an entry nobody
            # looks at again (the holder, if still there, is found again by its address).
            ResourceRouting.objects.filter(
                pod=pod, resource_type=ResourceType.PORT, bottom_id=holder["id"]
            ).delete()
            if str(holder.get("device_owner", "")).startswith("network:router_interface"):
                neutron.put(
                    f"/routers/{holder['device_id']}/remove_router_interface",
                    {"port_id": holder["id"]},
                )
            else:
                neutron.delete(f"/ports/{holder['id']}")
            freed = True
    return freed


def _top_port_gone(name: str) -> bool:
    """Whether a bottom port is a copy (named after a top port id) of a top port that is gone."""
    if not UUID_NAME.fullmatch(name):
        return False
    try:
        central_neutron().get(f"/ports/{name}", fields="id")
    except ServiceError as exc:
        if exc.status_code == 404:
            return True
        raise
    return False


def sync_port(pod: Pod, top_port_id: str, bottom_port_id: str, project_id: str) -> bool:
    """Gives a port's bottom copy what changed at the top since it was made (a user's `port
    set` reaches the central Neutron only). False when the top port is gone (its cleanup job
    removes the copy)."""
    try:
        top = central_neutron().get(f"/ports/{top_port_id}")["port"]
    except ServiceError as exc:
        if exc.status_code == 404:
            return False
        raise

    def copy(top_id: str, resource_type: str, ensure: Callable[[Pod, str, str], str]) -> str:
        # Copies that exist keep themselves in step (their own jobs): only new ones are made.
        known = (
            ResourceRouting.objects.filter(top_id=top_id, pod=pod, resource_type=resource_type)
            .exclude(bottom_id="")
            .values_list("bottom_id", flat=True)
            .first()
        )
        return known or ensure(pod, top_id, project_id)

    wanted = _port_fields(
        top,
        {
            ip["subnet_id"]: copy(ip["subnet_id"], ResourceType.SUBNET, ensure_subnet)
            for ip in top["fixed_ips"]
        },
        [
            copy(group, ResourceType.SECURITY_GROUP, ensure_security_group)
            for group in top.get("security_groups", [])
        ],
    )
    neutron = pod_neutron(pod)
    current = neutron.get(f"/ports/{bottom_port_id}")["port"]
    changed = {key: value for key, value in wanted.items() if not _same(current.get(key), value)}
    if changed:
        neutron.put(f"/ports/{bottom_port_id}", {"port": changed})
    return True


def _same(current: object, wanted: object) -> bool:
    # Neutron lists groups, IPs and address pairs in an order of its own.
    if isinstance(current, list) and isinstance(wanted, list):

        def key(item: object) -> str:
            return repr(sorted(item.items())) if isinstance(item, dict) else repr(item)

        return sorted(map(key, current)) == sorted(map(key, wanted))
    return current == wanted


def remove_bottom_copies(resource_type: str, top_id: str) -> None:
    """Delete every bottom copy of a deleted top resource and its routing entries; converges
    (a copy already gone is fine), so it is safe to run again after a failure. A claim without
    a bottom id (its pod did not answer the creation) is looked up by name: the pod may have
    made the copy all the same."""
    paths: dict[str, str] = {value: key for key, value in COLLECTION_TYPES.items()}
    path = paths[resource_type]
    for routing in ResourceRouting.objects.select_related("pod").filter(
        top_id=top_id, resource_type=resource_type
    ):
        neutron = pod_neutron(routing.pod)
        copies = [routing.bottom_id] if routing.bottom_id else _named(neutron, path, top_id)
        for bottom_id in copies:
            if resource_type == ResourceType.NETWORK:
                _empty_network(neutron, routing.pod, bottom_id)
            neutron.delete(f"/{path}/{bottom_id}")
        routing.delete()


def _named(neutron: NeutronClient, collection: str, top_id: str) -> list[str]:
    found = neutron.get(f"/{collection}", name=top_id, fields="id")[collection.replace("-", "_")]
    return [str(item["id"]) for item in found]


def _empty_network(neutron: NeutronClient, pod: Pod, bottom_network_id: str) -> None:
    """The top network is gone, so its ports are: what is left on the copy (a shadow or a port
    copy whose cleanup lost a race) goes with it; router interfaces go through their router's
    job, which this job waits for by failing and retrying. The pod deletes the network's
    subnets with it; their routing entries go as well."""
    for port in neutron.get("/ports", network_id=bottom_network_id)["ports"]:
        if not port["device_owner"].startswith("network:router"):
            neutron.delete(f"/ports/{port['id']}")
            ResourceRouting.objects.filter(
                pod=pod, resource_type=ResourceType.PORT, bottom_id=port["id"]
            ).delete()
    subnets = neutron.get("/subnets", network_id=bottom_network_id, fields="name")
    ResourceRouting.objects.filter(
        pod=pod,
        resource_type=ResourceType.SUBNET,
        top_id__in=[subnet["name"] for subnet in subnets["subnets"]],
    ).delete()
