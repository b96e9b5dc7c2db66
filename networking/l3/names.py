"""What Tricircle's cross-pod L3 calls things: the device owners it looks for or sets, and the
names of what it makes, by which a later run finds them again."""

from __future__ import annotations

from pods.models import Pod

ROUTER_INTERFACE = "network:router_interface"
ROUTER_GATEWAY = "network:router_gateway"
# Top ports Tricircle reserves for a router (device_id = the top router). They start with
# "network:router" so the dashboard draws the router joined to the bridge, yet are no Neutron
# router owner, so the central Neutron treats them as plain ports (deletable, not interfaces).
BRIDGE_PORT_OWNER = "network:router_bridge"
POD_INTERFACE_OWNER = "network:router_pod_interface"
RESERVED_PORT_OWNERS = frozenset({BRIDGE_PORT_OWNER, POD_INTERFACE_OWNER})
SHADOW_OWNER = "compute:shadow"
FIP_MARK = "tricircle:"


def bridge_network_name(project_id: str) -> str:
    return f"bridge_net_{project_id}"


def bridge_port_name(pod: Pod) -> str:
    return f"bridge_{pod.region_name}"


def pod_interface_name(pod: Pod, top_interface_id: str) -> str:
    return f"interface_{pod.region_name}_{top_interface_id}"
