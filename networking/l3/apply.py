"""Making the pods match a router's plan: each pod's bottom router (made, or adopted by name),
its interfaces, extra routes, external gateway and floating IPs in the exit pod, the shadow ports
floating IPs point at; and taking down what the plan no longer has (bottom routers of pods the
router left, reserved top ports it no longer uses, everything when the top router is gone)."""

from __future__ import annotations

import logging

from networking import bottom
from networking.l3.names import FIP_MARK, RESERVED_PORT_OWNERS, ROUTER_INTERFACE, SHADOW_OWNER
from networking.l3.plan import PodPlan, RouterPlan
from networking.l3.top import TopState
from pods.clients import NeutronClient, ServiceError, central_neutron, pod_neutron
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import ensure_bottom
from tricircle_site.exceptions import BadRequest
from tricircle_site.jsontypes import JsonDict, json_str

LOG = logging.getLogger(__name__)


def realise_floating_ports(
    exit_at: Pod, floatingips: list[JsonDict], project_id: str
) -> dict[str, str]:
    """{top floating IP id: the bottom port in the exit pod it points at}, for the floating IPs
    that can be realised there."""
    floating_ports: dict[str, str] = {}
    for fip in floatingips:
        try:
            floating_ports[fip["id"]] = _bottom_port_for_floating_ip(
                exit_at, fip["port_id"], project_id
            )
        except BadRequest as exc:
            # The VM's network cannot reach the exit pod (local to its own pod): nothing
            # to realise; retrying would not change that.
            LOG.warning("Floating IP %s not realised: %s", fip["id"], exc)
    return floating_ports


def _bottom_port_for_floating_ip(pod: Pod, top_port_id: str, project_id: str) -> str:
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


def apply_router_plan(plan: RouterPlan) -> None:
    """Make each pod of the plan match it, then take away what the plan no longer has."""
    # Interfaces first (routes need their nexthops connected), routes, then what goes.
    for pod_plan in plan.pods.values():
        _ensure_router_and_interfaces(pod_plan, plan.router_id, plan.top)
    if plan.exit_at is not None and plan.external is not None:
        _ensure_gateway(plan.pods[plan.exit_at.region_name], plan.top.router, plan.external)
    for pod_plan in plan.pods.values():
        _set_routes(pod_plan, pod_plan.routes)
    for pod_plan in plan.pods.values():
        is_exit = plan.is_exit(pod_plan)
        floatingips = plan.top.floatingips if is_exit else []
        _ensure_floatingips(pod_plan, floatingips, plan.floating_ports, plan.external)
        if not is_exit:
            _clear_gateway(pod_plan)
        _remove_stale_interfaces(pod_plan)
    for entry in ResourceRouting.objects.select_related("pod").filter(
        top_id=plan.router_id, resource_type=ResourceType.ROUTER
    ):
        if entry.pod.region_name not in plan.pods:
            _teardown_bottom_router(entry)
    central = central_neutron()
    for port in plan.top.reserved:
        if port["id"] not in plan.wanted_reserved:
            _delete_reserved_port(central, port["id"])


def _ensure_router_and_interfaces(plan: PodPlan, router_id: str, top: TopState) -> None:
    pod, neutron = plan.pod, pod_neutron(plan.pod)

    def create() -> str:
        body = {
            "name": router_id,
            "project_id": top.project_id,
            "admin_state_up": top.router.get("admin_state_up", True),
        }
        return json_str(neutron.post("/routers", {"router": body})["router"]["id"])

    def adopt() -> str | None:
        # Named after the top router, so one a dead creator made is found, not made twice.
        found = neutron.get("/routers", name=router_id, fields="id")["routers"]
        return found[0]["id"] if found else None

    plan.bottom_router_id = ensure_bottom(
        router_id, pod, ResourceType.ROUTER, top.project_id, create, adopt
    )
    attached = {port["id"] for port in router_interfaces(neutron, plan.bottom_router_id)}
    for top_port_id in plan.interface_ports:
        bottom_port_id = bottom.ensure_port(pod, top_port_id, top.project_id)
        if bottom_port_id not in attached:
            neutron.put(
                f"/routers/{plan.bottom_router_id}/add_router_interface",
                {"port_id": bottom_port_id},
            )


