"""Making the pods match a router's plan: each pod's bottom router (made, or adopted by name),
its interfaces, extra routes, external gateway and floating IPs in the exit pod, the shadow ports
floating IPs point at; and taking down what the plan no longer has (bottom routers of pods the
router left, reserved top ports it no longer uses, everything when the top router is gone)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from networking import bottom
from networking.l3.names import FIP_MARK, RESERVED_PORT_OWNERS, ROUTER_INTERFACE, SHADOW_OWNER
from networking.l3.plan import PodPlan, RouterPlan
from networking.l3.top import TopState
from pods import fanout
from pods.clients import NeutronClient, ServiceError, central_neutron, pod_neutron
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import ensure_bottom
from tricircle_site.exceptions import BadRequest
from tricircle_site.jsontypes import JsonDict, json_object, json_str

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


@dataclass
class BottomRouter:
    """One pod's bottom router as this run read it, once (nothing when this run made it), and
    as this run's writes left it."""

    router: JsonDict  # its routes and external gateway
    interfaces: list[JsonDict]  # its interface ports when read
    # Bottom ids of the interface ports the plan wants on it.
    wanted_ports: list[str] = field(default_factory=list)


def apply_router_plan(plan: RouterPlan) -> None:
    """Make each pod of the plan match it and take down the bottom routers of the pods the
    router left, all pods at once (each pod's Neutron is separate, and what one pod gets
    depends on the plan only); then delete the reserved top ports the plan no longer uses."""
    left = [
        entry
        for entry in ResourceRouting.objects.select_related("pod").filter(
            top_id=plan.router_id, resource_type=ResourceType.ROUTER
        )
        if entry.pod.region_name not in plan.pods
    ]
    calls: list[Callable[[], None]] = [
        partial(_converge_pod, plan, pod_plan) for pod_plan in plan.pods.values()
    ]
    calls += [partial(_teardown_bottom_router, entry) for entry in left]
    fanout.run_all(calls)
    stale = [port["id"] for port in plan.top.reserved if port["id"] not in plan.wanted_reserved]
    fanout.each(stale, _delete_reserved_port)


def _converge_pod(plan: RouterPlan, pod_plan: PodPlan) -> None:
    """One pod, in the order its Neutron accepts: interfaces (routes need their nexthops
    connected), the gateway (exit pod), routes, floating IPs, then what goes."""
    neutron = pod_neutron(pod_plan.pod)
    state = _ensure_router_and_interfaces(pod_plan, plan.router_id, plan.top, neutron)
    is_exit = plan.is_exit(pod_plan)
    if is_exit and plan.external is not None:
        _ensure_gateway(pod_plan, state, neutron, plan.top.router, plan.external)
    _set_routes(pod_plan, state, neutron)
    floatingips = plan.top.floatingips if is_exit else []
    _ensure_floatingips(pod_plan, state, neutron, floatingips, plan.floating_ports, plan.external)
    if not is_exit:
        _clear_gateway(pod_plan, state, neutron)
    _remove_stale_interfaces(pod_plan, state, neutron)


