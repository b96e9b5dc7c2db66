"""The operator's view of a router across its pods (the admin API and the dashboard)."""

from __future__ import annotations

from typing import Any

from jobs.models import Job
from jobs.services import jobs_mentioning
from networking.job_names import ROUTER_SETUP
from networking.l3.apply import router_interfaces
from networking.l3.top import find_bridge_network
from pods.clients import ServiceError, central_neutron, pod_neutron
from routing.models import ResourceRouting, ResourceType
from tricircle_site.jsontypes import JsonDict


def router_status(router_id: str) -> JsonDict | None:
    """Per router: the pods it spans with each bottom router's interfaces, routes and gateway
    (read live from each pod; a pod that does not answer says so), the bridge network, and the
    router_setup job that last ran for it. None when neither the top nor the routing table
    knows the router."""
    entries = list(
        ResourceRouting.objects.select_related("pod")
        .filter(top_id=router_id, resource_type=ResourceType.ROUTER)
        .order_by("pod__region_name")
    )
    top, top_error = _top_router(router_id)
    if top is None and not entries and not top_error:
        return None
    project_id = (top or {}).get("project_id") or (entries[0].project_id if entries else "")
    pods = [_pod_status(entry) for entry in entries]
    bridge = None
    if project_id and len(entries) > 1:
        bridge, bridge_error = _bridge_status(project_id)
        top_error = top_error or bridge_error
    last = _last_router_setup(router_id)
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


def _top_router(router_id: str) -> tuple[JsonDict | None, str]:
    """(the top router or None, why the central Neutron could not say; "" when it could)."""
    try:
        return central_neutron().get(f"/routers/{router_id}")["router"], ""
    except ServiceError as exc:
        return None, "" if exc.status_code == 404 else str(exc)
    except Exception as exc:  # a central Neutron down costs only the top view
        return None, str(exc)


def _bridge_status(project_id: str) -> tuple[JsonDict | None, str]:
    """(the project's bridge network and the pods holding it, or None; the error reading it)."""
    try:
        found = find_bridge_network(project_id)
    except Exception as exc:
        return None, str(exc)
    if not found:
        return None, ""
    return {
        "id": found["id"],
        "name": found["name"],
        "network_type": found.get("provider:network_type"),
        "segmentation_id": found.get("provider:segmentation_id"),
        "pods": sorted(
            ResourceRouting.objects.filter(
                top_id=found["id"], resource_type=ResourceType.NETWORK
            ).values_list("pod__region_name", flat=True)
        ),
    }, ""


def _last_router_setup(router_id: str) -> Job | None:
    jobs = [job for job in jobs_mentioning(router_id) if job.type == ROUTER_SETUP]
    return jobs[0] if jobs else None


def _pod_status(entry: ResourceRouting) -> JsonDict:
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
            for port in router_interfaces(neutron, entry.bottom_id)
        ]
    except Exception as exc:  # one pod down must not hide the others
        status["error"] = str(exc)
    return status
