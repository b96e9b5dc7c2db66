"""Jobs of the gateway's global records (flavors, key pairs) in the pods."""

from __future__ import annotations

from collections.abc import Mapping

from gateway import flavors
from jobs.models import Job
from jobs.registry import job_type

FLAVOR_SYNC = "flavor_sync"
KEYPAIR_CLEANUP = "keypair_cleanup"


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
    flavors.delete_keypair_copies(job.resource["user_id"], job.resource["name"])
