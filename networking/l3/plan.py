"""What each pod must have for one top router: which pods its bottom routers go to, their
interfaces (the top interface ports, or ports reserved at the top for the pods a subnet spans
after its first), the bridge ports joining them, and their extra routes. No pod is called here:
planning reads the top and the routing table, and reserves at the top the ports whose IPs the
plan needs (or, planning read-only, only finds them: `reserve` and `bridge`); `routes_for` is
pure."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field

from networking.l3.names import (
    BRIDGE_PORT_OWNER,
    POD_INTERFACE_OWNER,
    bridge_port_name,
    pod_interface_name,
)
from networking.l3.top import (
    TopState,
    ensure_bridge_network,
    hinted_pods,
    network_allowed_in,
    network_pods,
    reserve_port,
)
from pods import fanout
from pods.models import Pod
from tricircle_site.jsontypes import JsonDict

# How a plan gets a top port reserved for a router (None: not reserved, planning read-only) and
# the project's bridge network and subnet (None: not made yet).
Reserve = Callable[[list[JsonDict], str, JsonDict], JsonDict | None]
Bridge = Callable[[str], tuple[JsonDict, JsonDict] | None]


@dataclass
class PodPlan:
    pod: Pod
    # Top ports whose bottom copies are this pod's router interfaces (interface or reserved).
    interface_ports: list[str] = field(default_factory=list)
    # Top subnets the pod's router is attached to: {top subnet id: cidr}.
    local_subnets: dict[str, str] = field(default_factory=dict)
    # Those of them other pods reach through this pod (it holds them alone, or first).
    primary_subnets: dict[str, str] = field(default_factory=dict)
    # The pod's bottom router, known once applying has made or found it.
    bottom_router_id: str = ""
    bridge_ip: str = ""
    bridge_port: str = ""  # top id
    routes: list[JsonDict] = field(default_factory=list)


@dataclass
class RouterPlan:
    router_id: str
    top: TopState
    exit_at: Pod | None
    external: JsonDict | None  # the top external network, with exit_at
    # {top floating IP id: the bottom port in the exit pod it points at}.
    floating_ports: dict[str, str]
    # By region name, in the order the pods are applied.
    pods: dict[str, PodPlan] = field(default_factory=dict)
    # Reserved top ports the plan uses; the router's other reserved ports are stale.
    wanted_reserved: set[str] = field(default_factory=set)
    reserve: Reserve = reserve_port
    bridge: Bridge = ensure_bridge_network

    def pod_plan(self, pod: Pod) -> PodPlan:
        return self.pods.setdefault(pod.region_name, PodPlan(pod=pod))

    def is_exit(self, pod_plan: PodPlan) -> bool:
        return self.exit_at is not None and pod_plan.pod.region_name == self.exit_at.region_name


def plan_router(
    router_id: str,
    top: TopState,
    exit_at: Pod | None,
    external: JsonDict | None,
    floating_ports: dict[str, str],
    reserve: Reserve = reserve_port,
    bridge: Bridge = ensure_bridge_network,
) -> RouterPlan:
    plan = RouterPlan(
        router_id=router_id,
        top=top,
        exit_at=exit_at,
        external=external,
        floating_ports=floating_ports,
        reserve=reserve,
        bridge=bridge,
    )
    pods_of = _pods_of_networks(router_id, {port["network_id"] for port in top.interfaces})
    for interface in top.interfaces:
        _plan_interface(plan, interface, pods_of.get(interface["network_id"], []))
    for pod in hinted_pods(router_id):
        plan.pod_plan(pod)
    if exit_at is not None:
        plan.pod_plan(exit_at)
    # The bridge joins the routers only when there is more than one.
    if len(plan.pods) > 1:
        _plan_bridge(plan)
    top_routes = top.router.get("routes") or []
    for pod_plan in plan.pods.values():
        pod_plan.routes = routes_for(pod_plan, plan.pods, exit_at, top_routes)
    return plan


def _pods_of_networks(router_id: str, network_ids: set[str]) -> dict[str, list[Pod]]:
    """{top network id: the pods the router holds it in}: where it has a bottom copy, then
    the router's hinted pods the network may go to."""
    pods_of = network_pods(network_ids)
    for pod in hinted_pods(router_id):
        for network_id in network_ids:
            pods = pods_of.setdefault(network_id, [])
            if pod not in pods and network_allowed_in(network_id, pod):
                pods.append(pod)
    return pods_of


