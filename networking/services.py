"""What the gateway's Network API calls around the central Neutron: what a create, update or
deletion the central Neutron took means for the pods (availability zone hints, DHCP
reservations, bottom copies to clean up or sync, routers to converge). Free of HTTP: the
handlers (gateway/network/) pass the bodies in and out."""

from __future__ import annotations

import logging

from jobs.services import request_job
from networking import bottom, l3, membership, placement
from networking.job_names import BOTTOM_CLEANUP, PORT_SYNC, ROUTER_SETUP, SECURITY_GROUP_SYNC
from pods.clients import ServiceError, central_neutron
from routing.models import ResourceRouting, ResourceType
from routing.services import project_ids_of
from tricircle_site.exceptions import BadRequest, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict, json_str

LOG = logging.getLogger(__name__)


# Neutron collection -> the key of one of its resources in a body.
SINGULAR = {
    "networks": "network",
    "routers": "router",
    "subnets": "subnet",
    "floatingips": "floatingip",
    "security_group_rules": "security_group_rule",
}


def resource_items(body: JsonDict, collection: str) -> list[JsonDict]:
    """The resources of a Neutron body, single (`{"network": {...}}`) or bulk."""
    if isinstance(body.get(collection), list):
        return [item for item in body[collection] if isinstance(item, dict)]
    item = body.get(SINGULAR[collection])
    if not isinstance(item, dict):
        raise BadRequest(f'The request body must be {{"{SINGULAR[collection]}": {{...}}}}.')
    return [item]


def take_hints(body: JsonDict, collection: str) -> list[list[str]]:
    """The availability zone hints of every network or router a create body holds, taken out
    of it (the central Neutron has no such zones) and validated against the pods."""
    return [pop_hints(item) for item in resource_items(body, collection)]


def zoned_created(collection: str, answer: JsonDict, hints_by_index: list[list[str]]) -> None:
    """Networks or routers the central Neutron created: their hints kept and shown in
    `answer`, and what they mean for the pods done."""
    items = resource_items(answer, collection)
    for item, hints in zip(items, hints_by_index, strict=False):
        zoned_resource_created(SINGULAR[collection], item, hints)


def show_hints_in(body: JsonDict, fields: list[str]) -> None:
    """A network or router answer (one or a list) shows the hints Tricircle keeps, unless the
    caller asked for `fields` without them (exactly those attributes: Tempest checks)."""
    if fields and "availability_zone_hints" not in fields:
        return
    single = body.get("network") or body.get("router")
    items = [single] if single else body.get("networks") or body.get("routers") or []
    show_hints(items)


def subnets_created(answer: JsonDict) -> None:
    for subnet in resource_items(answer, "subnets"):
        subnet_created(subnet)


def floatingips_changed(answer: JsonDict, router_before: str | None = None) -> None:
    """Floating IPs created, moved or deleted: the routers they are on now, and the one a
    moved or deleted one was on before, converge."""
    items = answer.get("floatingips") or [answer.get("floatingip") or {}]
    routers = {item["router_id"] for item in items if item.get("router_id")}
    if router_before:
        routers.add(router_before)
    for router_id in sorted(routers):
        router_changed(router_id)


def security_group_rules_created(answer: JsonDict) -> None:
    for rule in resource_items(answer, "security_group_rules"):
        security_group_changed(rule["security_group_id"])
        remote = rule.get("remote_group_id")
        owner = _owner_of(rule["security_group_id"], ResourceType.SECURITY_GROUP)
        if remote and owner is not None:
            # The group is named now: the pods enforcing the rule need its members.
            membership.members_changed({remote}, owner)


def pop_hints(item: JsonDict) -> list[str]:
    """Take availability_zone_hints out of a create body (the central Neutron has no such
    zones), validated against the pods."""
    return placement.validate_hints(item.pop("availability_zone_hints", None))


def zoned_resource_created(resource_type: str, item: JsonDict, hints: list[str]) -> None:
    project_id = item.get("project_id") or item.get("tenant_id") or ""
    placement.store_hints(item["id"], resource_type, project_id, hints)
    item["availability_zone_hints"] = hints
    pod = placement.home_pod(hints)
    if resource_type == ResourceType.ROUTER and hints:
        # A router bound to pods gets its bottom routers there without waiting for a server.
        router_changed(item["id"], project_id)
    if resource_type == ResourceType.NETWORK and pod is not None:
        # A local network belongs to one pod from the start; if the pod cannot take it now,
        # the first server there makes it (materialisation is on demand and idempotent).
        try:
            bottom.ensure_network(pod, item["id"], project_id)
        except (ServiceError, ServiceUnavailable):
            LOG.warning("local network %s not yet made in %s", item["id"], pod.region_name)


