"""Servers as Tricircle has them: routed to the pod that runs them, shown with the top's names
of their networks and security groups, and followed after their deletion until their pod has
let them go (their ports are released then)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from django.conf import settings

from gateway.confinement import caller_routed_pod, is_uuid, visible_routing
from gateway.job_names import SERVER_PORTS_RELEASE
from gateway.services.pod_choice import is_routed, routed_pod
from jobs.services import request_job
from networking import boot
from pods import fanout
from pods.clients import ServiceError, central_neutron, nova
from pods.models import Pod
from routing import services as routing_services
from routing.models import ResourceRouting, ResourceType
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, Conflict, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

# Tricircle's own calls into a pod's Nova (flavor copies with their description need 2.55).
POD_ADMIN_VERSION = "2.55"
# The job that releases a deleted server's ports once its pod has let it go (gateway.job_types).


def server_pod(server_id: str) -> Pod:
    return routed_pod(server_id, ResourceType.SERVER, "Instance")


def shown_deleted(server: JsonDict) -> bool:
    """A server its pod shows DELETED: Nova has let its network go and is destroying it (a
    SOFT_DELETED one may still be restored, with its ports)."""
    return server.get("status") == "DELETED"


def server_in_pod(server_id: str) -> bool:
    """Whether the server's pod still holds it with its ports: a deleted server stays there
    (ACTIVE, then DELETED, or SOFT_DELETED) until the pod answers 404, but Nova releases its
    ports before it shows it DELETED, so from then on its top ports may go too (a user who saw
    it DELETED deletes its network next: as with Nova, no port of it may be left in the way)."""
    routing = (
        ResourceRouting.objects.select_related("pod")
        .filter(top_id=server_id, resource_type=ResourceType.SERVER)
        .first()
    )
    if routing is None:
        return False
    response = nova(routing.pod, POD_ADMIN_VERSION).request("GET", f"/servers/{server_id}")
    if response.status_code == 404:
        return False
    return not (response.status_code == 200 and shown_deleted(response.json()["server"]))


def forgotten_server(server_id: str) -> bool:
    """A server id the routing table no longer knows: a deleted server whose actions stay
    readable in its pod (Nova, 2.21) after the routing table forgot it with its ports."""
    return is_uuid(server_id) and not is_routed(server_id, ResourceType.SERVER)


def server_gone_in_pod(server_id: str) -> None:
    """The server's pod answered 404 for it, or showed it DELETED. If its pod confirms (not
    only hidden from this caller), its ports are released now: as with Nova, a server is shown
    as gone only once its ports are, so its network can be deleted right away."""
    if not server_in_pod(server_id):
        boot.release_server_ports(server_id)


def server_deleted(caller: KeystoneIdentity, server_id: str) -> None:
    """Its pod took the deletion: its ports are released once the pod has let it go. An admin
    may delete another project's server: the job is the owner's."""
    owners = routing_services.project_ids_of(server_id, ResourceType.SERVER)
    owner = next(iter(owners)) if len(owners) == 1 else caller.project_id
    request_job(SERVER_PORTS_RELEASE, owner, {"server_id": server_id})


def reservation_id(server_id: str) -> object:
    """Nova's reservation id of a server, as its pod recorded it."""
    shown = nova(server_pod(server_id), POD_ADMIN_VERSION).get(f"/servers/{server_id}")
    assert isinstance(shown, dict)
    return shown["server"].get("OS-EXT-SRV-ATTR:reservation_id")


def server_stub(routing: ResourceRouting) -> JsonDict:
    """Nova's answer for a server of a cell that does not answer (microversion 2.69)."""
    return {"id": routing.top_id, "status": "UNKNOWN", "tenant_id": routing.project_id, "links": []}


def down_pod_stubs(caller: KeystoneIdentity, pods: list[Pod], all_tenants: bool) -> list[JsonDict]:
    """The servers the routing table knows in pods that did not answer: the caller's project's
    (an admin's all_tenants: every project's)."""
    routings = ResourceRouting.objects.filter(pod__in=pods, resource_type=ResourceType.SERVER)
    if not caller.is_admin or not all_tenants:
        routings = routings.filter(project_id=caller.project_id)
    return [server_stub(routing) for routing in routings]


# The central Neutron's collection of each type whose top names a server is shown with.
NAMED_COLLECTIONS: dict[str, str] = {
    ResourceType.NETWORK: "networks",
    ResourceType.SECURITY_GROUP: "security-groups",
}


