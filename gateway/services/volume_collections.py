"""Cinder's collections the top region gathers from every pod (volumes, snapshots, backups):
how each is listed, sorted and shown."""

from __future__ import annotations

from gateway.collections import PodCollection
from pods.models import Pod
from routing.models import ResourceType
from tricircle_site.jsontypes import JsonDict


def present_volume(pod: Pod, volume: JsonDict) -> None:
    """A volume's zone is the Tricircle AZ of its pod, not the pod's own zone name."""
    if "availability_zone" in volume and pod.az_name:
        volume["availability_zone"] = pod.az_name


# Cinder's sort keys that name another field of the resource.
CINDER_SORT_FIELDS = (("display_name", "name"), ("uuid", "id"))
# What GET /volumes and /backups (not /detail) show of each item.
SUMMARY_FIELDS = ("id", "name", "links")
# Cinder's summary of a snapshot is wider, but without the detail's extension attributes.
SNAPSHOT_SUMMARY_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "name",
    "description",
    "volume_id",
    "status",
    "size",
    "metadata",
)

VOLUMES = PodCollection(
    name="volumes",
    resource_type=ResourceType.VOLUME,
    detail_path="/volumes/detail",
    show_path="/volumes/{id}",
    singular="volume",
    sort_fields=CINDER_SORT_FIELDS,
    present=present_volume,
)
SNAPSHOTS = PodCollection(
    name="snapshots",
    resource_type=ResourceType.SNAPSHOT,
    detail_path="/snapshots/detail",
    show_path="/snapshots/{id}",
    singular="snapshot",
    sort_fields=CINDER_SORT_FIELDS,
)
BACKUPS = PodCollection(
    name="backups",
    resource_type=ResourceType.BACKUP,
    detail_path="/backups/detail",
    show_path="/backups/{id}",
    singular="backup",
    sort_fields=CINDER_SORT_FIELDS,
)
COLLECTIONS = {collection.name: collection for collection in (VOLUMES, SNAPSHOTS, BACKUPS)}
# Each collection's summary for its non-detail list, as Cinder's views cut it.
SUMMARIES: dict[str, tuple[str, ...]] = {
    "volumes": SUMMARY_FIELDS,
    "snapshots": SNAPSHOT_SUMMARY_FIELDS,
    "backups": SUMMARY_FIELDS,
}
