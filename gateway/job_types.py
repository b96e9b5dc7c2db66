"""Jobs of the compute gateway: its global records (flavors, key pairs) in the pods, and what
a deleted server leaves behind. Their handlers, registered with the job engine (imported by
JobsConfig.ready(); their names are in gateway.job_names); nothing in the gateway imports this
module."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from django.conf import settings

from gateway.audit import run as audit
from gateway.job_names import (
    FLAVOR_SYNC,
    KEYPAIR_CLEANUP,
    POD_AUDIT,
    ROUTE_RELEASES,
    SERVER_PORTS_RELEASE,
)
from gateway.services import flavors, keypairs, servers, volumes
from jobs.models import Job
from jobs.registry import job_type
from networking import boot
from routing.services import routed_resources_belong


class StillInPod(Exception):
    pass


def wait_until_gone(in_pod: Callable[[], bool], what: str) -> None:
    """Until a deleted item has left its pod (at most SERVER_DELETE_WAIT_SECONDS, then the job
    fails and is retried later): until then it stays routed, shown and listed as its pod
    shows it."""
    deadline = time.monotonic() + settings.SERVER_DELETE_WAIT_SECONDS
    while in_pod():
        if time.monotonic() >= deadline:
            raise StillInPod(f"{what} is still in its pod (being deleted).")
        time.sleep(1)


@job_type(SERVER_PORTS_RELEASE, resource_fields=("server_id",), belongs_to=routed_resources_belong)
def server_ports_release(job: Job) -> None:
    """Once a deleted server has left its pod: its ports (bottom copies, the top ports the
    gateway made for it) and its routing entry go."""
    server_id = job.resource["server_id"]
    wait_until_gone(lambda: servers.server_in_pod(server_id), f"Server {server_id}")
    boot.release_server_ports(server_id)


def release_route(kind: str, item_id: str) -> None:
    """Once a deleted volume, snapshot or backup has left its pod, its routing entry goes
    (volumes.item_in_pod drops it when the pod answers that it has not the item)."""
    what = volumes.ROUTED_TYPES[kind][1]
    wait_until_gone(lambda: volumes.item_in_pod(kind, item_id), f"{what} {item_id}")


@job_type(
    ROUTE_RELEASES["volumes"], resource_fields=("volume_id",), belongs_to=routed_resources_belong
)
def volume_route_release(job: Job) -> None:
    """A deleted volume's routing entry removed once its pod let it go."""
    release_route("volumes", job.resource["volume_id"])


@job_type(
    ROUTE_RELEASES["snapshots"],
    resource_fields=("snapshot_id",),
    belongs_to=routed_resources_belong,
)
def snapshot_route_release(job: Job) -> None:
    """A deleted snapshot's routing entry removed once its pod let it go."""
    release_route("snapshots", job.resource["snapshot_id"])


@job_type(
    ROUTE_RELEASES["backups"], resource_fields=("backup_id",), belongs_to=routed_resources_belong
)
def backup_route_release(job: Job) -> None:
    """A deleted backup's routing entry removed once its pod let it go."""
    release_route("backups", job.resource["backup_id"])


def _cloud_wide(project_id: str, resource: Mapping[str, str]) -> bool:
    """Flavors belong to the cloud, not to a project."""
    return True


@job_type(FLAVOR_SYNC, resource_fields=("flavor_id",), belongs_to=_cloud_wide)
def flavor_sync(job: Job) -> None:
    """Bring every pod's copy of a flavor in step with Tricircle's (removed if it is gone)."""
    flavors.sync_flavor(job.resource["flavor_id"])


@job_type(KEYPAIR_CLEANUP, resource_fields=("user_id", "name"), belongs_to=_cloud_wide)
def keypair_cleanup(job: Job) -> None:
    """Remove a deleted key pair's copies from the pods."""
    keypairs.delete_keypair_copies(job.resource["user_id"], job.resource["name"])


@job_type(POD_AUDIT, resource_fields=("pod_id",), belongs_to=_cloud_wide)
def pod_audit(job: Job) -> None:
    """Compare a pod with the top and the routing table, record what differs, and repair the
    classes of findings settings.AUDIT_REPAIR_CLASSES names (a pod that does not answer is
    marked skipped, not retried: the next periodic run looks again)."""
    pod = audit.find_pod(job.resource["pod_id"])
    audit.run_pod_audit(pod, settings.AUDIT_REPAIR_CLASSES)
