"""Jobs of cross-pod networking: their handlers registered with the job engine (imported by
JobsConfig.ready(); their names are in networking.job_names). Each converges toward the current
top state, so running one twice, or after a newer one, does no harm. This is networking's top
module: nothing in networking imports it."""

from __future__ import annotations

from collections.abc import Mapping

from jobs.models import Job
from jobs.registry import job_type
from networking import boot, bottom, l2, l3, membership, services, tunnels
from networking.job_names import (
    BOOT_PORT_RELEASE,
    BOTTOM_CLEANUP,
    PORT_SYNC,
    ROUTER_SETUP,
    SECURITY_GROUP_MEMBERS_SYNC,
    SECURITY_GROUP_SYNC,
    SHADOW_PORTS_SYNC,
    TUNNEL_ENDPOINTS_SYNC,
)
from routing.services import project_ids_of, routed_resources_belong


def _top_resource_belongs(project_id: str, resource: Mapping[str, str]) -> bool:
    owners = project_ids_of(resource["top_id"], resource["resource_type"])
    return not owners or project_id in owners


@job_type(
    BOTTOM_CLEANUP, resource_fields=("resource_type", "top_id"), belongs_to=_top_resource_belongs
)
def bottom_cleanup(job: Job) -> None:
    """Delete the bottom copies of a deleted top network, subnet, port, router or security
    group in every pod, and their routing entries."""
    bottom.remove_bottom_copies(job.resource["resource_type"], job.resource["top_id"])


@job_type(
    SECURITY_GROUP_SYNC, resource_fields=("security_group_id",), belongs_to=routed_resources_belong
)
def security_group_sync(job: Job) -> None:
    """Make every pod's copy of a security group carry the top group's rules."""
    services.sync_security_group_copies(job.resource["security_group_id"])


@job_type(PORT_SYNC, resource_fields=("port_id",), belongs_to=routed_resources_belong)
def port_sync(job: Job) -> None:
    """Make every pod's copy of a top port carry what was changed at the top (security
    groups, port security, address pairs, IPs, state)."""
    services.sync_port_copies(job.resource["port_id"])
    membership.port_changed(job.resource["port_id"])


@job_type(
    SECURITY_GROUP_MEMBERS_SYNC,
    resource_fields=("security_group_id",),
    belongs_to=routed_resources_belong,
)
def security_group_members_sync(job: Job) -> None:
    """Give every pod enforcing a rule that names the group shadows of the group's members
    that live in other pods (networking.membership)."""
    membership.converge_group_members(job.resource["security_group_id"])


@job_type(
    BOOT_PORT_RELEASE, resource_fields=("port_id", "origin"), belongs_to=routed_resources_belong
)
def boot_port_release(job: Job) -> None:
    """Undo a port of a boot that failed after it was prepared; origin is `gateway` for a top
    port the gateway made (deleted) or `user` for the user's own (freed)."""
    port_id = job.resource["port_id"]
    boot.release_ports([port_id], {port_id} if job.resource["origin"] == "gateway" else set())


@job_type(ROUTER_SETUP, resource_fields=("router_id",), belongs_to=routed_resources_belong)
def router_setup(job: Job) -> None:
    """Make the pods match a top router: a bottom router per pod with its interfaces, the
    project's bridge network, extra routes, the gateway and floating IPs in the exit pod; or
    remove them all when the top router is gone."""
    l3.converge_router(job.resource["router_id"])


@job_type(SHADOW_PORTS_SYNC, resource_fields=("network_id",), belongs_to=routed_resources_belong)
def shadow_ports_sync(job: Job) -> None:
    """Give every pod of a stretched VxLAN network shadows of the VM ports of its other pods."""
    l2.converge_shadow_ports(job.resource["network_id"])


def _cloud_wide(project_id: str, resource: Mapping[str, str]) -> bool:
    """The pods' tunnels belong to the federation, not to a project."""
    return True


@job_type(TUNNEL_ENDPOINTS_SYNC, resource_fields=("scope",), belongs_to=_cloud_wide)
def tunnel_endpoints_sync(job: Job) -> None:
    """Tell every pod's Neutron (over its message bus) the tunnel endpoints of the other pods'
    agents, and withdraw those of agents and pods that went."""
    tunnels.converge_tunnel_endpoints()
