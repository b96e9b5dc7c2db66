"""Ports of servers booted through the gateway: top ports are made (or given) at the top, their
bottom copies are made in the server's pod, and both go when the server goes."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.utils import timezone

from jobs.services import request_job
from networking import bottom, membership
from networking.job_names import SHADOW_PORTS_SYNC
from networking.services import router_changed, routers_of_networks
from pods.clients import ServiceError, central_neutron
from pods.fanout import each
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tricircle_site.exceptions import ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

LOG = logging.getLogger(__name__)

# Marks the top ports the gateway made for a server (deleted with it; ports the user made are
# only released).
GATEWAY_PORT = "tricircle:server-port"


def bottom_ports(
    pod: Pod, project_id: str, top_port_ids: list[str], tops: Mapping[str, JsonDict] | None = None
) -> list[str]:
    """The copies in the pod of the top ports, made from `tops` (the ports as just read or made
    at the top) where given."""
    started = timezone.now()
    known = tops or {}
    # Each port's copy (and, the first time, its network's) is made at once.
    with bottom.one_batch():
        made = each(
            top_port_ids,
            lambda port_id: bottom.ensure_port(
                pod, port_id, project_id, known_top=known.get(port_id)
            ),
        )
    # A network that just arrived in this pod puts the pod under its routers: their jobs give
    # the pod a bottom router and every pod the routes to it.
    new_networks = list(
        ResourceRouting.objects.filter(
            pod=pod, resource_type=ResourceType.NETWORK, created_at__gte=started
        ).values_list("top_id", flat=True)
    )
    if new_networks:
        try:
            for router_id, owner in routers_of_networks(new_networks).items():
                router_changed(router_id, owner or project_id)
        except (ServiceError, ServiceUnavailable):
            # The boot goes on; the router's next change (or a redo) converges it.
            LOG.warning("routers of networks %s not found; their jobs not asked", new_networks)
    return made


def ports_attached(top_port_ids: list[str], server_id: str, pod: Pod, project_id: str) -> None:
    """Show the top ports as the server's, as Nova would have made them at the top; their
    networks' other pods learn where the ports are (shadow ports, networking.l2), and the pods
    enforcing their groups learn the new members (networking.membership)."""
    central = central_neutron()
    owner = {"port": {"device_id": server_id, "device_owner": f"compute:{pod.az_name}"}}
    ports = each(top_port_ids, lambda port_id: central.put(f"/ports/{port_id}", owner)["port"])
    networks = {port["network_id"] for port in ports}
    for network_id in sorted(networks):
        request_job(SHADOW_PORTS_SYNC, project_id, {"network_id": network_id})
    # The server's groups have a new member, and its pod may enforce them for the first time.
    groups = {group for port in ports for group in port.get("security_groups") or []}
    membership.members_changed(groups, project_id)


def release_ports(top_port_ids: list[str], made_by_gateway: set[str]) -> None:
    """Undo a boot's ports: bottom copies deleted, gateway-made top ports deleted, the user's
    own top ports freed. Converges: safe to run again."""
    central = central_neutron()
    for port_id in top_port_ids:
        bottom.remove_bottom_copies(ResourceType.PORT, port_id)
        if port_id in made_by_gateway:
            central.delete(f"/ports/{port_id}")
            continue
        try:
            central.put(f"/ports/{port_id}", {"port": {"device_id": "", "device_owner": ""}})
        except ServiceError as exc:
            if exc.status_code != 404:
                raise  # a port that is gone has nothing left to release


def release_server_ports(server_id: str) -> None:
    ports = central_neutron().get("/ports", device_id=server_id)["ports"]
    release_ports(
        [port["id"] for port in ports],
        {port["id"] for port in ports if port.get("description") == GATEWAY_PORT},
    )
    ResourceRouting.objects.filter(top_id=server_id, resource_type=ResourceType.SERVER).delete()
