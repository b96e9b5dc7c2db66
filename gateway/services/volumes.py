"""Volumes, snapshots and backups at the top region: a new volume is placed in a pod by its
source (snapshot, volume, backup), its group or its availability zone, with Tricircle's volume
type made there; a snapshot or backup goes where its volume is; each is recorded in the routing
table, which routes every later call; the project's limits Tricircle keeps are checked first.
The caller's own calls are made through the API layer (gateway.services.calls.UserCalls)."""

from __future__ import annotations

import logging

from gateway import schema
from gateway.confinement import visible_routing
from gateway.job_names import ROUTE_RELEASES
from gateway.numbers import whole_number
from gateway.services import volume_groups, volume_types
from gateway.services.calls import PodAnswer, UserCalls
from gateway.services.pod_choice import choose_pod, routed_pod
from gateway.services.volume_collections import COLLECTIONS
from jobs.services import request_job
from pods.clients import cinder
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import project_ids_of, record_bottom
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, NotFound, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

LOG = logging.getLogger(__name__)

# Each routed collection's resource type and its name in Cinder's not-found messages.
ROUTED_TYPES = {
    "volumes": (ResourceType.VOLUME, "Volume"),
    "snapshots": (ResourceType.SNAPSHOT, "Snapshot"),
    "backups": (ResourceType.BACKUP, "Backup"),
}
# Cinder's action that deletes a volume, snapshot or backup whatever its state (admins').
FORCE_DELETE = "os-force_delete"
# Volume actions whose value Cinder reads as an object without checking it first (any other
# value, null included, fails there with a 500).
ACTIONS_OF_OBJECTS = ("os-detach",)
# Where a new volume's source is, field by field (the first given decides the pod).
VOLUME_SOURCES = (
    ("snapshot_id", ResourceType.SNAPSHOT, "Snapshot"),
    ("source_volid", ResourceType.VOLUME, "Volume"),
    ("backup_id", ResourceType.BACKUP, "Backup"),
)


def requested_quota(kind: str, item: JsonDict) -> dict[str, int]:
    """What a create takes of the project's quota (the size of a snapshot or backup is
    counted by its pod alone)."""
    if kind != "volumes":
        return {kind: 1}
    try:
        size = whole_number(item.get("size") or 0, "size")
    except BadRequest as exc:
        raise BadRequest(f"Invalid input received: size {item.get('size')!r}.") from exc
    return {"volumes": 1, "gigabytes": size}


def pods_in_zone(pods: list[Pod], zone: str | None) -> list[Pod]:
    """The pods a zone filter of a volume list names: a pod is in one zone (the pods' own
    zone names differ from Tricircle's)."""
    return pods if not zone else [pod for pod in pods if pod.az_name == zone]


# --- creates ---------------------------------------------------------------------------------
def create(caller: KeystoneIdentity, kind: str, body: JsonDict, calls: UserCalls) -> PodAnswer:
    """POST /volumes, /snapshots or /backups: the pod chosen, the body made for it, the create
    made there with the caller's token and, once the pod took it, routed."""
    singular = COLLECTIONS[kind].singular
    item = body.get(singular)
    if not isinstance(item, dict):
        raise BadRequest(f'The request body must be {{"{singular}": {{...}}}}.')
    calls.enforce_quota(requested_quota(kind, item))
    pod = place_volume(caller, item, calls) if kind == "volumes" else pod_of_volume(kind, item)
    answer = calls.forward(pod, f"/{kind}", body)
    if answer.status < 300:
        created = answer.json()[singular]
        record_bottom(created["id"], created["id"], pod, ROUTED_TYPES[kind][0], caller.project_id)
    return PodAnswer(pod, answer)


