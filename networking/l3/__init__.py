"""Cross-pod L3: one top router becomes one bottom router per pod that holds its subnets, joined
by the project's bridge network, with extra routes so every pod reaches the others' subnets, and
north-south through the pod that holds the external network.

`converge_router` reads the current top state (never the event that asked for it), so it is safe
to run any number of times and a run that sees a newer state simply does more. What it makes:

- a bottom router per pod (routing entry type router, named after the top router id) in every
  pod where one of the router's networks has a bottom copy, every pod region named by the
  router's availability_zone_hints, and the exit pod (see below);
- on it, an interface on each bottom subnet there: the top interface port's copy (the subnet's
  gateway IP) where the subnet lives in one pod; where a subnet spans pods, the pod where its
  network was materialised first keeps the gateway IP (the VMs' default gateway, reached over
  the stretched segment from the other pods) and every other pod's router gets a port of its
  own reserved at the top, so addresses never clash;
- when more than one pod is involved, a port on the project's bridge network (a top network
  `bridge_net_<project>` allocated at the top from BRIDGE_CIDR with a vxlan/vlan segment, so
  every pod's copy has the same segment), its IP reserved at the top;
- extra routes: every subnet the pod does not hold via the bridge IP of the router of the pod
  that holds it (its first pod where it spans pods: simpler than /32 host routes, and correct on
  the stretched segment); 0.0.0.0/0 via the exit router's bridge IP in non-exit pods; the top
  router's own routes in the pods attached to their nexthop's subnet;
- north-south: the external network belongs to one pod (its hint). That pod's bottom router
  gets the external gateway with the top gateway port's address; floating IPs of the router are
  made there with the top floating address, on the bottom copy of the floating port in that pod.
  For a VM in another pod the copy is a shadow port (device_owner compute:shadow, the VM's IP
  and MAC) on the VM's network materialised in the exit pod, so the exit router DNATs to the
  VM's own address, delivered over the stretched segment; replies come back over the default
  route. A network local to one pod (type local or hinted to one pod) cannot be stretched, so a
  floating IP for it works only when the VM is in the exit pod.

The lab has no L3 agent: all of this is API state in each pod's Neutron, not forwarding.

The package: `top` reads the top (and keeps the bridge network and reserved ports there), `plan`
works out what each pod must have, `apply` makes the pods match (and tears down), `converge`
runs the three for the router_setup job, `status` is the operators' view, `names` what things
are called."""

from __future__ import annotations

from networking.l3.apply import router_interfaces, teardown_router
from networking.l3.converge import converge_router
from networking.l3.names import (
    BRIDGE_PORT_OWNER,
    FIP_MARK,
    POD_INTERFACE_OWNER,
    ROUTER_GATEWAY,
    ROUTER_INTERFACE,
    SHADOW_OWNER,
    bridge_network_name,
    bridge_port_name,
    pod_interface_name,
)
from networking.l3.plan import PodPlan, RouterPlan, plan_router, routes_for
from networking.l3.status import router_status
from networking.l3.top import (
    TopState,
    ensure_bridge_network,
    exit_pod,
    find_bridge_network,
    hinted_pods,
    listed_bridge_network,
    network_pods,
    read_top,
    reserved_port,
    top_state,
)

__all__ = [
    "BRIDGE_PORT_OWNER",
    "FIP_MARK",
    "POD_INTERFACE_OWNER",
    "ROUTER_GATEWAY",
    "ROUTER_INTERFACE",
    "SHADOW_OWNER",
    "PodPlan",
    "RouterPlan",
    "TopState",
    "bridge_network_name",
    "bridge_port_name",
    "converge_router",
    "ensure_bridge_network",
    "exit_pod",
    "find_bridge_network",
    "hinted_pods",
    "listed_bridge_network",
    "network_pods",
    "plan_router",
    "pod_interface_name",
    "read_top",
    "reserved_port",
    "router_interfaces",
    "router_status",
    "routes_for",
    "teardown_router",
    "top_state",
]