def _ensure_router_and_interfaces(
    plan: PodPlan, router_id: str, top: TopState, neutron: NeutronClient
) -> BottomRouter:
    made: list[JsonDict] = []

    def create() -> str:
        body = {
            "name": router_id,
            "project_id": top.project_id,
            "admin_state_up": top.router.get("admin_state_up", True),
        }
        made.append(json_object(neutron.post("/routers", {"router": body})["router"]))
        return json_str(made[0]["id"])

    def adopt() -> str | None:
        # Named after the top router, so one a dead creator made is found, not made twice.
        found = neutron.get("/routers", name=router_id, fields="id")["routers"]
        return found[0]["id"] if found else None

    # The router and the missing port copies at once: a copy needs no router, and making one
    # (its network and subnet materialised in the pod on the way) is most of a new pod's work.
    known = _known_port_copies(plan)
    missing = [top_id for top_id in plan.interface_ports if top_id not in known]
    project_id = top.project_id

    def bottom_router() -> str:
        return ensure_bottom(router_id, plan.pod, ResourceType.ROUTER, project_id, create, adopt)

    calls: list[Callable[[], str]] = [
        bottom_router,
        *(partial(bottom.ensure_port, plan.pod, top_id, project_id) for top_id in missing),
    ]
    plan.bottom_router_id, *copies = fanout.run_all(calls)
    known.update(zip(missing, copies, strict=True))
    if made:  # made by this run: nothing on it yet
        state = BottomRouter(router=made[0], interfaces=[])
    else:
        state = BottomRouter(
            router=json_object(neutron.get(f"/routers/{plan.bottom_router_id}")["router"]),
            interfaces=router_interfaces(neutron, plan.bottom_router_id),
        )
    # The bottom copies of the pod's interface ports, in the plan's order.
    state.wanted_ports = [known[top_id] for top_id in plan.interface_ports]
    attached = {port["id"] for port in state.interfaces}
    to_add = [port_id for port_id in state.wanted_ports if port_id not in attached]
    stale = [port for port in state.interfaces if port["id"] not in state.wanted_ports]
    if to_add and stale:
        _detach_replaced(plan, state, neutron, to_add, stale)
    # At once: each is 0.4-1 s of the pod's Neutron, on distinct subnets (a stale interface on
    # the same subnet went first), which Neutron serialises itself where it must.
    fanout.each(
        to_add,
        lambda bottom_port_id: neutron.put(
            f"/routers/{plan.bottom_router_id}/add_router_interface", {"port_id": bottom_port_id}
        ),
    )
    return state


def _detach_replaced(
    plan: PodPlan,
    state: BottomRouter,
    neutron: NeutronClient,
    to_add: list[str],
    stale: list[JsonDict],
) -> None:
    """Interfaces no longer wanted on the subnets of those about to be added go first: a router
    has one port per subnet (an interface removed and added again at the top, before the pod's
    router caught up, has a new top port and so a new copy)."""
    ports = neutron.get("/ports", id=to_add, fields=["id", "fixed_ips"])["ports"]
    subnets = {ip["subnet_id"] for port in ports for ip in port.get("fixed_ips") or []}
    for port in stale:
        if {ip["subnet_id"] for ip in port.get("fixed_ips") or []} & subnets:
            _detach(neutron, plan.pod, plan.bottom_router_id, port)
            state.interfaces.remove(port)


def _known_port_copies(plan: PodPlan) -> dict[str, str]:
    """{top port id: bottom copy} of the pod's interface ports the routing table knows (a copy
    keeps itself in step with its top port)."""
    return dict(
        ResourceRouting.objects.filter(
            top_id__in=plan.interface_ports, pod=plan.pod, resource_type=ResourceType.PORT
        )
        .exclude(bottom_id="")
        .values_list("top_id", "bottom_id")
    )


def router_interfaces(neutron: NeutronClient, bottom_router_id: str) -> list[JsonDict]:
    ports = neutron.get("/ports", device_id=bottom_router_id)["ports"]
    return [port for port in ports if port["device_owner"] == ROUTER_INTERFACE]


def _route_pairs(routes: list[JsonDict]) -> list[tuple[str, str]]:
    return sorted((route["destination"], route["nexthop"]) for route in routes)


def _set_routes(plan: PodPlan, state: BottomRouter, neutron: NeutronClient) -> None:
    current = state.router.get("routes") or []
    if _route_pairs(current) != _route_pairs(plan.routes):
        state.router = neutron.put(
            f"/routers/{plan.bottom_router_id}", {"router": {"routes": plan.routes}}
        )["router"]


def _ensure_gateway(
    plan: PodPlan, state: BottomRouter, neutron: NeutronClient, router: JsonDict, external: JsonDict
) -> None:
    pod = plan.pod
    gateway = router["external_gateway_info"]
    external_project = external.get("project_id") or ""
    bottom_network_id = bottom.ensure_network(pod, external["id"], external_project)
    top_ips = gateway.get("external_fixed_ips") or []
    enable_snat = gateway.get("enable_snat", True)
    current = state.router.get("external_gateway_info")
    if current and (
        current.get("network_id") == bottom_network_id
        and {ip["ip_address"] for ip in current.get("external_fixed_ips") or []}
        == {ip["ip_address"] for ip in top_ips}
        and current.get("enable_snat", True) == enable_snat
    ):
        return
    wanted = {
        "network_id": bottom_network_id,
        "external_fixed_ips": [
            {
                "subnet_id": bottom.ensure_subnet(pod, ip["subnet_id"], external_project),
                "ip_address": ip["ip_address"],
            }
            for ip in top_ips
        ],
        "enable_snat": enable_snat,
    }
    state.router = neutron.put(
        f"/routers/{plan.bottom_router_id}", {"router": {"external_gateway_info": wanted}}
    )["router"]


