"""Cross-pod security-group membership: a rule that names a remote group (the `default`
group's "ingress from my own members") admits, in each pod, the addresses of the group's
members that pod's Neutron knows. Copied as they are, such rules would know only the pod's own
ports, and a member in another pod would be dropped, on a shared VLAN or behind the router
alike. So every pod where the rule is enforced also has the group's other members: shadows of
their ports (the same IPs, MAC, address pairs and groups, device_owner compute:shadow) on the
copy of their network there, whatever the network type.

Exact, as in one cloud: the pod's firewall admits a member's addresses (its fixed IPs and
allowed address pairs) and nothing else, and a port leaving the group at the top leaves it in
every pod (port_sync updates every copy of a port, shadows included). The original Tricircle
replaced such rules with one remote_ip_prefix rule per subnet of the project, which also
admits every non-member on those subnets, and must be redone whenever a subnet comes or goes.

Shadows are made where a rule naming the group is copied (pods holding a copy of a group with
such a rule), for the members that live in other pods, on the pod's copy of their network when
it has one: a network is not copied for membership alone (the pod would become one of the
network's pods, and its routers would span there), so a member on a network the pod does not
hold is not known there (reached through a router, it is admitted by a rule naming addresses,
not a group)."""

from __future__ import annotations

import logging

from jobs.services import request_job
from networking.job_names import SECURITY_GROUP_MEMBERS_SYNC
from networking.l2 import make_shadows_in_pods
from networking.l3 import SHADOW_OWNER
from pods.clients import ServiceError, central_neutron
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tricircle_site.jsontypes import JsonDict

LOG = logging.getLogger(__name__)


def converge_group_members(group_id: str) -> int:
    """Shadows of the group's members in the pods enforcing a rule that names it; returns how
    many exist. Converges from the current top state (safe to run again)."""
    central = central_neutron()
    naming = central.get("/security-group-rules", remote_group_id=group_id)["security_group_rules"]
    enforcing = {
        routing.pod
        for routing in ResourceRouting.objects.select_related("pod")
        .filter(
            top_id__in={rule["security_group_id"] for rule in naming},
            resource_type=ResourceType.SECURITY_GROUP,
        )
        .exclude(bottom_id="")
    }
    if not enforcing:
        return 0
    try:
        group = central.get(f"/security-groups/{group_id}")["security_group"]
    except ServiceError as exc:
        if exc.status_code == 404:
            return 0
        raise
    project_id = group.get("project_id") or group.get("tenant_id")
    members = [
        port
        for port in central.get("/ports", project_id=project_id)["ports"]
        if group_id in (port.get("security_groups") or [])
        and port["device_owner"].startswith("compute:")
        and port["device_owner"] != SHADOW_OWNER
    ]
    homes = _homes(members)
    held = _held_networks({port["network_id"] for port in members})
    wanted: dict[Pod, list[tuple[JsonDict, Pod]]] = {pod: [] for pod in enforcing}
    for port in members:
        home = homes.get(port["device_id"])
        if home is None:
            continue  # not a server of Tricircle's (yet)
        for pod in sorted(enforcing - {home}, key=lambda pod: pod.region_name):
            if (port["network_id"], pod.pk) not in held:
                LOG.info("member %s of %s not known in %s", port["id"], group_id, pod.region_name)
                continue
            wanted[pod].append((port, home))
    return make_shadows_in_pods(wanted)


def _held_networks(network_ids: set[str]) -> set[tuple[str, object]]:
    """(top network id, pod pk) of the networks' copies. A network is not copied into a pod
    for membership alone: that would make the pod one of the network's pods, and the
    network's routers would span there."""
    return set(
        ResourceRouting.objects.filter(resource_type=ResourceType.NETWORK, top_id__in=network_ids)
        .exclude(bottom_id="")
        .values_list("top_id", "pod_id")
    )


def _homes(ports: list[JsonDict]) -> dict[str, Pod]:
    """{server id: its pod} of the ports' servers."""
    return {
        routing.top_id: routing.pod
        for routing in ResourceRouting.objects.select_related("pod").filter(
            top_id__in={port["device_id"] for port in ports},
            resource_type=ResourceType.SERVER,
        )
    }


def members_changed(group_ids: set[str], project_id: str) -> None:
    """Ports joined these groups, or a pod began to enforce them: their members' shadows
    converge, one job per group (requests merge)."""
    for group_id in sorted(group_ids):
        request_job(SECURITY_GROUP_MEMBERS_SYNC, project_id, {"security_group_id": group_id})


def port_changed(port_id: str) -> None:
    """A port updated at the top may have joined groups: their members converge (a group
    left needs nothing: the port's copies, shadows included, leave it through port_sync)."""
    try:
        port = central_neutron().get(f"/ports/{port_id}")["port"]
    except ServiceError as exc:
        if exc.status_code == 404:
            return
        raise
    project_id = port.get("project_id") or port.get("tenant_id")
    if str(port.get("device_owner") or "").startswith("compute:") and project_id:
        members_changed(set(port.get("security_groups") or []), project_id)
