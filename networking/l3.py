"""Cross-pod L3: one top router becomes one bottom router per pod that holds its subnets, joined
by the project's bridge network, with extra routes so every pod reaches the others' subnets, and
north-south through the pod that holds the external network.

`converge_router` reads the current top state (never the event that asked for it), so it is safe
to run any number of times and a run that sees a newer state simply does more. What it makes:

- a bottom router per pod (routing entry type router, named after the top router id) in every
  pod where one of the router's networks has a bottom copy, every pod region named by the
  router's availability_zone_hints, and the exit pod (see below);
- on it, an interface on each bottom subnet there: the top interface port's copy (the subnet's
  gateway IP) where the subnet lives in one pod; where a subnet spans pods, the pod where its
  network was materialised first keeps the gateway IP (the VMs' default gateway, reached over
  the stretched segment from the other pods) and every other pod's router gets a port of its
  own reserved at the top, so addresses never clash;
- when more than one pod is involved, a port on the project's bridge network (a top network
  `bridge_net_<project>` allocated at the top from BRIDGE_CIDR with a vxlan/vlan segment, so
  every pod's copy has the same segment), its IP reserved at the top;
- extra routes: every subnet the pod does not hold via the bridge IP of the router of the pod
  that holds it (its first pod where it spans pods: simpler than /32 host routes, and correct on
  the stretched segment); 0.0.0.0/0 via the exit router's bridge IP in non-exit pods; the top
  router's own routes in the pods attached to their nexthop's subnet;
- north-south: the external network belongs to one pod (its hint). That pod's bottom router
  gets the external gateway with the top gateway port's address; floating IPs of the router are
  made there with the top floating address, on the bottom copy of the floating port in that pod.
  For a VM in another pod the copy is a shadow port (device_owner compute:shadow, the VM's IP
  and MAC) on the VM's network materialised in the exit pod, so the exit router DNATs to the
  VM's own address, delivered over the stretched segment; replies come back over the default
  route. A network local to one pod (type local or hinted to one pod) cannot be stretched, so a
  floating IP for it works only when the VM is in the exit pod.

The lab has no L3 agent: all of this is API state in each pod's Neutron, not forwarding."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from networking import bottom, placement
from networking.neutron import NeutronAPI, NeutronError, central_neutron, pod_neutron
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import ensure_bottom
from tricircle_site.exceptions import BadRequest

LOG = logging.getLogger(__name__)

ROUTER_INTERFACE = "network:router_interface"
ROUTER_GATEWAY = "network:router_gateway"
# Top ports Tricircle reserves for a router (device_id = the top router). They start with
# "network:router" so the dashboard draws the router joined to the bridge, yet are no Neutron
# router owner, so the central Neutron treats them as plain ports (deletable, not interfaces).
BRIDGE_PORT_OWNER = "network:router_bridge"
POD_INTERFACE_OWNER = "network:router_pod_interface"
SHADOW_OWNER = "compute:shadow"
FIP_MARK = "tricircle:"


def bridge_network_name(project_id: str) -> str:
    return f"bridge_net_{project_id}"


def bridge_port_name(pod: Pod) -> str:
    return f"bridge_{pod.region_name}"


def pod_interface_name(pod: Pod, top_interface_id: str) -> str:
    return f"interface_{pod.region_name}_{top_interface_id}"


@dataclass
class PodPlan:
    pod: Pod
    # Top ports whose bottom copies are this pod's router interfaces (interface or reserved).
    interface_ports: list[str] = field(default_factory=list)
    # Top subnets the pod's router is attached to: {top subnet id: cidr}.
    local_subnets: dict[str, str] = field(default_factory=dict)
    # Those of them other pods reach through this pod (it holds them alone, or first).
    primary_subnets: dict[str, str] = field(default_factory=dict)
    bottom_router_id: str = ""
    bridge_ip: str = ""
    bridge_port: str = ""  # top id


@dataclass
class TopState:
    router: dict
    project_id: str
    interfaces: list[dict]
    reserved: list[dict]  # ports Tricircle reserved for this router at the top
    floatingips: list[dict]
    subnets: dict[str, dict]


# --- reading the top ----------------------------------------------------------------------------
def read_top(router_id: str) -> TopState | None:
    central = central_neutron()
    try:
        router = central.get(f"/routers/{router_id}")["router"]
    except NeutronError as exc:
        if exc.status_code == 404:
            return None
        raise
    ports = central.get("/ports", device_id=router_id)["ports"]
    interfaces = [port for port in ports if port["device_owner"] == ROUTER_INTERFACE]
    reserved = [
        port for port in ports if port["device_owner"] in {BRIDGE_PORT_OWNER, POD_INTERFACE_OWNER}
    ]
    subnet_ids = sorted({ip["subnet_id"] for port in interfaces for ip in port["fixed_ips"]})
    subnets = (
        {s["id"]: s for s in central.get("/subnets", id=subnet_ids)["subnets"]}
        if subnet_ids
        else {}
    )
    floatingips = [
        fip
        for fip in central.get("/floatingips", router_id=router_id)["floatingips"]
        if fip.get("port_id")
    ]
    return TopState(
        router=router,
        project_id=router.get("project_id") or router.get("tenant_id") or "",
        interfaces=sorted(interfaces, key=lambda port: port["id"]),
        reserved=reserved,
        floatingips=floatingips,
        subnets=subnets,
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


def exit_pod(router: dict) -> tuple[Pod | None, dict | None]:
    """The pod holding the router's external network (its single-region hint, else its only
    bottom copy) and the top external network; (None, None) without a gateway."""
    gateway = router.get("external_gateway_info") or {}
    network_id = gateway.get("network_id")
    if not network_id:
        return None, None
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


# --- the bridge -----------------------------------------------------------------------------------
def ensure_bridge_network(project_id: str) -> tuple[dict, dict]:
    """The project's bridge network and subnet at the top (made by the service account, so the
    tenant does not see them). Routers of one project converge in parallel jobs: if two made a
    network, the oldest wins and the other creator deletes its own."""
    central = central_neutron()
    name = bridge_network_name(project_id)
    networks = central.get("/networks", name=name)["networks"]
    made = None
    if not networks:
        body: dict[str, Any] = {
            "name": name,
            "provider:network_type": settings.BRIDGE_NETWORK_TYPE,
            "description": f"Tricircle bridge of project {project_id}",
        }
        if settings.BRIDGE_PHYSICAL_NETWORK:
            body["provider:physical_network"] = settings.BRIDGE_PHYSICAL_NETWORK
        made = central.post("/networks", {"network": body})["network"]
        networks = central.get("/networks", name=name)["networks"]
    networks.sort(key=lambda net: (net.get("created_at") or "", net["id"]))
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


def find_bridge_network(project_id: str) -> dict | None:
    found = central_neutron().get("/networks", name=bridge_network_name(project_id))["networks"]
    return min(found, key=lambda net: (net.get("created_at") or "", net["id"])) if found else None


def _reserve(reserved: list[dict], name: str, body: dict) -> dict:
    """A top port Tricircle keeps for a router (found by name, else made): its IP is this
    pod's, allocated by the central Neutron so it never clashes with another pod's."""
    for port in reserved:
        if port["name"] == name:
            return port
    port = central_neutron().post("/ports", {"port": {**body, "name": name}})["port"]
    reserved.append(port)
    return port


# --- convergence ----------------------------------------------------------------------------------
def converge_router(router_id: str) -> dict:
    """Make every pod match the top router (see the module docstring); returns a summary."""
    top = read_top(router_id)
    if top is None:
        teardown_router(router_id)
        return {"router_id": router_id, "deleted": True}
    project_id = top.project_id
    exit_at, external = exit_pod(top.router)

    # Floating IPs first: a shadow port materialises the VM's network in the exit pod, which
    # then counts as one of that network's pods (the exit router needs an interface on it).
    fip_ports: dict[str, str] = {}
    if exit_at is not None:
        for fip in top.floatingips:
            try:
                fip_ports[fip["id"]] = _floating_port(exit_at, fip["port_id"], project_id)
            except BadRequest as exc:
                # The VM's network cannot reach the exit pod (local to its own pod): nothing
                # to realise; retrying would not change that.
                LOG.warning("Floating IP %s not realised: %s", fip["id"], exc)
        top.floatingips = [fip for fip in top.floatingips if fip["id"] in fip_ports]

    networks = {port["network_id"] for port in top.interfaces}
    pods_of = network_pods(networks)
    for pod in hinted_pods(router_id):
        for network_id in networks:
            pods = pods_of.setdefault(network_id, [])
            if pod not in pods and _allowed(network_id, pod):
                pods.append(pod)
    plans: dict[str, PodPlan] = {}

    def plan_of(pod: Pod) -> PodPlan:
        return plans.setdefault(pod.region_name, PodPlan(pod=pod))

    wanted_reserved: set[str] = set()
    for interface in top.interfaces:
        pods = pods_of.get(interface["network_id"], [])
        for index, pod in enumerate(pods):
            plan = plan_of(pod)
            for ip in interface["fixed_ips"]:
                plan.local_subnets[ip["subnet_id"]] = top.subnets[ip["subnet_id"]]["cidr"]
                if index == 0:
                    plan.primary_subnets[ip["subnet_id"]] = top.subnets[ip["subnet_id"]]["cidr"]
            if index == 0:
                plan.interface_ports.append(interface["id"])
                continue
            name = pod_interface_name(pod, interface["id"])
            port = _reserve(
                top.reserved,
                name,
                {
                    "network_id": interface["network_id"],
                    "project_id": project_id,
                    "fixed_ips": [{"subnet_id": ip["subnet_id"]} for ip in interface["fixed_ips"]],
                    "device_id": router_id,
                    "device_owner": POD_INTERFACE_OWNER,
                    "security_groups": [],
                },
            )
            wanted_reserved.add(port["id"])
            plan.interface_ports.append(port["id"])
    for pod in hinted_pods(router_id):
        plan_of(pod)
    if exit_at is not None:
        plan_of(exit_at)

    # The bridge joins the routers only when there is more than one.
    if len(plans) > 1:
        bridge_net, bridge_subnet = ensure_bridge_network(project_id)
        for plan in plans.values():
            port = _reserve(
                top.reserved,
                bridge_port_name(plan.pod),
                {
                    "network_id": bridge_net["id"],
                    "fixed_ips": [{"subnet_id": bridge_subnet["id"]}],
                    "device_id": router_id,
                    "device_owner": BRIDGE_PORT_OWNER,
                    "security_groups": [],
                },
            )
            wanted_reserved.add(port["id"])
            plan.bridge_port = port["id"]
            plan.bridge_ip = port["fixed_ips"][0]["ip_address"]
            plan.interface_ports.append(port["id"])

    # Interfaces first (routes need their nexthops connected), routes, then what goes.
    for plan in plans.values():
        _ensure_router_and_interfaces(plan, router_id, top)
    if exit_at is not None and external is not None:
        _ensure_gateway(plans[exit_at.region_name], top.router, external)
    for plan in plans.values():
        _set_routes(plan, routes_for(plan, plans, exit_at, top.router.get("routes") or []))
    for plan in plans.values():
        is_exit = exit_at is not None and plan.pod.region_name == exit_at.region_name
        _ensure_floatingips(plan, top.floatingips if is_exit else [], fip_ports, external)
        if not is_exit:
            _clear_gateway(plan)
        _remove_stale_interfaces(plan)
    for entry in ResourceRouting.objects.select_related("pod").filter(
        top_id=router_id, resource_type=ResourceType.ROUTER
    ):
        if entry.pod.region_name not in plans:
            _teardown_pod(entry)
    central = central_neutron()
    for port in top.reserved:
        if port["id"] not in wanted_reserved:
            _forget_bottom_port(port["id"])
            central.delete(f"/ports/{port['id']}")
    return {
        "router_id": router_id,
        "pods": {
            name: {"bottom_router_id": plan.bottom_router_id, "bridge_ip": plan.bridge_ip}
            for name, plan in plans.items()
        },
        "exit_pod": exit_at.region_name if exit_at else None,
    }


def _allowed(network_id: str, pod: Pod) -> bool:
    return placement.pod_allowed(placement.hints_of([network_id]).get(network_id, []), pod)


def _floating_port(pod: Pod, top_port_id: str, project_id: str) -> str:
    """The bottom port in the exit pod a floating IP points at: the port's own copy there, or a
    shadow port (the same IP and MAC) for a VM in another pod."""
    existed = ResourceRouting.objects.filter(
        top_id=top_port_id, pod=pod, resource_type=ResourceType.PORT
    ).exists()
    bottom_port_id = bottom.ensure_port(pod, top_port_id, project_id)
    if not existed:
        # Made here for the floating IP only: mark it so nobody takes it for a VM's port.
        pod_neutron(pod).put(f"/ports/{bottom_port_id}", {"port": {"device_owner": SHADOW_OWNER}})
    return bottom_port_id


def _ensure_router_and_interfaces(plan: PodPlan, router_id: str, top: TopState) -> None:
    pod, neutron = plan.pod, pod_neutron(plan.pod)

    def create() -> str:
        body = {
            "name": router_id,
            "project_id": top.project_id,
            "admin_state_up": top.router.get("admin_state_up", True),
        }
        return neutron.post("/routers", {"router": body})["router"]["id"]

    def adopt() -> str | None:
        found = neutron.get("/routers", name=router_id, fields="id")["routers"]
        return found[0]["id"] if found else None

    plan.bottom_router_id = ensure_bottom(
        router_id, pod, ResourceType.ROUTER, top.project_id, create, adopt
    )
    attached = {port["id"] for port in _interfaces(neutron, plan.bottom_router_id)}
    for top_port_id in plan.interface_ports:
        bottom_port_id = bottom.ensure_port(pod, top_port_id, top.project_id)
        if bottom_port_id not in attached:
            neutron.put(
                f"/routers/{plan.bottom_router_id}/add_router_interface",
                {"port_id": bottom_port_id},
            )


def _interfaces(neutron: NeutronAPI, bottom_router_id: str) -> list[dict]:
    ports = neutron.get("/ports", device_id=bottom_router_id)["ports"]
    return [port for port in ports if port["device_owner"] == ROUTER_INTERFACE]


def routes_for(
    plan: PodPlan, plans: dict[str, PodPlan], exit_at: Pod | None, top_routes: list[dict]
) -> list[dict]:
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


def _route_key(routes: list[dict]) -> list[tuple[str, str]]:
    return sorted((route["destination"], route["nexthop"]) for route in routes)


def _set_routes(plan: PodPlan, routes: list[dict]) -> None:
    neutron = pod_neutron(plan.pod)
    current = neutron.get(f"/routers/{plan.bottom_router_id}")["router"].get("routes") or []
    if _route_key(current) != _route_key(routes):
        neutron.put(f"/routers/{plan.bottom_router_id}", {"router": {"routes": routes}})


def _ensure_gateway(plan: PodPlan, router: dict, external: dict) -> None:
    pod, neutron = plan.pod, pod_neutron(plan.pod)
    gateway = router["external_gateway_info"]
    external_project = external.get("project_id") or ""
    bottom_network_id = bottom.ensure_network(pod, external["id"], external_project)
    fixed_ips = [
        {
            "subnet_id": bottom.ensure_subnet(pod, ip["subnet_id"], external_project),
            "ip_address": ip["ip_address"],
        }
        for ip in gateway.get("external_fixed_ips") or []
    ]
    wanted = {
        "network_id": bottom_network_id,
        "external_fixed_ips": fixed_ips,
        "enable_snat": gateway.get("enable_snat", True),
    }
    current = neutron.get(f"/routers/{plan.bottom_router_id}")["router"].get(
        "external_gateway_info"
    )
    if current and (
        current.get("network_id") == bottom_network_id
        and {ip["ip_address"] for ip in current.get("external_fixed_ips") or []}
        == {ip["ip_address"] for ip in fixed_ips}
        and current.get("enable_snat", True) == wanted["enable_snat"]
    ):
        return
    neutron.put(f"/routers/{plan.bottom_router_id}", {"router": {"external_gateway_info": wanted}})


def _clear_gateway(plan: PodPlan) -> None:
    neutron = pod_neutron(plan.pod)
    current = neutron.get(f"/routers/{plan.bottom_router_id}")["router"]
    if current.get("external_gateway_info"):
        neutron.put(f"/routers/{plan.bottom_router_id}", {"router": {"external_gateway_info": {}}})


def _ensure_floatingips(
    plan: PodPlan, floatingips: list[dict], fip_ports: dict[str, str], external: dict | None
) -> None:
    """The bottom floating IPs of this pod's router: one per top floating IP (exit pod only),
    with the top's address, marked with the top id in their description."""
    neutron = pod_neutron(plan.pod)
    present = neutron.get("/floatingips", router_id=plan.bottom_router_id)["floatingips"]
    wanted = {FIP_MARK + fip["id"]: fip for fip in floatingips}
    kept: set[str] = set()
    for bottom_fip in present:
        top_fip = wanted.get(bottom_fip.get("description", ""))
        if top_fip is not None and (
            bottom_fip["floating_ip_address"] == top_fip["floating_ip_address"]
            and bottom_fip["port_id"] == fip_ports.get(top_fip["id"])
            and bottom_fip["fixed_ip_address"] == top_fip["fixed_ip_address"]
        ):
            kept.add(bottom_fip["description"])
            continue
        neutron.delete(f"/floatingips/{bottom_fip['id']}")
    if not wanted or external is None:
        return
    bottom_network_id = bottom.ensure_network(plan.pod, external["id"], external["project_id"])
    for mark, fip in wanted.items():
        if mark in kept:
            continue
        neutron.post(
            "/floatingips",
            {
                "floatingip": {
                    "floating_network_id": bottom_network_id,
                    "floating_ip_address": fip["floating_ip_address"],
                    "port_id": fip_ports[fip["id"]],
                    "fixed_ip_address": fip["fixed_ip_address"],
                    "project_id": fip.get("project_id") or fip.get("tenant_id"),
                    "description": mark,
                }
            },
        )