def _clear_gateway(plan: PodPlan, state: BottomRouter, neutron: NeutronClient) -> None:
    if state.router.get("external_gateway_info"):
        state.router = neutron.put(
            f"/routers/{plan.bottom_router_id}", {"router": {"external_gateway_info": {}}}
        )["router"]


def _ensure_floatingips(
    plan: PodPlan,
    state: BottomRouter,
    neutron: NeutronClient,
    floatingips: list[JsonDict],
    floating_ports: dict[str, str],
    external: JsonDict | None,
) -> None:
    """The bottom floating IPs of this pod's router: one per top floating IP (exit pod only),
    with the top's address, marked with the top id in their description."""
    # Neutron gives a router floating IPs only through its gateway (and refuses to clear a
    # gateway they use): a router without one has none to look for.
    present = (
        neutron.get("/floatingips", router_id=plan.bottom_router_id)["floatingips"]
        if state.router.get("external_gateway_info")
        else []
    )
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


def _remove_stale_interfaces(plan: PodPlan, state: BottomRouter, neutron: NeutronClient) -> None:
    """The interfaces the router had when read that the plan no longer wants (those this run
    attached are all wanted)."""
    wanted = set(state.wanted_ports)
    for port in state.interfaces:
        if port["id"] not in wanted:
            _detach(neutron, plan.pod, plan.bottom_router_id, port)


def _detach(neutron: NeutronClient, pod: Pod, bottom_router_id: str, port: JsonDict) -> None:
    """Remove one bottom interface; Neutron deletes its port, so its routing entry goes too,
    first: a pod that does the removal but whose answer is lost (a restart) would otherwise
    keep an entry no run looks at again (runs start from the interfaces a pod has); an entry
    gone with the port still there is found again, as an interface the plan does not want."""
    ResourceRouting.objects.filter(
        pod=pod, resource_type=ResourceType.PORT, bottom_id=port["id"]
    ).delete()
    try:
        neutron.put(f"/routers/{bottom_router_id}/remove_router_interface", {"port_id": port["id"]})
    except ServiceError as exc:
        if exc.status_code != 404:
            raise


def _delete_reserved_port(top_port_id: str) -> None:
    """A reserved top port goes with what is left of its bottom copies (normally already
    deleted with their interface)."""
    bottom.remove_bottom_copies(ResourceType.PORT, top_port_id)
    central_neutron().delete(f"/ports/{top_port_id}")


def _teardown_bottom_router(entry: ResourceRouting) -> None:
    """A pod the router no longer spans: its bottom router goes, in the order Neutron accepts
    (routes, floating IPs, gateway, interfaces, router)."""
    neutron = pod_neutron(entry.pod)
    if entry.bottom_id:
        try:
            router = json_object(neutron.get(f"/routers/{entry.bottom_id}")["router"])
        except ServiceError as exc:
            if exc.status_code != 404:
                raise
        else:
            plan = PodPlan(pod=entry.pod, bottom_router_id=entry.bottom_id)
            state = BottomRouter(router, router_interfaces(neutron, entry.bottom_id))
            _set_routes(plan, state, neutron)  # the plan has none
            _ensure_floatingips(plan, state, neutron, [], {}, None)
            _clear_gateway(plan, state, neutron)
            for port in state.interfaces:
                _detach(neutron, entry.pod, entry.bottom_id, port)
            neutron.delete(f"/routers/{entry.bottom_id}")
    entry.delete()


def teardown_router(router_id: str) -> None:
    """The top router is gone: its bottom routers (all pods at once) and the ports reserved
    for it go too."""
    entries = ResourceRouting.objects.select_related("pod").filter(
        top_id=router_id, resource_type=ResourceType.ROUTER
    )
    fanout.each(list(entries), _teardown_bottom_router)
    reserved = [
        port["id"]
        for port in central_neutron().get("/ports", device_id=router_id)["ports"]
        if port["device_owner"] in RESERVED_PORT_OWNERS
    ]
    fanout.each(reserved, _delete_reserved_port)
