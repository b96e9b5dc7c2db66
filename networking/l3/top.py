"""The top side of a router: what the central Neutron and the routing table say about it (its
interfaces, the ports reserved for it, its subnets and floating IPs, the pods its networks are
in, its exit pod), and what Tricircle keeps at the top for it (the project's bridge network,
reserved ports). No pod is called here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from networking import placement
from networking.l3.names import RESERVED_PORT_OWNERS, ROUTER_INTERFACE, bridge_network_name
from pods import fanout
from pods.clients import ServiceError, central_neutron
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tricircle_site.jsontypes import JsonDict, json_object

LOG = logging.getLogger(__name__)


@dataclass
class TopState:
    router: JsonDict
    project_id: str
    interfaces: list[JsonDict]
    reserved: list[JsonDict]  # ports Tricircle reserved for this router at the top
    floatingips: list[JsonDict]
    subnets: dict[str, JsonDict]


def read_top(router_id: str) -> TopState | None:
    central = central_neutron()

    def router() -> JsonDict | None:
        try:
            return json_object(central.get(f"/routers/{router_id}")["router"])
        except ServiceError as exc:
            if exc.status_code == 404:
                return None
            raise

    # The router, its ports and its floating IPs at once (each converge run reads them).
    found, ports, floatingips = fanout.run_all(
        [
            router,
            lambda: central.get("/ports", device_id=router_id)["ports"],
            lambda: central.get("/floatingips", router_id=router_id)["floatingips"],
        ]
    )
    if found is None:
        return None
    subnet_ids = sorted(
        {
            ip["subnet_id"]
            for port in ports
            if port["device_owner"] == ROUTER_INTERFACE
            for ip in port["fixed_ips"]
        }
    )
    subnets = central.get("/subnets", id=subnet_ids)["subnets"] if subnet_ids else []
    return top_state(found, ports, subnets, floatingips)


def top_state(
    router: JsonDict, ports: list[JsonDict], subnets: list[JsonDict], floatingips: list[JsonDict]
) -> TopState:
    """A router's top side from the central Neutron's lists (those of the router, or all)."""
    router_id = router["id"]
    mine = [port for port in ports if port.get("device_id") == router_id]
    interfaces = [port for port in mine if port["device_owner"] == ROUTER_INTERFACE]
    wanted = {ip["subnet_id"] for port in interfaces for ip in port["fixed_ips"]}
    return TopState(
        router=router,
        project_id=router.get("project_id") or router.get("tenant_id") or "",
        interfaces=sorted(interfaces, key=lambda port: port["id"]),
        reserved=[port for port in mine if port["device_owner"] in RESERVED_PORT_OWNERS],
        floatingips=[
            fip for fip in floatingips if fip.get("router_id") == router_id and fip.get("port_id")
        ],
        subnets={subnet["id"]: subnet for subnet in subnets if subnet["id"] in wanted},
    )


def network_pods(network_ids: set[str]) -> dict[str, list[Pod]]:
    """{top network id: pods holding a bottom copy, the first materialised first}."""
    found: dict[str, list[Pod]] = {}
    entries = (
        ResourceRouting.objects.select_related("pod")
        .filter(top_id__in=network_ids, resource_type=ResourceType.NETWORK)
        .exclude(bottom_id="")
        .order_by("created_at", "id")
    )
    for entry in entries:
        found.setdefault(entry.top_id, []).append(entry.pod)
    return found


def hinted_pods(router_id: str) -> list[Pod]:
    hints = placement.hints_of([router_id]).get(router_id, [])
    return list(Pod.objects.filter(region_name__in=hints).exclude(az_name=""))


def network_allowed_in(network_id: str, pod: Pod) -> bool:
    return placement.pod_allowed(placement.hints_of([network_id]).get(network_id, []), pod)


def exit_pod(
    router: JsonDict, networks: dict[str, JsonDict] | None = None
) -> tuple[Pod | None, JsonDict | None]:
    """The pod holding the router's external network (its single-region hint, else its only
    bottom copy) and the top external network, read from `networks` when given (the central
    Neutron's list), else asked; (None, None) without a gateway."""
    gateway = router.get("external_gateway_info") or {}
    network_id = gateway.get("network_id")
    if not network_id:
        return None, None
    if networks is not None:
        if network_id not in networks:
            return None, None
        network = networks[network_id]
    else:
        network = central_neutron().get(f"/networks/{network_id}")["network"]
    pod = placement.home_pod(placement.hints_of([network_id]).get(network_id, []))
    if pod is None:
        pods = network_pods({network_id}).get(network_id, [])
        pod = pods[0] if len(pods) == 1 else None
    if pod is None:
        LOG.warning(
            "External network %s names no single pod (availability_zone_hints): router %s "
            "gets no north-south",
            network_id,
            router["id"],
        )
    return pod, network


def ensure_bridge_network(project_id: str) -> tuple[JsonDict, JsonDict]:
    """The project's bridge network and subnet at the top (made by the service account, so the
    tenant does not see them). Routers of one project converge in parallel jobs: if two made a
    network, the oldest wins and the other creator deletes its own."""
    central = central_neutron()
    name = bridge_network_name(project_id)
    networks = central.get("/networks", name=name)["networks"]
    made = None
    if not networks:
        made = central.post("/networks", {"network": _bridge_network_body(project_id)})["network"]
        networks = central.get("/networks", name=name)["networks"]
    networks.sort(key=_age)
    network = networks[0]
    if made is not None and made["id"] != network["id"]:
        central.delete(f"/networks/{made['id']}")
    subnets = central.get("/subnets", network_id=network["id"])["subnets"]
    if subnets:
        return network, subnets[0]
    subnet = central.post(
        "/subnets",
        {
            "subnet": {
                "name": name,
                "network_id": network["id"],
                "cidr": settings.BRIDGE_CIDR,
                "ip_version": 4,
                "gateway_ip": None,
                "enable_dhcp": False,
            }
        },
    )["subnet"]
    return network, subnet


def _bridge_network_body(project_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": bridge_network_name(project_id),
        "provider:network_type": settings.BRIDGE_NETWORK_TYPE,
        "description": f"Tricircle bridge of project {project_id}",
    }
    if settings.BRIDGE_PHYSICAL_NETWORK:
        body["provider:physical_network"] = settings.BRIDGE_PHYSICAL_NETWORK
    return body


def _age(network: JsonDict) -> tuple[str, str]:
    """Sort key of a network, oldest first (the id breaks ties the same way in every job)."""
    return (network.get("created_at") or "", network["id"])


def find_bridge_network(project_id: str) -> JsonDict | None:
    found = central_neutron().get("/networks", name=bridge_network_name(project_id))["networks"]
    return min(found, key=_age) if found else None


def listed_bridge_network(
    project_id: str, networks: list[JsonDict], subnets: list[JsonDict]
) -> tuple[JsonDict, JsonDict] | None:
    """The project's bridge network and subnet as the central Neutron's lists have them (the
    oldest, as ensure_bridge_network keeps); None when not made yet."""
    name = bridge_network_name(project_id)
    found = [network for network in networks if network.get("name") == name]
    if not found:
        return None
    network = min(found, key=_age)
    subnet = next((s for s in subnets if s.get("network_id") == network["id"]), None)
    return (network, subnet) if subnet is not None else None


def reserved_port(reserved: list[JsonDict], name: str, body: JsonDict) -> JsonDict | None:
    """A top port Tricircle reserved for a router, found by name; None when not reserved yet
    (planning read-only: the drift audit)."""
    return next((port for port in reserved if port["name"] == name), None)


def reserve_port(reserved: list[JsonDict], name: str, body: JsonDict) -> JsonDict:
    """A top port Tricircle keeps for a router (found by name, else made): its IP is this
    pod's, allocated by the central Neutron so it never clashes with another pod's."""
    for port in reserved:
        if port["name"] == name:
            return port
    port = json_object(central_neutron().post("/ports", {"port": {**body, "name": name}})["port"])
    reserved.append(port)
    return port