def _remove_stale_interfaces(plan: PodPlan) -> None:
    neutron = pod_neutron(plan.pod)
    wanted = set(
        ResourceRouting.objects.filter(
            top_id__in=plan.interface_ports, pod=plan.pod, resource_type=ResourceType.PORT
        ).values_list("bottom_id", flat=True)
    )
    for port in _interfaces(neutron, plan.bottom_router_id):
        if port["id"] not in wanted:
            _detach(neutron, plan.pod, plan.bottom_router_id, port)


def _detach(neutron: NeutronAPI, pod: Pod, bottom_router_id: str, port: dict) -> None:
    """Remove one bottom interface; Neutron deletes its port, so its routing entry goes too."""
    try:
        neutron.put(f"/routers/{bottom_router_id}/remove_router_interface", {"port_id": port["id"]})
    except NeutronError as exc:
        if exc.status_code != 404:
            raise
    ResourceRouting.objects.filter(
        pod=pod, resource_type=ResourceType.PORT, bottom_id=port["id"]
    ).delete()


def _forget_bottom_port(top_port_id: str) -> None:
    """Remove what is left of a reserved port's bottom copies (normally already deleted with
    their interface)."""
    from networking.services import remove_bottom_copies

    remove_bottom_copies(ResourceType.PORT, top_port_id)


