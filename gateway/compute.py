"""Compute services of the gateway: which pod a server goes to or lives in."""

from __future__ import annotations

from typing import Any

import requests
from keystoneauth1 import exceptions as ks_exceptions

from gateway.collections import PodCollection
from gateway.confinement import visible_routing
from gateway.services.pods import choose_pod as choose_pod  # compute views: compute.choose_pod
from gateway.services.pods import routed_pod as routed_pod  # compute views: compute.routed_pod
from pods.clients import clients
from pods.models import Pod
from routing import services as routing_services
from routing.models import ResourceRouting, ResourceType
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, Conflict, NotFound, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

# Tricircle's own calls into a pod's Nova (flavor copies with their description need 2.55).
POD_ADMIN_VERSION = "2.55"


def nova_call(pod: Pod, method: str, path: str, version: str, **kwargs: Any) -> requests.Response:
    headers = {"X-OpenStack-Nova-API-Version": version}
    try:
        response = (
            clients()
            .adapter(pod.region_name, "compute")
            .request(path, method, headers=headers, raise_exc=False, **kwargs)
        )
    except ks_exceptions.ClientException as exc:
        raise ServiceUnavailable(f"Nova of {pod.region_name} is not answering.") from exc
    if response.status_code >= 500:
        raise ServiceUnavailable(f"Nova of {pod.region_name} failed: HTTP {response.status_code}")
    return response


def server_in_pod(server_id: str) -> bool:
    """Whether the server's pod still has it: a deleted server stays there (ACTIVE, then
    DELETED, or SOFT_DELETED) until the pod answers 404."""
    routing = (
        ResourceRouting.objects.select_related("pod")
        .filter(top_id=server_id, resource_type=ResourceType.SERVER)
        .first()
    )
    if routing is None:
        return False
    response = nova_call(routing.pod, "GET", f"/servers/{server_id}", POD_ADMIN_VERSION)
    return response.status_code != 404


def server_stub(routing: ResourceRouting) -> JsonDict:
    """Nova's answer for a server of a cell that does not answer (microversion 2.69)."""
    return {"id": routing.top_id, "status": "UNKNOWN", "tenant_id": routing.project_id, "links": []}


# What GET /servers (not /detail) shows of each server.
SERVER_LIST_FIELDS = ("id", "name", "links")

SERVERS = PodCollection(
    name="servers",
    resource_type=ResourceType.SERVER,
    detail_path="/servers/detail",
    show_path="/servers/{id}",
    singular="server",
    stub=server_stub,
    sort_fields=(
        ("created_at", "created"),
        ("updated_at", "updated"),
        ("display_name", "name"),
        ("uuid", "id"),
        ("project_id", "tenant_id"),
        ("vm_state", "OS-EXT-STS:vm_state"),
        ("task_state", "OS-EXT-STS:task_state"),
        ("power_state", "OS-EXT-STS:power_state"),
        ("availability_zone", "OS-EXT-AZ:availability_zone"),
        ("host", "OS-EXT-SRV-ATTR:host"),
        ("hostname", "OS-EXT-SRV-ATTR:hostname"),
        ("launched_at", "OS-SRV-USG:launched_at"),
        ("terminated_at", "OS-SRV-USG:terminated_at"),
    ),
)


def is_routed(resource_id: str, resource_type: str) -> bool:
    return ResourceRouting.objects.filter(top_id=resource_id, resource_type=resource_type).exists()


def bottom_id_in(pod: Pod, top_id: str, resource_type: str, what: str) -> str:
    bottom_id = routing_services.bottom_id_in(pod, top_id, resource_type)
    if bottom_id is None:
        raise NotFound(f"{what} {top_id} could not be found in the server's pod.")
    return bottom_id


