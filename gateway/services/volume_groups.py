"""Cinder's generic volume groups at the top region. Group types are Tricircle's, like volume
types: kept here and copied by name, with their specs, into a pod the first time a group of the
type is made there; their changes and deletion reach the copies. A group and its snapshots live
in the pod its create chose and are found again through the routing table; every answer names
Tricircle's group and volume types, never the pods' copies."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any, TypeAlias, TypedDict
from urllib.parse import urlencode

import requests
from django.db import IntegrityError, transaction

from gateway import schema
from gateway.collections import PodCollection, parse_sort
from gateway.confinement import caller_routed_pod, is_uuid, require_uuid
from gateway.microversions import as_tuple
from gateway.models import GroupType, VolumeType
from gateway.numbers import int_param
from gateway.services import quotas, volume_types
from gateway.services.calls import PodAnswer, UserCalls
from gateway.services.copies import copies_of, push_to_copy
from gateway.services.pod_choice import choose_pod
from gateway.services.volume_collections import CINDER_SORT_FIELDS, present_volume
from pods.clients import CinderClient, cinder
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import ensure_bottom, record_bottom
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import (
    BadRequest,
    Conflict,
    NotFound,
    ServiceUnavailable,
)
from tricircle_site.jsontypes import JsonDict, json_str

LOG = logging.getLogger(__name__)

# The microversions that brought each API (below them Cinder answers 404).
GROUP_TYPES_VERSION = "3.11"
GROUPS_VERSION = "3.13"
GROUP_SNAPSHOTS_VERSION = "3.14"  # also groups made from a group or a group snapshot
GROUP_SNAPSHOT_PAGINATION = "3.29"  # before it Cinder ignores a group snapshot list's query
# Cinder's osapi_max_limit: the longest page of a list.
MAX_PAGE = 1000
TEXT_MAX = 255
# Keys of specs as Cinder's schemas take them: a group type's create takes those of volume type
# extra specs, the group_specs API none with a space or a slash.
TYPE_SPEC_KEY = re.compile(r"^[a-zA-Z0-9-_:. /]{1,255}$")
SPEC_KEY = re.compile(r"^[a-zA-Z0-9-_:.]{1,255}$")
# The words Cinder's schemas take as booleans (oslo's strict bool_from_string).
GROUP_TYPE_FIELDS = ("id", "name", "description", "is_public", "created_at", "updated_at")
# Specs as Cinder's schemas take them (specs_of): string keys, string values (null where taken).
Specs: TypeAlias = dict[str, str | None]


class NewGroupType(TypedDict):
    """A group type's create, checked (valid_new_group_type)."""

    name: str
    description: str | None
    is_public: bool
    group_specs: Specs


class GroupTypeChanges(TypedDict, total=False):
    """What a group type's update changes, checked (valid_update)."""

    name: str
    description: str | None
    is_public: bool


def supports(version: str, minimum: str) -> bool:
    return as_tuple(version) >= as_tuple(minimum)


# --- validation as Cinder's JSON schemas answer --------------------------------------------------
def body_object(body: JsonDict, key: str) -> JsonDict:
    """The one object a request body is made of ({"group_type": {...}})."""
    given = schema.only_member(body, key)
    if not isinstance(given, dict):
        raise schema.invalid(key, given, f"{given!r} is not of type 'object'")
    return given


def only_keys(given: JsonDict, field: str, allowed: tuple[str, ...]) -> None:
    extra = sorted(set(given) - set(allowed))
    if extra:
        raise schema.invalid(field, given, schema.unexpected(extra))


def text(given: JsonDict, key: str, nullable: bool = True, minimum: int = 0) -> str | None:
    value = given.get(key)
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise schema.invalid(key, value, f"{value!r} is not of type 'string'")
    if len(value) < minimum:
        raise schema.invalid(key, value, f"{value!r} is too short")
    if len(value) > TEXT_MAX:
        raise schema.invalid(key, value, f"{value!r} is too long")
    return value