def _teardown_pod(entry: ResourceRouting) -> None:
    """A pod the router no longer spans: its bottom router goes, in the order Neutron accepts
    (routes, floating IPs, gateway, interfaces, router)."""
    neutron = pod_neutron(entry.pod)
    if entry.bottom_id:
        try:
            neutron.get(f"/routers/{entry.bottom_id}")
        except NeutronError as exc:
            if exc.status_code != 404:
                raise
        else:
            plan = PodPlan(pod=entry.pod, bottom_router_id=entry.bottom_id)
            neutron.put(f"/routers/{entry.bottom_id}", {"router": {"routes": []}})
            _ensure_floatingips(plan, [], {}, None)
            _clear_gateway(plan)
            for port in _interfaces(neutron, entry.bottom_id):
                _detach(neutron, entry.pod, entry.bottom_id, port)
            neutron.delete(f"/routers/{entry.bottom_id}")
    entry.delete()


def teardown_router(router_id: str) -> None:
    """The top router is gone: its bottom routers and the ports reserved for it go too."""
    for entry in ResourceRouting.objects.select_related("pod").filter(
        top_id=router_id, resource_type=ResourceType.ROUTER
    ):
        _teardown_pod(entry)
    central = central_neutron()
    for port in central.get("/ports", device_id=router_id)["ports"]:
        if port["device_owner"] in {BRIDGE_PORT_OWNER, POD_INTERFACE_OWNER}:
            _forget_bottom_port(port["id"])
            central.delete(f"/ports/{port['id']}")


