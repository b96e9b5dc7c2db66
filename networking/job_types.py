"""Jobs of cross-pod networking. Each converges toward the current top state, so running one
twice, or after a newer one, does no harm."""

from __future__ import annotations

from collections.abc import Mapping

from jobs.models import Job
from jobs.registry import job_type
from networking import boot, l2, l3, services
from routing.services import project_ids_of

BOTTOM_CLEANUP = "bottom_cleanup"
SECURITY_GROUP_SYNC = "security_group_sync"
ROUTER_SETUP = "router_setup"


def _top_resource_belongs(project_id: str, resource: Mapping[str, str]) -> bool:
    owners = project_ids_of(resource["top_id"], resource["resource_type"])
    return not owners or project_id in owners


@job_type(
    BOTTOM_CLEANUP, resource_fields=("resource_type", "top_id"), belongs_to=_top_resource_belongs
)
def bottom_cleanup(job: Job) -> None:
    """Delete the bottom copies of a deleted top network, subnet, port, router or security
    group in every pod, and their routing entries."""
    services.remove_bottom_copies(job.resource["resource_type"], job.resource["top_id"])


@job_type(SECURITY_GROUP_SYNC, resource_fields=("security_group_id",))
def security_group_sync(job: Job) -> None:
    """Make every pod's copy of a security group carry the top group's rules."""
    services.sync_security_group_copies(job.resource["security_group_id"])


PORT_SYNC = "port_sync"


@job_type(PORT_SYNC, resource_fields=("port_id",))
def port_sync(job: Job) -> None:
    """Make every pod's copy of a top port carry what was changed at the top (security
    groups, port security, address pairs, IPs, state)."""
    services.sync_port_copies(job.resource["port_id"])


BOOT_PORT_RELEASE = "boot_port_release"


@job_type(BOOT_PORT_RELEASE, resource_fields=("port_id", "origin"))
def boot_port_release(job: Job) -> None:
    """Undo a port of a boot that failed after it was prepared; origin is `gateway` for a top
    port the gateway made (deleted) or `user` for the user's own (freed)."""
    port_id = job.resource["port_id"]
    boot.release_ports([port_id], {port_id} if job.resource["origin"] == "gateway" else set())


@job_type(ROUTER_SETUP, resource_fields=("router_id",))
def router_setup(job: Job) -> None:
    """Make the pods match a top router: a bottom router per pod with its interfaces, the
    project's bridge network, extra routes, the gateway and floating IPs in the exit pod; or
    remove them all when the top router is gone."""
    l3.converge_router(job.resource["router_id"])


SHADOW_PORTS_SYNC = "shadow_ports_sync"


@job_type(SHADOW_PORTS_SYNC, resource_fields=("network_id",))
def shadow_ports_sync(job: Job) -> None:
    """Give every pod of a stretched VxLAN network shadows of the VM ports of its other pods."""
    l2.converge_shadow_ports(job.resource["network_id"])