def boolean_word(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    said = schema.strict_boolean(value) if isinstance(value, str) else None
    if said is None:
        raise schema.invalid(field, value, f"{value!r} is not a boolean")
    return said


def specs_of(value: object, field: str, key_pattern: re.Pattern[str], nullable: bool) -> Specs:
    """Specs as Cinder's schemas take them: string keys of the pattern, string values (or
    null where the API takes it) of at most 255 characters."""
    if not isinstance(value, dict):
        raise schema.invalid(field, value, f"{value!r} is not of type 'object'")
    for key, item in value.items():
        if not key_pattern.match(key):
            raise schema.invalid(
                field, value, f"Additional properties are not allowed ({key!r} was unexpected)"
            )
        if item is None and nullable:
            continue
        if not isinstance(item, str):
            raise schema.invalid(key, item, f"{item!r} is not of type 'string'")
        if len(item) > TEXT_MAX:
            raise schema.invalid(key, item, f"{item!r} is too long")
    return dict(value)


# --- group types -------------------------------------------------------------------------------
def group_type_body(group_type: GroupType, is_admin: bool) -> JsonDict:
    """A group type as Cinder's view shows it: its specs to admins only."""
    body: JsonDict = {
        "id": group_type.id,
        "name": group_type.name,
        "description": group_type.description,
        "is_public": group_type.is_public,
    }
    if is_admin:
        body["group_specs"] = dict(group_type.group_specs)
    return body


def find_group_type(ref: str, identity: KeystoneIdentity, by_name: bool) -> GroupType | None:
    """A group type the caller may see (public ones; admins: all, as Cinder without group type
    access lists), by id, or also by name where Cinder takes one (a group's create)."""
    types = GroupType.objects.all()
    if not identity.is_admin:
        types = types.filter(is_public=True)
    found = types.filter(id=ref).first()
    if found is None and by_name:
        found = types.filter(name=ref).first()
    return found


def get_group_type(type_id: str, identity: KeystoneIdentity) -> GroupType:
    found = find_group_type(type_id, identity, by_name=False)
    if found is None:
        raise NotFound(f"Group type {type_id} could not be found.")
    return found


def public_filter(identity: KeystoneIdentity, asked: str | None) -> bool | None:
    """Cinder's rule: users see public types; admins public ones by default, every type with
    is_public=None and private ones only with is_public=false."""
    if not identity.is_admin or asked is None:
        return True
    if asked.strip().lower() == "none":
        return None
    said = schema.strict_boolean(asked)
    if said is None:
        raise BadRequest(f"Invalid is_public filter [{asked}]")
    return said


def list_group_types(
    identity: KeystoneIdentity, params: dict[str, list[str]]
) -> tuple[list[GroupType], int]:
    """A page of the group types the caller sees, sorted and paged as Cinder's list (unknown
    markers are ignored, as Cinder's group type list does); with the page size asked."""
    if params.get("sort") and (params.get("sort_key") or params.get("sort_dir")):
        raise BadRequest(
            "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with "
            "the 'sort' parameter."
        )
    keys = parse_sort(params)
    for key in keys:
        if key.name not in GROUP_TYPE_FIELDS:
            raise BadRequest("Invalid input received: Invalid sort key")
    public = public_filter(identity, params.get("is_public", [None])[-1])
    types = GroupType.objects.all()
    if public is not None:
        types = types.filter(is_public=public)
    ordered = list(types.order_by(*[("-" if key.descending else "") + key.name for key in keys]))
    marker = params.get("marker", [None])[-1]
    ids = [group_type.id for group_type in ordered]
    if marker in ids:
        ordered = ordered[ids.index(marker) + 1 :]
    offset = int_param(params, "offset") or 0
    asked = int_param(params, "limit")
    limit = min(MAX_PAGE, MAX_PAGE if asked is None else asked)
    return ordered[offset : offset + limit], limit


def valid_new_group_type(body: JsonDict) -> NewGroupType:
    """The fields of a new group type, as Cinder's schema takes them."""
    given = body_object(body, "group_type")
    only_keys(given, "group_type", ("name", "description", "is_public", "group_specs"))
    if "name" not in given:
        raise schema.invalid("group_type", given, "'name' is a required property")
    name = text(given, "name", nullable=False, minimum=1)
    assert name is not None
    if not name.strip():
        raise BadRequest("An invalid 'name' value was provided. The 'name' can not be empty.")
    specs = given.get("group_specs")
    return {
        "name": name,
        "description": text(given, "description"),
        "is_public": boolean_word(given.get("is_public", True), "is_public"),
        "group_specs": specs_of(
            {} if specs is None else specs, "group_specs", TYPE_SPEC_KEY, False
        ),
    }


def create_group_type(fields: NewGroupType) -> GroupType:
    try:
        with transaction.atomic():  # a duplicate name must not break the caller's transaction
            return GroupType.objects.create(id=str(uuid.uuid4()), **fields)
    except IntegrityError as exc:
        raise Conflict(f"Group Type {fields['name']} already exists.") from exc


def valid_update(body: JsonDict) -> GroupTypeChanges:
    """The changes a group type update asks, as Cinder's schema and controller take them."""
    given = body_object(body, "group_type")
    only_keys(given, "group_type", ("name", "description", "is_public"))
    changes: GroupTypeChanges = {}
    if given.get("name") is not None:
        name = text(given, "name")
        assert name is not None
        if not name.strip():
            raise BadRequest("Group type name can not be empty.")
        changes["name"] = name
    if given.get("description") is not None:
        changes["description"] = text(given, "description")
    if given.get("is_public") is not None:
        changes["is_public"] = boolean_word(given["is_public"], "is_public")
    if not changes:
        raise BadRequest("Specify group type name, description or a combination thereof.")
    return changes


def update_group_type(group_type: GroupType, changes: GroupTypeChanges) -> GroupType:
    for field, value in changes.items():
        setattr(group_type, field, value)
    try:
        with transaction.atomic():  # a name another type has must not break the transaction
            group_type.save()
    except IntegrityError as exc:
        raise Conflict(f"Group Type {changes['name']} already exists.") from exc
    # The copies are found by name in the pods (adopted when their routing entry is lost): they
    # follow the top's name, description and visibility.
    push_to_copies(
        group_type,
        lambda pod, bottom: pod_call(
            pod, "PUT", f"/group_types/{bottom}", body={"group_type": changes}
        ),
    )
    return group_type


def delete_group_type(group_type: GroupType) -> None:
    """Cinder refuses to delete a group type while groups use it; those are in the pods, whose
    copies refuse the same way. A copy deleted before another pod refused is made again the
    next time a group of the type goes to its pod, so the top type is kept whole."""
    for routing in copies(group_type):
        answer = pod_call(routing.pod, "DELETE", f"/group_types/{routing.bottom_id}")
        if answer.status_code < 300 or answer.status_code == 404:
            routing.delete()
            continue
        if answer.status_code == 400:
            raise BadRequest(
                f"Target group type is still in use. Group Type {group_type.id} deletion is not "
                "allowed with groups present with the type."
            )
        raise ServiceUnavailable(
            f"Cinder of {routing.pod.region_name} did not delete its copy of group type "
            f"{group_type.name}: HTTP {answer.status_code}"
        )
    group_type.delete()


def valid_specs(body: JsonDict) -> Specs:
    if "group_specs" not in body:
        raise BadRequest("'group_specs' is a required property")
    only_keys(body, "group_specs", ("group_specs",))
    return specs_of(body["group_specs"], "group_specs", SPEC_KEY, True)


def valid_spec(body: JsonDict) -> Specs:
    """One spec ({key: value}), as the update of a spec takes it."""
    if len(body) != 1:
        reason = "does not have enough properties" if not body else "has too many properties"
        raise BadRequest(f"{body} {reason}")
    return specs_of(body, "group_specs", SPEC_KEY, True)


def set_group_specs(group_type: GroupType, specs: Specs) -> Specs:
    group_type.group_specs = {**group_type.group_specs, **specs}
    group_type.save(update_fields=["group_specs", "updated_at"])
    push_to_copies(
        group_type,
        lambda pod, bottom: pod_call(
            pod, "POST", f"/group_types/{bottom}/group_specs", body={"group_specs": specs}
        ),
    )
    return specs


def update_group_spec(group_type: GroupType, key: str, spec: Specs) -> Specs:
    if key not in spec:
        raise BadRequest("Request body and URI mismatch")
    group_type.group_specs = {**group_type.group_specs, **spec}
    group_type.save(update_fields=["group_specs", "updated_at"])
    push_to_copies(
        group_type,
        lambda pod, bottom: pod_call(
            pod, "PUT", f"/group_types/{bottom}/group_specs/{key}", body=spec
        ),
    )
    return spec


def group_spec(group_type: GroupType, key: str) -> JsonDict:
    if key not in group_type.group_specs:
        raise NotFound(f"Group Type {group_type.id} has no extra spec with key {key}.")
    return {key: group_type.group_specs[key]}


def unset_group_spec(group_type: GroupType, key: str) -> None:
    if key not in group_type.group_specs:
        raise NotFound(f"Group Type {group_type.id} has no specs with key {key}.")
    group_type.group_specs = {k: v for k, v in group_type.group_specs.items() if k != key}
    group_type.save(update_fields=["group_specs", "updated_at"])
    push_to_copies(
        group_type,
        lambda pod, bottom: pod_call(pod, "DELETE", f"/group_types/{bottom}/group_specs/{key}"),
    )


def _in_pod(
    pod: Pod, change: Callable[[Pod, str], requests.Response]
) -> Callable[[CinderClient, str], requests.Response]:
    """The change as push_to_copy gives it (a client; the group calls name their microversion
    through pod_call)."""

    def given(api: CinderClient, bottom_id: str) -> requests.Response:
        return change(pod, bottom_id)

    return given


def pod_call(
    pod: Pod,
    method: str,
    path: str,
    body: JsonDict | None = None,
    params: dict[str, Any] | None = None,
    version: str = GROUP_TYPES_VERSION,
) -> requests.Response:
    """A call of Tricircle's service account to a pod's Cinder at the microversion the API
    needs (the service account's calls carry none: Cinder's 3.0 has no groups)."""
    headers = {"OpenStack-API-Version": f"volume {version}"}
    return cinder(pod).request(method, path, body, params, headers=headers)


def copies(group_type: GroupType) -> list[ResourceRouting]:
    return copies_of(group_type.id, ResourceType.GROUP_TYPE)


def push_to_copies(group_type: GroupType, change: Callable[[Pod, str], requests.Response]) -> None:
    """Keeps the pods' copies as the top's; a pod that refuses or does not answer keeps its old
    copy (the top's change stands: the log says which copy differs)."""
    what = f"change of group type {group_type.name}"
    for routing in copies(group_type):
        push_to_copy(routing, what, _in_pod(routing.pod, change))


def ensure_group_type_in_pod(pod: Pod, group_type: GroupType, project_id: str) -> str:
    """The pod's copy of the group type (same name, same specs), made with the service account
    at most once however many creates race (routing.services.ensure_bottom)."""

    def check(answer: requests.Response, what: str) -> JsonDict:
        if answer.status_code >= 300:
            raise ServiceUnavailable(
                f"Cinder of {pod.region_name} refused to {what} group type {group_type.name}: "
                f"HTTP {answer.status_code} {answer.text[:300]}"
            )
        return answer.json() if answer.status_code != 204 and answer.content else {}

    def adopt() -> str | None:
        listed = check(pod_call(pod, "GET", "/group_types", params={"is_public": "None"}), "list")
        for candidate in listed.get("group_types", []):
            if candidate.get("name") == group_type.name:
                if group_type.group_specs:
                    check(
                        pod_call(
                            pod,
                            "POST",
                            f"/group_types/{candidate['id']}/group_specs",
                            body={"group_specs": group_type.group_specs},
                        ),
                        "set the specs of",
                    )
                return json_str(candidate["id"])
        return None

    def create() -> str:
        body = {
            "group_type": {
                "name": group_type.name,
                "description": group_type.description,
                "is_public": group_type.is_public,
                "group_specs": group_type.group_specs,
            }
        }
        made = check(pod_call(pod, "POST", "/group_types", body=body), "create")
        return json_str(made["group_type"]["id"])

    return ensure_bottom(group_type.id, pod, ResourceType.GROUP_TYPE, project_id, create, adopt)


# --- groups --------------------------------------------------------------------------------------
def valid_group(body: JsonDict) -> JsonDict:
    """A group's create as Cinder's schema takes it (checked before anything is made in a pod
    for it)."""
    group = body_object(body, "group")
    only_keys(
        group, "group", ("name", "description", "group_type", "volume_types", "availability_zone")
    )
    for required in ("group_type", "volume_types"):
        if required not in group:
            raise schema.invalid("group", group, f"{required!r} is a required property")
    text(group, "name")
    text(group, "description")
    if not (text(group, "group_type", nullable=False, minimum=1) or "").strip():
        raise schema.invalid("group_type", group["group_type"], "'group_type' can not be empty")
    types = group["volume_types"]
    if not isinstance(types, list):
        raise schema.invalid("volume_types", types, f"{types!r} is not of type 'array'")
    if not types:
        raise schema.invalid("volume_types", types, "[] is too short")
    for item in types:
        if not isinstance(item, str) or len(item) > TEXT_MAX:
            raise schema.invalid("volume_types", types, f"{item!r} is not a volume type name or id")
    if len(set(types)) != len(types):
        raise schema.invalid("volume_types", types, f"{types!r} has non-unique elements")
    zone = group.get("availability_zone")
    if zone is not None and (not isinstance(zone, str) or not zone.strip()):
        raise schema.invalid("availability_zone", zone, "The availability zone must be a name.")
    return group


def prepare_group(identity: KeystoneIdentity, group: JsonDict) -> Pod:
    """The pod of a new group, by availability zone like a volume, with the group type and the
    volume types it names (Tricircle's, by id or name) made there; the body names the pod's
    copies and zone."""
    group_type = find_group_type(group["group_type"], identity, by_name=True)
    if group_type is None:
        ref = group["group_type"]
        if is_uuid(ref):
            raise NotFound(f"Group type {ref} could not be found.")
        raise NotFound(f"Group type with name {ref} could not be found.")
    named_types: list[VolumeType] = []
    for ref in group["volume_types"]:
        found = volume_types.find_type(ref, identity)
        if found is None:
            if is_uuid(ref):
                raise NotFound(f"Volume type {ref} could not be found.")
            raise NotFound(f"Volume type with name {ref} could not be found.")
        named_types.append(found)
    pod = choose_pod(identity.project_id, group.pop("availability_zone", None))
    if pod.pod_az_name:
        group["availability_zone"] = pod.pod_az_name
    group["group_type"] = ensure_group_type_in_pod(pod, group_type, identity.project_id)
    group["volume_types"] = [
        volume_types.ensure_type_in_pod(pod, volume_type, identity.project_id)
        for volume_type in named_types
    ]
    return pod


# The fields in which Cinder's answers name a volume type or a group type by id.
TYPE_ID_FIELDS = (
    ("volume_type_id", ResourceType.VOLUME_TYPE),  # a volume (3.63)
    ("volume_types", ResourceType.VOLUME_TYPE),  # a group
    ("group_type", ResourceType.GROUP_TYPE),  # a group
    ("group_type_id", ResourceType.GROUP_TYPE),  # a group snapshot
)


def name_top_types(items: list[JsonDict]) -> None:
    """The pods' ids of their type copies in these answers made Tricircle's, in one query for a
    whole page. A copy's id is its pod's uuid, unique across pods, so it alone says which copy;
    an id the routing table does not know is a type of the pod's own (something made in the
    pod directly) and stays as it is."""
    wanted: set[str] = set()
    for item in items:
        for field, _ in TYPE_ID_FIELDS:
            value = item.get(field)
            named = value if isinstance(value, list) else [value]
            wanted |= {each for each in named if isinstance(each, str) and each}
    if not wanted:
        return
    rows = ResourceRouting.objects.filter(
        resource_type__in=(ResourceType.GROUP_TYPE, ResourceType.VOLUME_TYPE),
        bottom_id__in=sorted(wanted),
    ).values_list("resource_type", "bottom_id", "top_id")
    tops = {(kind, bottom): top for kind, bottom, top in rows}
    for item in items:
        for field, kind in TYPE_ID_FIELDS:
            value = item.get(field)
            if isinstance(value, list):
                item[field] = [tops.get((kind, str(each)), each) for each in value]
            elif isinstance(value, str):
                item[field] = tops.get((kind, value), value)


def present_group(pod: Pod, group: JsonDict) -> None:
    """A pod's group in Tricircle's zone (its types: name_top_types, for a page at once)."""
    if "availability_zone" in group and pod.az_name:
        group["availability_zone"] = pod.az_name


GROUPS = PodCollection(
    name="groups",
    resource_type=ResourceType.GROUP,
    detail_path="/groups/detail",
    show_path="/groups/{id}",
    singular="group",
    sort_fields=CINDER_SORT_FIELDS,
    present=present_group,
    links="group_links",
)
GROUP_SNAPSHOTS = PodCollection(
    name="group_snapshots",
    resource_type=ResourceType.GROUP_SNAPSHOT,
    detail_path="/group_snapshots/detail",
    show_path="/group_snapshots/{id}",
    singular="group_snapshot",
    sort_fields=CINDER_SORT_FIELDS,
    links="group_snapshot_links",
)
# What Cinder's non-detail lists show of each (its group snapshot summary drops the type).
SUMMARY_FIELDS = ("id", "name")


def forget_if_gone(pod: Pod, kind: str, item_id: str, resource_type: str) -> None:
    """Drops the routing entry of a group or group snapshot its pod no longer has, as the
    service account sees it (all projects)."""
    try:
        answer = pod_call(pod, "GET", f"/{kind}/{item_id}", version=GROUP_SNAPSHOTS_VERSION)
    except ServiceUnavailable:
        return
    if answer.status_code == 404:
        ResourceRouting.objects.filter(
            top_id=item_id, resource_type=resource_type, pod=pod
        ).delete()


# --- the caller's groups and group snapshots in their pods -----------------------------------
def caller_get(calls: UserCalls, pod: Pod, path: str, query: str = "") -> JsonDict | None:
    """A read of the caller's in the pod; a volume may join a group at any microversion, the
    group is read at one that has groups."""
    version = None if supports(calls.version, GROUPS_VERSION) else GROUPS_VERSION
    answer = calls.read(pod, path, query, version)
    if answer.status >= 300:
        LOG.warning("%s of %s: HTTP %s", path, pod.region_name, answer.status)
        return None
    body = answer.json()
    return body if isinstance(body, dict) else None


def caller_sees(calls: UserCalls, pod: Pod, path: str) -> bool:
    return caller_get(calls, pod, path) is not None


def caller_items(
    caller: KeystoneIdentity, calls: UserCalls, pod: Pod, kind: str, query: list[tuple[str, str]]
) -> list[JsonDict]:
    """A pod's detailed list as the caller sees it (admins: of every project, as the item in
    question may be another project's)."""
    if caller.is_admin:
        query = [*query, ("all_tenants", "True")]
    body = caller_get(calls, pod, f"/{kind}/detail", urlencode(query))
    return [item for item in (body or {}).get(kind, []) if isinstance(item, dict)]


def group_volumes(
    caller: KeystoneIdentity, calls: UserCalls, pod: Pod, group_id: str
) -> list[JsonDict]:
    return caller_items(caller, calls, pod, "volumes", [("group_id", group_id)])


def group_snapshot_members(
    caller: KeystoneIdentity, calls: UserCalls, pod: Pod, group_id: str, group_snapshot_id: str
) -> list[JsonDict]:
    # Cinder's snapshot list takes no group snapshot filter from users: by the group's
    # volumes, which it does take.
    return [
        snapshot
        for member in group_volumes(caller, calls, pod, group_id)
        for snapshot in caller_items(caller, calls, pod, "snapshots", [("volume_id", member["id"])])
        if snapshot.get("group_snapshot_id") == group_snapshot_id
    ]


def record(
    caller: KeystoneIdentity,
    item_id: str,
    pod: Pod,
    resource_type: str,
    item: JsonDict | None = None,
) -> None:
    # An admin's list shows each item's own project (the routing entry is that project's).
    shown = item or {}
    project_id = (
        shown.get("os-vol-tenant-attr:tenant_id")
        or shown.get("os-extended-snapshot-attributes:project_id")
        or caller.project_id
    )
    record_bottom(item_id, item_id, pod, resource_type, project_id)


def usage_of(items: list[JsonDict], size_field: str) -> dict[str, int]:
    """What volumes made from these items (volumes or snapshots) take of the project's quota."""
    return {
        "volumes": len(items),
        "gigabytes": sum(int(item.get(size_field) or 0) for item in items),
    }


def enforce_quota(
    caller: KeystoneIdentity, calls: UserCalls, requested: Callable[[], dict[str, int]]
) -> None:
    """The project's limits kept by Tricircle count what the pod makes for a group snapshot
    or a group made from a source (its source is read only when there are such limits)."""
    if quotas.limits_of(caller.project_id, quotas.VOLUME):
        calls.enforce_quota(requested())


def create_group(caller: KeystoneIdentity, body: JsonDict, calls: UserCalls) -> PodAnswer:
    """POST /groups: checked, placed (prepare_group), made with the caller's token, routed."""
    group = valid_group(body)
    pod = prepare_group(caller, group)
    answer = calls.forward(pod, "/groups", body)
    if answer.status < 300:
        record(caller, answer.json()["group"]["id"], pod, ResourceType.GROUP)
    return PodAnswer(pod, answer)


def create_group_snapshot(caller: KeystoneIdentity, body: JsonDict, calls: UserCalls) -> PodAnswer:
    """POST /group_snapshots, in its group's pod; the snapshots the pod makes of the group's
    volumes are routed with it."""
    given = body_object(body, "group_snapshot")
    only_keys(given, "group_snapshot", ("group_id", "name", "description"))
    if "group_id" not in given:
        raise schema.invalid("group_snapshot", given, "'group_id' is a required property")
    group_id = require_uuid(given["group_id"], "group_id")
    pod = caller_routed_pod(caller, group_id, ResourceType.GROUP, "Group")
    enforce_quota(
        caller, calls, lambda: {"snapshots": len(group_volumes(caller, calls, pod, group_id))}
    )
    answer = calls.forward(pod, "/group_snapshots")
    if answer.status < 300:
        made = answer.json()["group_snapshot"]["id"]
        record(caller, made, pod, ResourceType.GROUP_SNAPSHOT)
        # Cinder makes a snapshot of each of the group's volumes (in its database, before it
        # answers) and names none of them: read with the caller's token (only the caller's own
        # items are seen), they become routable like snapshots made through the gateway.
        for member in group_snapshot_members(caller, calls, pod, group_id, made):
            record(caller, member["id"], pod, ResourceType.SNAPSHOT, member)
    return PodAnswer(pod, answer)


def create_from_source(caller: KeystoneIdentity, body: JsonDict, calls: UserCalls) -> PodAnswer:
    """POST /groups/action: create-from-src, the only action on the collection (3.14), made
    in the pod of its source (a group snapshot or a group)."""
    if "create-from-src" not in body:
        action = next(iter(body), "")
        raise BadRequest(
            f"There is no such action: {action}. Verify the request body and Content-Type "
            "header and try again."
        )
    given = body_object(body, "create-from-src")
    only_keys(
        given,
        "create-from-src",
        ("name", "description", "source_group_id", "group_snapshot_id"),
    )
    sources = [key for key in ("group_snapshot_id", "source_group_id") if key in given]
    if len(sources) != 1:
        reason = "is valid under each of" if sources else "is not valid under any of"
        raise schema.invalid("create-from-src", given, f"{given} {reason} the given schemas")
    source_id = require_uuid(given[sources[0]], sources[0])
    if sources[0] == "group_snapshot_id":
        pod = caller_routed_pod(caller, source_id, ResourceType.GROUP_SNAPSHOT, "GroupSnapshot")
        enforce_quota(
            caller, calls, lambda: volumes_from_group_snapshot(caller, calls, pod, source_id)
        )
    else:
        pod = caller_routed_pod(caller, source_id, ResourceType.GROUP, "Group")
        enforce_quota(
            caller, calls, lambda: usage_of(group_volumes(caller, calls, pod, source_id), "size")
        )
    answer = calls.forward(pod, "/groups/action")
    if answer.status < 300:
        made = answer.json()["group"]["id"]
        record(caller, made, pod, ResourceType.GROUP)
        # Cinder makes the new group's volumes (in its database, before it answers) and
        # names none of them: read with the caller's token, the caller's own new volumes
        # become routable like those made through the gateway.
        for made_volume in group_volumes(caller, calls, pod, made):
            record(caller, made_volume["id"], pod, ResourceType.VOLUME, made_volume)
    return PodAnswer(pod, answer)


def volumes_from_group_snapshot(
    caller: KeystoneIdentity, calls: UserCalls, pod: Pod, group_snapshot_id: str
) -> dict[str, int]:
    shown = caller_get(calls, pod, f"/group_snapshots/{group_snapshot_id}")
    group_id = (shown or {}).get("group_snapshot", {}).get("group_id")
    if not group_id:
        return {}  # the pod answers the create with its refusal
    members = group_snapshot_members(caller, calls, pod, group_id, group_snapshot_id)
    return usage_of(members, "size")


def check_added_volumes(
    caller: KeystoneIdentity, calls: UserCalls, pod: Pod, group_id: str, body: JsonDict
) -> None:
    """A group holds volumes of its own pod: a volume of another pod is refused as Cinder
    refuses one it cannot add, once the caller was shown to see it there (the routing table,
    then that pod with the caller's token: a volume given to this project by a transfer is
    routed under its first project)."""
    group = body.get("group")
    added = group.get("add_volumes") if isinstance(group, dict) else None
    if not isinstance(added, str):
        return  # nothing to add, or a body the pod refuses itself
    for volume_id in [item for item in added.strip(",").split(",") if item]:
        routing = (
            ResourceRouting.objects.select_related("pod")
            .filter(top_id=volume_id, resource_type=ResourceType.VOLUME)
            .first()
        )
        if routing is not None and routing.pod == pod:
            continue
        if routing is None or not caller_sees(calls, routing.pod, f"/volumes/{volume_id}"):
            raise BadRequest(
                f"Invalid volume: Cannot add volume {volume_id} to group {group_id} because "
                "volume cannot be found."
            )
        raise BadRequest(
            f"Invalid volume: Cannot add volume {volume_id} to group {group_id} because "
            f"they are in different pods ({routing.pod.region_name} in "
            f"{routing.pod.az_name}, {pod.region_name} in {pod.az_name}); a group holds "
            "volumes of its own pod."
        )


# The collection, resource type and not-found name of each routed group API.
ITEM_KINDS = {
    "groups": (GROUPS, "Group"),
    "group_snapshots": (GROUP_SNAPSHOTS, "GroupSnapshot"),
}


def on_item(
    caller: KeystoneIdentity, kind: str, item_id: str, path: str, calls: UserCalls
) -> PodAnswer:
    """A call on a group or group snapshot (or its action) in its pod."""
    collection, what = ITEM_KINDS[kind]
    pod = caller_routed_pod(caller, item_id, collection.resource_type, what)
    return PodAnswer(pod, calls.forward(pod, path))


def show(caller: KeystoneIdentity, kind: str, item_id: str, calls: UserCalls) -> PodAnswer:
    """A read in its pod. A 404 to this caller may only mean "not yours": the routing table
    forgets the item when the service account's view says the pod no longer has it."""
    shown = on_item(caller, kind, item_id, f"/{kind}/{item_id}", calls)
    if shown.answer.status == 404:
        forget_if_gone(shown.pod, kind, item_id, ITEM_KINDS[kind][0].resource_type)
    return shown


def update_group(
    caller: KeystoneIdentity, group_id: str, body: JsonDict, calls: UserCalls
) -> PodAnswer:
    """PUT /groups/{id}: volumes added must be in the group's pod."""
    collection, what = ITEM_KINDS["groups"]
    pod = caller_routed_pod(caller, group_id, collection.resource_type, what)
    check_added_volumes(caller, calls, pod, group_id, body)
    return PodAnswer(pod, calls.forward(pod, f"/groups/{group_id}"))


def present(pod: Pod, body: JsonDict, singular: str) -> bool:
    """A pod's answer that shows a group or group snapshot (or a volume), as Tricircle shows
    it: its zone and types Tricircle's. Whether the body was changed."""
    item = body.get(singular)
    if not isinstance(item, dict):
        return False
    if singular == "group":
        present_group(pod, item)
    elif singular == "volume":
        present_volume(pod, item)
    name_top_types([item])
    return True