class RecentNames:
    """Top names the central Neutron gave, kept in this process: a show would otherwise wait
    for the central Neutron on every call (and load it as much as the pod). A name is fresh
    for settings.NAME_CACHE_SECONDS; for as long again it is still answered while it is asked
    again in the background (so a show waits for the central Neutron only for a name it has
    never shown, or not for twice that time). A rename shows after at most about twice that
    time, as Nova's own labels of addresses (from its instance info cache) follow a network's
    rename late."""

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # (type, top id) -> (name, fresh until, usable until), on the monotonic clock
        self.names: dict[tuple[str, str], tuple[str, float, float]] = {}

    def known(
        self, labels: dict[str, set[str]]
    ) -> tuple[dict[str, dict[str, str]], dict[str, set[str]]]:
        """The names known per type, and of those the ones to ask again (no longer fresh:
        they count as fresh again until the answer comes, so they are asked once)."""
        names: dict[str, dict[str, str]] = {resource_type: {} for resource_type in labels}
        stale: dict[str, set[str]] = {resource_type: set() for resource_type in labels}
        seconds = settings.NAME_CACHE_SECONDS
        if seconds <= 0:
            return names, stale
        now = time.monotonic()
        with self.lock:
            for resource_type, ids in labels.items():
                for top_id in ids:
                    entry = self.names.get((resource_type, top_id))
                    if entry is None or entry[2] <= now:
                        continue
                    name, fresh_until, usable_until = entry
                    names[resource_type][top_id] = name
                    if fresh_until <= now:
                        stale[resource_type].add(top_id)
                        self.names[resource_type, top_id] = (name, now + seconds, usable_until)
        return names, stale

    def keep(self, resource_type: str, names: dict[str, str], asked: Iterable[str] = ()) -> None:
        """Names given now; ids `asked` and not given are forgotten (gone at the top)."""
        seconds = settings.NAME_CACHE_SECONDS
        if seconds <= 0:
            return
        now = time.monotonic()
        with self.lock:
            if len(self.names) > self.MAX_ENTRIES:
                self.names.clear()
            for top_id in set(asked) - set(names):
                self.names.pop((resource_type, top_id), None)
            self.names.update(
                {
                    (resource_type, top_id): (name, now + seconds, now + 2 * seconds)
                    for top_id, name in names.items()
                }
            )


RECENT_NAMES = RecentNames()


def top_names(labels: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """Per resource type (networks, security groups), the top names of the ids a pod's Nova
    shows as labels (a bottom copy is named after its top id); only ids the routing table
    knows. Those not known from a recent answer: one query, and the central Neutron asked for
    each type at once; those known but no longer fresh: answered, and asked in the
    background."""
    names, stale = RECENT_NAMES.known(labels)
    refresh = [(resource_type, sorted(ids)) for resource_type, ids in stale.items() if ids]
    if refresh:
        fanout.in_background(lambda: _ask(refresh))
    unknown = {
        resource_type: ids - set(names[resource_type]) for resource_type, ids in labels.items()
    }
    wanted = {label for type_labels in unknown.values() for label in type_labels}
    routed: dict[str, set[str]] = {resource_type: set() for resource_type in labels}
    if wanted:
        for resource_type, top_id in ResourceRouting.objects.filter(
            resource_type__in=list(labels), top_id__in=wanted
        ).values_list("resource_type", "top_id"):
            if top_id in unknown[resource_type]:
                routed[resource_type].add(top_id)
    asked = [(resource_type, sorted(ids)) for resource_type, ids in routed.items() if ids]
    for resource_type, found in _ask(asked).items():
        names[resource_type].update(found)
    return names


def _ask(asked: list[tuple[str, list[str]]]) -> dict[str, dict[str, str]]:
    """The central Neutron's names of the ids, each type at once, kept."""
    found: dict[str, dict[str, str]] = {}
    for (resource_type, top_ids), names in zip(
        asked, fanout.each(asked, _names_at_top), strict=True
    ):
        if names is not None:
            RECENT_NAMES.keep(resource_type, names, top_ids)
        found[resource_type] = names or {}
    return found


def _names_at_top(asked: tuple[str, list[str]]) -> dict[str, str] | None:
    resource_type, top_ids = asked
    collection = NAMED_COLLECTIONS[resource_type]
    try:
        found = central_neutron().get(f"/{collection}", id=top_ids, fields=["id", "name"])
    except (ServiceError, ServiceUnavailable):
        return None  # the ids still say which one; names come back with the central Neutron
    assert isinstance(found, dict)
    return {item["id"]: item["name"] for item in found[collection.replace("-", "_")]}


def name_networks_in_addresses(servers: list[JsonDict]) -> None:
    """A pod's Nova labels addresses with the bottom network's name, which is the top id, and
    names security groups by their bottom copies' names, the top ids; users expect the top
    names, as a single Nova would show."""
    groups = {
        group.get("name", "")
        for server in servers
        for group in server.get("security_groups") or []
        if isinstance(group, dict)
    }
    names = top_names(
        {
            ResourceType.NETWORK: {
                label for server in servers for label in (server.get("addresses") or {})
            },
            ResourceType.SECURITY_GROUP: groups,
        }
    )
    networks, group_names = names[ResourceType.NETWORK], names[ResourceType.SECURITY_GROUP]
    for server in servers:
        addresses = server.get("addresses")
        if addresses and networks:
            server["addresses"] = {
                networks.get(label, label): ips for label, ips in addresses.items()
            }
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


def check_volume_attachable(caller: KeystoneIdentity, server_pod: Pod, attachment: object) -> None:
    """A pod's Nova attaches only its own Cinder's volumes: refuse clearly, before the pod
    would answer that the volume does not exist."""
    volume_id = attachment.get("volumeId") if isinstance(attachment, dict) else None
    if not volume_id:
        return  # the pod's Nova refuses the body itself
    volume_pod = caller_routed_pod(caller, str(volume_id), ResourceType.VOLUME, "Volume")
    if volume_pod != server_pod:
        raise Conflict(
            f"The server and the volume {volume_id} are in different pods "
            f"({server_pod.region_name} in {server_pod.az_name}, {volume_pod.region_name} "
            f"in {volume_pod.az_name}); a volume can only be attached to a server in the "
            "same pod (create it in the server's availability zone)."
        )