def router_interfaces(neutron: NeutronClient, bottom_router_id: str) -> list[JsonDict]:
    ports = neutron.get("/ports", device_id=bottom_router_id)["ports"]
    return [port for port in ports if port["device_owner"] == ROUTER_INTERFACE]


def _route_pairs(routes: list[JsonDict]) -> list[tuple[str, str]]:
    return sorted((route["destination"], route["nexthop"]) for route in routes)


def _set_routes(plan: PodPlan, routes: list[JsonDict]) -> None:
    neutron = pod_neutron(plan.pod)
    current = neutron.get(f"/routers/{plan.bottom_router_id}")["router"].get("routes") or []
    if _route_pairs(current) != _route_pairs(routes):
        neutron.put(f"/routers/{plan.bottom_router_id}", {"router": {"routes": routes}})


def _ensure_gateway(plan: PodPlan, router: JsonDict, external: JsonDict) -> None:
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
    plan: PodPlan,
    floatingips: list[JsonDict],
    floating_ports: dict[str, str],
    external: JsonDict | None,
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
            and bottom_fip["port_id"] == floating_ports.get(top_fip["id"])
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
                    "port_id": floating_ports[fip["id"]],
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
    for port in router_interfaces(neutron, plan.bottom_router_id):
        if port["id"] not in wanted:
            _detach(neutron, plan.pod, plan.bottom_router_id, port)


def _detach(neutron: NeutronClient, pod: Pod, bottom_router_id: str, port: JsonDict) -> None:
    """Remove one bottom interface; Neutron deletes its port, so its routing entry goes too."""
    try:
        neutron.put(f"/routers/{bottom_router_id}/remove_router_interface", {"port_id": port["id"]})
    except ServiceError as exc:
        if exc.status_code != 404:
            raise
    ResourceRouting.objects.filter(
        pod=pod, resource_type=ResourceType.PORT, bottom_id=port["id"]
    ).delete()


def _delete_reserved_port(central: NeutronClient, top_port_id: str) -> None:
    """A reserved top port goes with what is left of its bottom copies (normally already
    deleted with their interface)."""
    bottom.remove_bottom_copies(ResourceType.PORT, top_port_id)
    central.delete(f"/ports/{top_port_id}")


def _teardown_bottom_router(entry: ResourceRouting) -> None:
    """A pod the router no longer spans: its bottom router goes, in the order Neutron accepts
    (routes, floating IPs, gateway, interfaces, router)."""
    neutron = pod_neutron(entry.pod)
    if entry.bottom_id:
        try:
            neutron.get(f"/routers/{entry.bottom_id}")
        except ServiceError as exc:
            if exc.status_code != 404:
                raise
        else:
            plan = PodPlan(pod=entry.pod, bottom_router_id=entry.bottom_id)
            neutron.put(f"/routers/{entry.bottom_id}", {"router": {"routes": []}})
            _ensure_floatingips(plan, [], {}, None)
            _clear_gateway(plan)
            for port in router_interfaces(neutron, entry.bottom_id):
                _detach(neutron, entry.pod, entry.bottom_id, port)
            neutron.delete(f"/routers/{entry.bottom_id}")
    entry.delete()


def teardown_router(router_id: str) -> None:
    """The top router is gone: its bottom routers and the ports reserved for it go too."""
    for entry in ResourceRouting.objects.select_related("pod").filter(
        top_id=router_id, resource_type=ResourceType.ROUTER
    ):
        _teardown_bottom_router(entry)
    central = central_neutron()
    for port in central.get("/ports", device_id=router_id)["ports"]:
        if port["device_owner"] in RESERVED_PORT_OWNERS:
            _delete_reserved_port(central, port["id"])
