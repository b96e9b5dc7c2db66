"""The router_setup job's entry point: read the top, plan, apply."""

from __future__ import annotations

from networking.l3.apply import apply_router_plan, realise_floating_ports, teardown_router
from networking.l3.plan import plan_router
from networking.l3.top import exit_pod, read_top
from tricircle_site.jsontypes import JsonDict


def converge_router(router_id: str) -> JsonDict:
    """Make every pod match the top router (see the networking.l3 docstring); returns a
    summary."""
    top = read_top(router_id)
    if top is None:
        teardown_router(router_id)
        return {"router_id": router_id, "deleted": True}
    exit_at, external = exit_pod(top.router)

    # Floating IPs first: a shadow port materialises the VM's network in the exit pod, which
    # then counts as one of that network's pods (the exit router needs an interface on it).
    floating_ports: dict[str, str] = {}
    if exit_at is not None:
        floating_ports = realise_floating_ports(exit_at, top.floatingips, top.project_id)
        top.floatingips = [fip for fip in top.floatingips if fip["id"] in floating_ports]

    plan = plan_router(router_id, top, exit_at, external, floating_ports)
    apply_router_plan(plan)
    return {
        "router_id": router_id,
        "pods": {
            name: {"bottom_router_id": pod_plan.bottom_router_id, "bridge_ip": pod_plan.bridge_ip}
            for name, pod_plan in plan.pods.items()
        },
        "exit_pod": exit_at.region_name if exit_at else None,
    }
