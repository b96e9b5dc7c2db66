"""What the gateway's Network API calls around the central Neutron."""

from __future__ import annotations

import logging

from networking import bottom, placement
from networking.neutron import NeutronError, pod_neutron
from routing.models import ResourceRouting, ResourceType
from tricircle_site.exceptions import ServiceUnavailable

LOG = logging.getLogger(__name__)

# Neutron collection in a URL -> routing resource type.
COLLECTION_TYPES = {
    "networks": ResourceType.NETWORK,
    "subnets": ResourceType.SUBNET,
    "ports": ResourceType.PORT,
    "routers": ResourceType.ROUTER,
    "security-groups": ResourceType.SECURITY_GROUP,
}


def pop_hints(item: dict) -> list[str]:
    """Take availability_zone_hints out of a create body (the central Neutron has no such
    zones), validated against the pods."""
    return placement.validate_hints(item.pop("availability_zone_hints", None))


def zoned_resource_created(resource_type: str, item: dict, hints: list[str]) -> None:
    project_id = item.get("project_id") or item.get("tenant_id") or ""
    placement.store_hints(item["id"], resource_type, project_id, hints)
    item["availability_zone_hints"] = hints
    pod = placement.home_pod(hints)
    if resource_type == ResourceType.NETWORK and pod is not None:
        # A local network belongs to one pod from the start; if the pod cannot take it now,
        # the first server there makes it (materialisation is on demand and idempotent).
        try:
            bottom.ensure_network(pod, item["id"], project_id)
        except (NeutronError, ServiceUnavailable):
            LOG.warning("local network %s not yet made in %s", item["id"], pod.region_name)


def show_hints(items: list[dict]) -> None:
    stored = placement.hints_of(item["id"] for item in items if "id" in item)
    for item in items:
        if "id" in item:
            item["availability_zone_hints"] = stored.get(item["id"], [])


def subnet_created(subnet: dict) -> None:
    try:
        bottom.ensure_top_dhcp_port(subnet)
    except (NeutronError, ServiceUnavailable):
        # Reserved again when the subnet is first materialised in a pod.
        LOG.warning("DHCP port of subnet %s not reserved yet", subnet["id"])


def top_resource_deleted(collection: str, top_id: str) -> None:
    placement.forget_hints(top_id)
    remove_bottom_copies(COLLECTION_TYPES[collection], top_id)


def remove_bottom_copies(resource_type: str, top_id: str) -> None:
    """Delete every bottom copy of a deleted top resource and its routing entries; converges
    (a copy already gone is fine), so it is safe to run again after a failure."""
    path = {value: key for key, value in COLLECTION_TYPES.items()}[resource_type]
    for routing in ResourceRouting.objects.select_related("pod").filter(
        top_id=top_id, resource_type=resource_type
    ):
        if routing.bottom_id:
            pod_neutron(routing.pod).delete(f"/{path}/{routing.bottom_id}")
        routing.delete()