def _plan_interface(plan: RouterPlan, interface: JsonDict, pods: list[Pod]) -> None:
    """One top interface in the pods holding its network: the first keeps the interface port
    (the gateway IP); each other gets a port of its own reserved at the top, so addresses
    never clash."""
    subnets = plan.top.subnets
    for index, pod in enumerate(pods):
        pod_plan = plan.pod_plan(pod)
        for ip in interface["fixed_ips"]:
            pod_plan.local_subnets[ip["subnet_id"]] = subnets[ip["subnet_id"]]["cidr"]
            if index == 0:
                pod_plan.primary_subnets[ip["subnet_id"]] = subnets[ip["subnet_id"]]["cidr"]
        if index == 0:
            pod_plan.interface_ports.append(interface["id"])
            continue
        port = plan.reserve(
            plan.top.reserved,
            pod_interface_name(pod, interface["id"]),
            {
                "network_id": interface["network_id"],
                "project_id": plan.top.project_id,
                "fixed_ips": [{"subnet_id": ip["subnet_id"]} for ip in interface["fixed_ips"]],
                "device_id": plan.router_id,
                "device_owner": POD_INTERFACE_OWNER,
                "security_groups": [],
            },
        )
        if port is None:
            continue
        plan.wanted_reserved.add(port["id"])
        pod_plan.interface_ports.append(port["id"])


def _plan_bridge(plan: RouterPlan) -> None:
    """A port on the project's bridge network for every pod's router, its IP reserved at the
    top."""
    bridge = plan.bridge(plan.top.project_id)
    if bridge is None:
        return
    bridge_net, bridge_subnet = bridge
    body = {
        "network_id": bridge_net["id"],
        "fixed_ips": [{"subnet_id": bridge_subnet["id"]}],
        "device_id": plan.router_id,
        "device_owner": BRIDGE_PORT_OWNER,
        "security_groups": [],
    }
    pod_plans = list(plan.pods.values())
    # Every pod's port at once: a router's first setup reserves one per pod, and each is a
    # write to the central Neutron (the names differ, so no two reservations meet).
    ports = fanout.each(
        pod_plans,
        lambda pod_plan: plan.reserve(plan.top.reserved, bridge_port_name(pod_plan.pod), body),
    )
    for pod_plan, port in zip(pod_plans, ports, strict=True):
        if port is None:
            continue
        plan.wanted_reserved.add(port["id"])
        pod_plan.bridge_port = port["id"]
        pod_plan.bridge_ip = port["fixed_ips"][0]["ip_address"]
        pod_plan.interface_ports.append(port["id"])


def routes_for(
    plan: PodPlan, plans: dict[str, PodPlan], exit_at: Pod | None, top_routes: list[JsonDict]
) -> list[JsonDict]:
    """The extra routes of one pod's bottom router (sorted, so equal sets compare equal)."""
    routes: dict[str, str] = {}
    for other in plans.values():
        if other is plan or not other.bridge_ip:
            continue
        for subnet_id, cidr in other.primary_subnets.items():
            # A subnet also held here is connected; the bridge is IPv4 only.
            if subnet_id in plan.local_subnets or ipaddress.ip_network(cidr).version != 4:
                continue
            routes[cidr] = other.bridge_ip
    if exit_at is not None and plan.pod.region_name != exit_at.region_name:
        exit_plan = plans[exit_at.region_name]
        if exit_plan.bridge_ip:
            routes["0.0.0.0/0"] = exit_plan.bridge_ip
    local = [ipaddress.ip_network(cidr) for cidr in plan.local_subnets.values()]
    for route in top_routes:
        nexthop = ipaddress.ip_address(route["nexthop"])
        if any(nexthop in net for net in local):
            routes[route["destination"]] = route["nexthop"]
    return [{"destination": dest, "nexthop": hop} for dest, hop in sorted(routes.items())]