def pod_of_volume(kind: str, item: JsonDict) -> Pod:
    """A snapshot or a backup is made where its volume is."""
    singular = COLLECTIONS[kind].singular
    if "volume_id" not in item:
        raise BadRequest(f"'volume_id' is a required property of the {singular}.")
    if not item["volume_id"]:
        # Cinder's snapshot schema lets a null volume id through to the volume lookup.
        if kind == "snapshots":
            raise NotFound(f"Volume {item['volume_id']} could not be found.")
        raise BadRequest(f"Invalid input for field/attribute volume_id of the {singular}.")
    return routed_pod(item["volume_id"], ResourceType.VOLUME, "Volume")


def place_volume(caller: KeystoneIdentity, item: JsonDict, calls: UserCalls) -> Pod:
    """The pod of a new volume: its source's (snapshot, volume, backup: Cinder makes it from
    there) or its group's, else by availability zone like a server; the volume type made there.
    `item` is changed for the pod (its zone and type names)."""
    zone = item.pop("availability_zone", None)
    pod = None
    for field, resource_type, what in VOLUME_SOURCES:
        if item.get(field):
            pod = routed_pod(item[field], resource_type, what)
            if zone and zone != pod.az_name:
                raise BadRequest(
                    f"The {what.lower()} {item[field]} is in {pod.az_name}, not in {zone}."
                )
            break
    if pod is None and item.get("group_id") is not None:
        pod = group_pod(caller, item["group_id"], zone, calls)
    if pod is None:
        pod = choose_pod(caller.project_id, zone)
        if pod.pod_az_name:
            item["availability_zone"] = pod.pod_az_name
    if item.get("volume_type"):
        item["volume_type"] = volume_types.type_in_pod(caller, pod, item["volume_type"])
    return pod


def group_pod(
    caller: KeystoneIdentity, group_id: object, zone: str | None, calls: UserCalls
) -> Pod:
    """The pod of the group a new volume joins. The group must be the caller's to see (the
    routing table, then its pod with the caller's token) before the volume's type is made there
    or its zone is told."""
    if not isinstance(group_id, str):
        raise schema.invalid("group_id", group_id, f"{group_id!r} is not of type 'string'")
    routing = visible_routing(caller, group_id, ResourceType.GROUP)
    if routing is None or not volume_groups.caller_sees(calls, routing.pod, f"/groups/{group_id}"):
        raise NotFound(f"Group {group_id} could not be found.")
    if zone and zone != routing.pod.az_name:
        raise BadRequest(f"The group {group_id} is in {routing.pod.az_name}, not in {zone}.")
    return routing.pod


# --- calls on one volume, snapshot or backup ---------------------------------------------------
def item_pod(kind: str, item_id: str) -> Pod:
    resource_type, what = ROUTED_TYPES[kind]
    return routed_pod(item_id, resource_type, what)


def on_item(kind: str, item_id: str, path: str, calls: UserCalls) -> PodAnswer:
    """A call on the item (or what it holds: metadata, encryption, actions) in its pod."""
    pod = item_pod(kind, item_id)
    return PodAnswer(pod, calls.forward(pod, path))


def show(kind: str, item_id: str, calls: UserCalls) -> PodAnswer:
    """A read of the item in its pod. A 404 to this caller may only mean "not yours": the
    routing table forgets the item when the service account's view says the pod no longer has
    it."""
    shown = on_item(kind, item_id, f"/{kind}/{item_id}", calls)
    if shown.answer.status == 404:
        forget_if_gone(shown.pod, kind, item_id, ROUTED_TYPES[kind][0])
    return shown


def volume_action(
    caller: KeystoneIdentity, volume_id: str, action: JsonDict, calls: UserCalls
) -> PodAnswer:
    """POST /volumes/{id}/action: a retype names Tricircle's type, made in the volume's pod
    first; any other action goes as it came."""
    pod = item_pod("volumes", volume_id)
    for name in ACTIONS_OF_OBJECTS:
        if name in action and not isinstance(action[name], dict):
            raise schema.invalid(name, action[name], f"{action[name]!r} is not of type 'object'")
    retype = action.get("os-retype")
    body = None
    if isinstance(retype, dict) and retype.get("new_type"):
        retype["new_type"] = volume_types.type_in_pod(caller, pod, retype["new_type"])
        body = action
    done = PodAnswer(pod, calls.forward(pod, f"/volumes/{volume_id}/action", body))
    if FORCE_DELETE in action:
        _deletion_taken(caller, "volumes", volume_id, done)
    return done