def show_hints(items: list[JsonDict]) -> None:
    stored = placement.hints_of(item["id"] for item in items if "id" in item)
    for item in items:
        if "id" in item:
            item["availability_zone_hints"] = stored.get(item["id"], [])


def subnet_created(subnet: JsonDict) -> None:
    try:
        bottom.ensure_top_dhcp_port(subnet)
    except (ServiceError, ServiceUnavailable):
        # Reserved again when the subnet is first materialised in a pod.
        LOG.warning("DHCP port of subnet %s not reserved yet", subnet["id"])


def top_resource_deleted(collection: str, top_id: str) -> None:
    """The top resource is gone: its bottom copies go too, through a job (a pod that is down
    now gets its copies removed when it is back)."""
    placement.forget_hints(top_id)
    resource_type = bottom.COLLECTION_TYPES[collection]
    owner = _owner_of(top_id, resource_type)
    if resource_type == ResourceType.ROUTER:
        # Bottom routers go in the order Neutron accepts (routes, floating IPs, gateway,
        # interfaces), which the router's own job knows; a plain cleanup would be refused.
        if owner is not None:
            router_changed(top_id, owner)
        return
    if owner is not None:
        request_job(BOTTOM_CLEANUP, owner, {"resource_type": resource_type, "top_id": top_id})


def _owner_of(top_id: str, resource_type: str) -> str | None:
    """The project of a top resource that has bottom copies (None: it has none)."""
    return (
        ResourceRouting.objects.filter(top_id=top_id, resource_type=resource_type)
        .values_list("project_id", flat=True)
        .first()
    )


def security_group_changed(group_id: str) -> None:
    owner = _owner_of(group_id, ResourceType.SECURITY_GROUP)
    if owner is not None:
        request_job(SECURITY_GROUP_SYNC, owner, {"security_group_id": group_id})


def sync_security_group_copies(group_id: str) -> None:
    for routing in ResourceRouting.objects.select_related("pod").filter(
        top_id=group_id, resource_type=ResourceType.SECURITY_GROUP
    ):
        if routing.bottom_id:
            bottom.sync_security_group_rules(
                routing.pod, group_id, routing.bottom_id, routing.project_id
            )


def port_changed(port_id: str) -> None:
    """A top port was updated: its bottom copies follow, through a job (a pod that is down
    now gets the change when it is back)."""
    owner = _owner_of(port_id, ResourceType.PORT)
    if owner is not None:
        request_job(PORT_SYNC, owner, {"port_id": port_id})


def sync_port_copies(port_id: str) -> None:
    for routing in ResourceRouting.objects.select_related("pod").filter(
        top_id=port_id, resource_type=ResourceType.PORT
    ):
        if routing.bottom_id and not bottom.sync_port(
            routing.pod, port_id, routing.bottom_id, routing.project_id
        ):
            return  # the top port is gone: its cleanup job removes the copies


def group_of_rule(rule_id: str) -> str | None:
    """The security group of a rule about to be deleted (None if the rule is unknown)."""
    try:
        rule = central_neutron().get(f"/security-group-rules/{rule_id}")
    except ServiceError:
        return None
    return json_str(rule["security_group_rule"]["security_group_id"])


def router_changed(router_id: str, project_id: str | None = None) -> None:
    """Something about a top router changed (interfaces, gateway, routes, floating IPs, a
    server in a new pod): its router_setup job converges the pods. Requests merge, and the job
    reads the state when it runs, so asking often is cheap and never loses a change."""
    if not project_id:
        owners = project_ids_of(router_id, ResourceType.ROUTER)
        project_id = next(iter(owners)) if len(owners) == 1 else None
    if not project_id:
        try:
            router = central_neutron().get(f"/routers/{router_id}")["router"]
        except ServiceError as exc:
            if exc.status_code == 404:
                return
            raise
        project_id = router.get("project_id") or router.get("tenant_id")
    if project_id:
        request_job(ROUTER_SETUP, project_id, {"router_id": router_id})


def routers_of_networks(network_ids: list[str]) -> dict[str, str]:
    """{top router id: its project} of the routers with an interface on these top networks."""
    if not network_ids:
        return {}
    ports = central_neutron().get(
        "/ports",
        network_id=network_ids,
        device_owner=l3.ROUTER_INTERFACE,
        fields=["device_id", "project_id"],
    )["ports"]
    return {port["device_id"]: port.get("project_id", "") for port in ports if port["device_id"]}


def router_of_floatingip(floatingip_id: str) -> str | None:
    """The router a floating IP is on before a change to it (None: none, or unknown)."""
    try:
        fip = central_neutron().get(f"/floatingips/{floatingip_id}")["floatingip"]
    except ServiceError:
        return None
    router_id = fip.get("router_id")
    return router_id if isinstance(router_id, str) else None
