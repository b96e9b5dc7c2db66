"""Ports of servers booted through the gateway: top ports are made (or given) at the top, their
bottom copies are made in the server's pod, and both go when the server goes."""

from __future__ import annotations

from networking import bottom
from networking.neutron import central_neutron
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType

# Marks the top ports the gateway made for a server (deleted with it; ports the user made are
# only released).
GATEWAY_PORT = "tricircle:server-port"


def bottom_ports(pod: Pod, project_id: str, top_port_ids: list[str]) -> list[str]:
    return [bottom.ensure_port(pod, port_id, project_id) for port_id in top_port_ids]


def ports_attached(top_port_ids: list[str], server_id: str, pod: Pod) -> None:
    """Show the top ports as the server's, as Nova would have made them at the top."""
    central = central_neutron()
    for port_id in top_port_ids:
        central.put(
            f"/ports/{port_id}",
            {"port": {"device_id": server_id, "device_owner": f"compute:{pod.az_name}"}},
        )


def release_ports(top_port_ids: list[str], made_by_gateway: set[str]) -> None:
    """Undo a boot's ports: bottom copies deleted, gateway-made top ports deleted, the user's
    own top ports freed. Converges: safe to run again."""
    from networking.services import remove_bottom_copies

    central = central_neutron()
    for port_id in top_port_ids:
        remove_bottom_copies(ResourceType.PORT, port_id)
        if port_id in made_by_gateway:
            central.delete(f"/ports/{port_id}")
        else:
            central.put(f"/ports/{port_id}", {"port": {"device_id": "", "device_owner": ""}})


def release_server_ports(server_id: str) -> None:
    ports = central_neutron().get("/ports", device_id=server_id)["ports"]
    release_ports(
        [port["id"] for port in ports],
        {port["id"] for port in ports if port.get("description") == GATEWAY_PORT},
    )
    ResourceRouting.objects.filter(top_id=server_id, resource_type=ResourceType.SERVER).delete()