def top_names(resource_type: str, labels: set[str]) -> dict[str, str]:
    """The top names of the networks or security groups whose ids a pod's Nova shows as
    labels (a bottom copy is named after its top id); only ids the routing table knows."""
    from pods.clients import ServiceError, central_neutron

    top_ids = sorted(
        set(
            ResourceRouting.objects.filter(
                resource_type=resource_type, top_id__in=labels
            ).values_list("top_id", flat=True)
        )
    )
    if not top_ids:
        return {}
    collection = "networks" if resource_type == ResourceType.NETWORK else "security-groups"
    try:
        found = central_neutron().get(f"/{collection}", id=top_ids, fields=["id", "name"])
    except (ServiceError, ServiceUnavailable):
        return {}  # the ids still say which one; names come back with the central Neutron
    return {item["id"]: item["name"] for item in found[collection.replace("-", "_")]}


def name_networks_in_addresses(servers: list[JsonDict]) -> None:
    """A pod's Nova labels addresses with the bottom network's name, which is the top id, and
    names security groups by their bottom copies' names, the top ids; users expect the top
    names, as a single Nova would show."""
    labels = {label for server in servers for label in (server.get("addresses") or {})}
    names = top_names(ResourceType.NETWORK, labels)
    groups = {
        group.get("name", "")
        for server in servers
        for group in server.get("security_groups") or []
        if isinstance(group, dict)
    }
    group_names = top_names(ResourceType.SECURITY_GROUP, groups)
    for server in servers:
        addresses = server.get("addresses")
        if addresses and names:
            server["addresses"] = {names.get(label, label): ips for label, ips in addresses.items()}
        for group in server.get("security_groups") or []:
            if isinstance(group, dict) and group.get("name") in group_names:
                group["name"] = group_names[group["name"]]


def pod_of_boot_volumes(caller: KeystoneIdentity, server: JsonDict, zone: str | None) -> Pod | None:
    """A server booted from (or with) existing volumes must be made in their pod: a pod's Nova
    uses only its own Cinder's volumes. Only the caller's volumes say where (admins: any)."""
    volume_ids = [
        mapping.get("uuid") or mapping.get("volume_id")
        for key in ("block_device_mapping_v2", "block_device_mapping")
        for mapping in server.get(key) or []
        if isinstance(mapping, dict)
        and (mapping.get("source_type") == "volume" or mapping.get("volume_id"))
    ]
    pods = set()
    for volume_id in volume_ids:
        routing = visible_routing(caller, str(volume_id), ResourceType.VOLUME)
        if routing is None:
            raise BadRequest(f"Block Device Mapping is Invalid: failed to get volume {volume_id}.")
        pods.add(routing.pod)
    if not pods:
        return None
    if len(pods) > 1:
        raise Conflict("The server's volumes are in different pods; a server uses one pod's.")
    (pod,) = pods
    if zone and pod.az_name != zone:
        raise Conflict(
            f"The server's volumes are in {pod.region_name} ({pod.az_name}); "
            f"the server cannot be created in {zone}."
        )
    return pod


# --- simple tenant usage -----------------------------------------------------------------------
USAGE_TOTALS = ("total_hours", "total_local_gb_usage", "total_memory_mb_usage", "total_vcpus_usage")


def add_usage(total: JsonDict, part: JsonDict) -> JsonDict:
    """One project's usage in another pod: the totals add up, the servers are listed together
    (a project with no server in a pod has an empty usage there)."""
    if not total:
        total.update(part)
        return total
    for key in USAGE_TOTALS:
        if key in part:
            total[key] = total.get(key, 0) + part[key]
    if "server_usages" in part:
        total["server_usages"] = total.get("server_usages", []) + part["server_usages"]
    return total


def add_tenant_usages(total: JsonDict, part: JsonDict) -> JsonDict:
    """A pod's os-simple-tenant-usage answer added to the running total: per project for the
    list. Paging links are the pods' own and are not passed on."""
    if "tenant_usage" in part:
        add_usage(total.setdefault("tenant_usage", {}), part["tenant_usage"])
        return total
    usages = total.setdefault("tenant_usages", [])
    by_project = {usage.get("tenant_id"): usage for usage in usages}
    for usage in part.get("tenant_usages", []):
        project = usage.get("tenant_id")
        if project in by_project:
            add_usage(by_project[project], usage)
        else:
            usages.append(usage)
            by_project[project] = usage
    return total