# --- for operators ------------------------------------------------------------------------------
def router_status(router_id: str) -> dict | None:
    """Per router: the pods it spans with each bottom router's interfaces, routes and gateway
    (read live from each pod; a pod that does not answer says so), the bridge network, and the
    router_setup job that last ran for it. None when neither the top nor the routing table
    knows the router."""
    from jobs.services import jobs_mentioning
    from networking.job_types import ROUTER_SETUP

    entries = list(
        ResourceRouting.objects.select_related("pod")
        .filter(top_id=router_id, resource_type=ResourceType.ROUTER)
        .order_by("pod__region_name")
    )
    top: dict | None = None
    top_error = ""
    try:
        top = central_neutron().get(f"/routers/{router_id}")["router"]
    except NeutronError as exc:
        if exc.status_code != 404:
            top_error = str(exc)
    except Exception as exc:  # a central Neutron down costs only the top view
        top_error = str(exc)
    if top is None and not entries and not top_error:
        return None
    project_id = (top or {}).get("project_id") or (entries[0].project_id if entries else "")
    pods = [_pod_status(entry) for entry in entries]
    bridge = None
    if project_id and len(entries) > 1:
        try:
            found = find_bridge_network(project_id)
        except Exception as exc:
            found, top_error = None, top_error or str(exc)
        if found:
            bridge = {
                "id": found["id"],
                "name": found["name"],
                "network_type": found.get("provider:network_type"),
                "segmentation_id": found.get("provider:segmentation_id"),
                "pods": sorted(
                    ResourceRouting.objects.filter(
                        top_id=found["id"], resource_type=ResourceType.NETWORK
                    ).values_list("pod__region_name", flat=True)
                ),
            }
    jobs = [job for job in jobs_mentioning(router_id) if job.type == ROUTER_SETUP]
    last = jobs[0] if jobs else None
    return {
        "id": router_id,
        "name": (top or {}).get("name"),
        "project_id": project_id,
        "external_gateway_info": (top or {}).get("external_gateway_info"),
        "top_error": top_error,
        "pods": pods,
        "bridge_network": bridge,
        "last_job": None
        if last is None
        else {
            "id": str(last.pk),
            "status": last.status,
            "attempts": last.attempts,
            "last_error": last.last_error,
            "created_at": last.created_at,
            "finished_at": last.finished_at,
        },
    }


def _pod_status(entry: ResourceRouting) -> dict:
    status: dict[str, Any] = {
        "region_name": entry.pod.region_name,
        "az_name": entry.pod.az_name,
        "bottom_router_id": entry.bottom_id,
    }
    if not entry.bottom_id:
        status["error"] = "being created"
        return status
    try:
        neutron = pod_neutron(entry.pod)
        router = neutron.get(f"/routers/{entry.bottom_id}")["router"]
        status["routes"] = router.get("routes") or []
        status["external_gateway_info"] = router.get("external_gateway_info")
        status["interfaces"] = [
            {"network_id": port["network_id"], "fixed_ips": port["fixed_ips"]}
            for port in _interfaces(neutron, entry.bottom_id)
        ]
    except Exception as exc:  # one pod down must not hide the others
        status["error"] = str(exc)
    return status