def item_action(
    caller: KeystoneIdentity, kind: str, item_id: str, action: JsonDict, calls: UserCalls
) -> PodAnswer:
    """POST /{kind}/{id}/action of a snapshot or a backup, as it came, in its pod."""
    done = on_item(kind, item_id, f"/{kind}/{item_id}/action", calls)
    if FORCE_DELETE in action:
        _deletion_taken(caller, kind, item_id, done)
    return done


def delete(caller: KeystoneIdentity, kind: str, item_id: str, calls: UserCalls) -> PodAnswer:
    """DELETE of a volume, snapshot or backup, in its pod. Cinder deletes in the background:
    the item stays routed (shown "deleting" as its pod shows it) until the pod let it go, which
    a job waits for."""
    done = on_item(kind, item_id, f"/{kind}/{item_id}", calls)
    _deletion_taken(caller, kind, item_id, done)
    return done


def _deletion_taken(caller: KeystoneIdentity, kind: str, item_id: str, done: PodAnswer) -> None:
    if done.answer.status >= 300:
        return
    # An admin may delete another project's item: the job is the owner's.
    owners = project_ids_of(item_id, ROUTED_TYPES[kind][0])
    owner = next(iter(owners)) if len(owners) == 1 else caller.project_id
    request_job(ROUTE_RELEASES[kind], owner, {f"{ROUTED_TYPES[kind][0]}_id": item_id})


def item_in_pod(kind: str, item_id: str) -> bool:
    """Whether the pod of a routed volume, snapshot or backup still has it (the service
    account's view); its routing entry is dropped when the pod answered that it has not."""
    resource_type = ROUTED_TYPES[kind][0]
    routing = (
        ResourceRouting.objects.select_related("pod")
        .filter(top_id=item_id, resource_type=resource_type)
        .first()
    )
    if routing is None:
        return False
    forget_if_gone(routing.pod, kind, item_id, resource_type)
    return ResourceRouting.objects.filter(pk=routing.pk).exists()


def restore_backup(caller: KeystoneIdentity, backup_id: str, calls: UserCalls) -> PodAnswer:
    """POST /backups/{id}/restore, in the backup's pod: the volume it restores to (a new one
    when none is named) is routed there."""
    restored = on_item("backups", backup_id, f"/backups/{backup_id}/restore", calls)
    if restored.answer.status < 300:
        volume_id = (restored.answer.json() or {}).get("restore", {}).get("volume_id")
        if volume_id:
            record_bottom(
                volume_id, volume_id, restored.pod, ResourceType.VOLUME, caller.project_id
            )
    return restored


def forget_if_gone(pod: Pod, kind: str, item_id: str, resource_type: str) -> None:
    """Drops the routing entry of a volume, snapshot or backup its pod no longer has, as the
    service account sees it (all projects)."""
    try:
        response = cinder(pod).request("GET", f"/{kind}/{item_id}")
    except ServiceUnavailable:
        return
    if response.status_code == 404:
        ResourceRouting.objects.filter(
            top_id=item_id, resource_type=resource_type, pod=pod
        ).delete()


def import_backup(caller: KeystoneIdentity, calls: UserCalls) -> PodAnswer:
    """POST /backups/import_record: a backup's record made in the pod a new volume of the
    project would go to (no zone is named), and routed there once the pod took it."""
    pod = choose_pod(caller.project_id, None)
    answer = calls.forward(pod, "/backups/import_record")
    if answer.status < 300:
        backup_id = ((answer.json() or {}).get("backup") or {}).get("id")
        if isinstance(backup_id, str):
            record_bottom(backup_id, backup_id, pod, ResourceType.BACKUP, caller.project_id)
    return PodAnswer(pod, answer)
