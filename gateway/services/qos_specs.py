"""Cinder QoS specs of the top region: kept by Tricircle (gateway.models.QosSpecs), associated
with Tricircle's volume types, and given to the pods with those types. A type's copy in a pod
is associated with a copy of its specs there (same name, consumer and specs, made by name at
most once per pod: a QOS_SPECS routing entry); later changes are pushed to the copies.
Validation, answers and faults are Cinder's (its qos_specs_manage API and default policy)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

import requests
from django.db import IntegrityError, transaction

from gateway import schema
from gateway.models import QosSpecs, VolumeType
from gateway.numbers import MAX_INT
from gateway.services.copies import copies_of, push_to_copy
from pods.clients import CinderClient, cinder
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import bottom_id_in, ensure_bottom
from tricircle_site.exceptions import BadRequest, Conflict, NotFound, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

LOG = logging.getLogger(__name__)

# Cinder's policy rules for QoS specs (gateway.policy: all admin-only by default).
GET_ALL_POLICY = "volume_extension:qos_specs_manage:get_all"
GET_POLICY = "volume_extension:qos_specs_manage:get"
CREATE_POLICY = "volume_extension:qos_specs_manage:create"
UPDATE_POLICY = "volume_extension:qos_specs_manage:update"
DELETE_POLICY = "volume_extension:qos_specs_manage:delete"

CONSUMERS = ("back-end", "front-end", "both")
DEFAULT_CONSUMER = "back-end"
# The keys an update may set (Cinder's extra-specs key pattern); values are strings or null.
SPEC_KEY = re.compile(r"[a-zA-Z0-9\-_:. /]{1,255}")
MAX_TEXT = 255
MAX_LIMIT = 1000  # Cinder's osapi_max_limit: no page is longer, whatever the limit asked
# Sort keys Cinder takes: the columns of the row that holds a spec set's name (in `value`);
# key, specs_id and the deletion columns are alike for every spec set, so they order nothing.
SORT_FIELDS: dict[str, str | None] = {
    "id": "id",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "value": "name",
    "key": None,
    "specs_id": None,
    "deleted": None,
    "deleted_at": None,
}
# Filters: Cinder's search options (id, name, consumer) select what they name (Cinder's own
# table, where a spec set is rows of keys and values, matches only id, and the name as `value`);
# any other filter names nothing there and selects no spec set, as in Cinder.
FILTER_FIELDS = {"id": "id", "name": "name", "consumer": "consumer", "value": "name"}


def get_specs(specs_id: str) -> QosSpecs:
    found = QosSpecs.objects.filter(id=specs_id).first()
    if found is None:
        raise NotFound(f"No such QoS spec {specs_id}.")
    return found


def specs_item(specs: QosSpecs) -> JsonDict:
    """A spec set as Cinder's views show it (the list's items and the `qos_specs` of a show)."""
    return {"id": specs.id, "name": specs.name, "consumer": specs.consumer, "specs": specs.specs}


def associations(specs: QosSpecs) -> list[JsonDict]:
    return [
        {"association_type": "volume_type", "name": volume_type.name, "id": volume_type.id}
        for volume_type in specs.volume_types.all()
    ]


# --- validation ------------------------------------------------------------------------------
def _check_text(value: object, name: str, min_length: int) -> None:
    """Cinder's length check of a key or value of specs (an InvalidInput)."""
    if not isinstance(value, str):
        raise BadRequest(f"Invalid input received: {name} is not a string or unicode")
    if len(value) < min_length:
        raise BadRequest(
            f"Invalid input received: {name} has {len(value)} characters, less than {min_length}."
        )
    if len(value) > MAX_TEXT:
        raise BadRequest(
            f"Invalid input received: {name} has {len(value)} characters, more than {MAX_TEXT}."
        )


def _consumer(value: object) -> str:
    # Cinder's object takes a missing (null) consumer as its default.
    if value is None:
        return DEFAULT_CONSUMER
    if value not in CONSUMERS:
        raise BadRequest(
            f"Invalid qos specs: Valid consumer of QoS specs are: {', '.join(CONSUMERS)}"
        )
    return str(value)


def valid_create(body: JsonDict) -> JsonDict:
    """`{"qos_specs": {"name": ..., "consumer": ..., key: value...}}` as Cinder's schema takes
    it (checked before the caller's rights, as in Cinder)."""
    given = body.get("qos_specs")
    if "qos_specs" in body and not isinstance(given, dict):
        raise schema.invalid("qos_specs", given, f"{given!r} is not of type 'object'")
    if isinstance(given, dict):
        if "name" not in given:
            raise schema.invalid("qos_specs", given, "'name' is a required property")
        name = given["name"]
        if not isinstance(name, str):
            raise schema.invalid("name", name, f"{name!r} is not of type 'string'")
        reason = (
            "The 'name' can not be None."
            if not name
            else "The 'name' can not be empty."
            if not name.strip()
            else "The 'name' can not be greater than 255 characters."
            if len(name.strip()) > MAX_TEXT
            else ""
        )
        if reason:
            raise BadRequest(f"An invalid 'name' value was provided. {reason}")
    schema.only_member(body, "qos_specs")
    assert isinstance(given, dict)  # anything else was refused above
    return given


def valid_update(body: JsonDict) -> JsonDict:
    """`{"qos_specs": {key: string or null...}}` as Cinder's schema takes it."""
    given = body.get("qos_specs")
    if "qos_specs" in body:
        if not isinstance(given, dict):
            raise schema.invalid("qos_specs", given, f"{given!r} is not of type 'object'")
        for key, value in given.items():
            if value is not None and not isinstance(value, str):
                raise schema.invalid(key, value, f"{value!r} is not of type 'string', 'null'")
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise schema.invalid(key, value, f"{value!r} is too long")
        unexpected = [key for key in given if not SPEC_KEY.fullmatch(key)]
        if unexpected:
            names = ", ".join(repr(key) for key in unexpected)
            raise schema.invalid(
                "qos_specs", given, f"Additional properties are not allowed ({names} unexpected)"
            )
    schema.only_member(body, "qos_specs")
    assert isinstance(given, dict)  # anything else was refused above
    return given


def valid_keys(body: JsonDict) -> list[str]:
    """`{"keys": [key...]}` as Cinder's schema takes it."""
    keys = body.get("keys")
    if "keys" in body:
        if not isinstance(keys, list):
            raise schema.invalid("keys", keys, f"{keys!r} is not of type 'array'")
        for index, key in enumerate(keys):
            if not isinstance(key, str) or not 1 <= len(key) <= MAX_TEXT:
                raise schema.invalid(index, key, f"{key!r} is not a string of 1 to 255 characters")
        if len(set(keys)) != len(keys):
            raise schema.invalid("keys", keys, f"{keys!r} has non-unique elements")
    schema.only_member(body, "keys")
    assert isinstance(keys, list)  # anything else was refused above
    return keys


def force_param(params: dict[str, list[str]]) -> bool:
    """Cinder's strict boolean of `?force=` (False when absent)."""
    value = (params.get("force") or ["False"])[-1]
    force = schema.strict_boolean(value)
    if force is None:
        raise BadRequest(f"Value '{value}' for 'force' is not a boolean.")
    return force


# --- the top's spec sets --------------------------------------------------------------------
def create_specs(given: JsonDict) -> QosSpecs:
    name = given["name"].strip()
    specs = {key: value for key, value in given.items() if key != "name"}
    for key, value in specs.items():
        _check_text(key, f'Key "{key}"', 1)
        if value is not None:
            _check_text(value, f'Value for key "{key}"', 0)
    # An empty consumer is none: Cinder's default.
    consumer = _consumer(specs.pop("consumer", None) or None)
    try:
        with transaction.atomic():  # a duplicate name must not break the caller's transaction
            return QosSpecs.objects.create(
                id=str(uuid.uuid4()), name=name, consumer=consumer, specs=specs
            )
    except IntegrityError as exc:
        raise Conflict(f"QoS Specs {name} already exists.") from exc


def listed(params: dict[str, list[str]]) -> tuple[list[QosSpecs], int]:
    """GET /qos-specs with Cinder's pagination (limit, marker, offset), sort (`sort=key:dir,...`
    or sort_key/sort_dir, newest first by default) and filters; the page and its limit."""
    given = {key: values[-1] for key, values in params.items()}
    limit = _limit(given.pop("limit", str(MAX_LIMIT)))
    marker = given.pop("marker", None)
    offset = _offset(given.pop("offset", "0"))
    sort_keys, sort_dirs = _sort_params(given)
    filters = {}
    for key, value in given.items():
        if key not in FILTER_FIELDS:
            return [], limit
        filters[FILTER_FIELDS[key]] = value
    if marker is not None and not QosSpecs.objects.filter(id=marker).exists():
        raise NotFound(f"No such QoS spec {marker}.")
    order = []
    for key, direction in zip(sort_keys, sort_dirs, strict=True):
        if key not in SORT_FIELDS:
            raise BadRequest("Invalid input received: Invalid sort key")
        field = SORT_FIELDS[key]
        if field:
            order.append(f"-{field}" if direction == "desc" else field)
    rows = list(QosSpecs.objects.order_by(*order))
    if marker is not None:
        rows = rows[[row.id for row in rows].index(marker) + 1 :]
    rows = [row for row in rows if all(getattr(row, f) == v for f, v in filters.items())]
    return rows[offset : offset + limit], limit


def _limit(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise BadRequest("limit param must be an integer") from exc
    if number < 0:
        raise BadRequest("limit param must be positive")
    return min(number, MAX_LIMIT)


def _offset(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise BadRequest("offset must be an integer") from exc
    if number < 0:
        raise BadRequest("offset must be >= 0")
    if number > MAX_INT:
        raise BadRequest(f"offset must be <= {MAX_INT}")
    return number


def _sort_params(given: dict[str, str]) -> tuple[list[str], list[str]]:
    """Cinder's sort keys and directions, with created_at and id added last (in the first
    direction given) so that the order is total."""
    if "sort" in given and ("sort_key" in given or "sort_dir" in given):
        raise BadRequest(
            "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with "
            "the 'sort' parameter."
        )
    keys, dirs = [], []
    if "sort" in given:
        for part in given.pop("sort").strip().split(","):
            key, _, direction = part.partition(":")
            keys.append(key.strip())
            dirs.append(direction.strip() or "desc")
    else:
        keys.append(given.pop("sort_key", "created_at").strip())
        dirs.append(given.pop("sort_dir", "desc").strip())
    if any(direction not in {"asc", "desc"} for direction in dirs):
        raise BadRequest("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'.")
    for key in ("created_at", "id"):
        if key not in keys:
            keys.append(key)
            dirs.append(dirs[0])
    return keys, dirs


def update_specs(specs: QosSpecs, given: JsonDict) -> None:
    """Sets the keys given (`consumer` is the consumer) at the top, then in the pods' copies."""
    changed = dict(given)
    if "consumer" in changed:
        specs.consumer = _consumer(changed.pop("consumer"))
    specs.specs = {**specs.specs, **changed}
    specs.save()
    body = {"qos_specs": given}
    _push_to_copies(specs, lambda api, bottom: api.request("PUT", f"/qos-specs/{bottom}", body))


def delete_keys(specs: QosSpecs, keys: list[str]) -> None:
    """Unsets the keys in order; as Cinder, a key it does not have stops there with a 404, the
    keys before it staying unset."""
    missing = next((key for key in keys if key not in specs.specs), None)
    unset = keys[: keys.index(missing)] if missing is not None else keys
    if unset:
        specs.specs = {key: value for key, value in specs.specs.items() if key not in unset}
        specs.save()
        body = {"keys": unset}
        _push_to_copies(
            specs, lambda api, bottom: api.request("PUT", f"/qos-specs/{bottom}/delete_keys", body)
        )
    if missing is not None:
        raise NotFound(f"QoS spec {specs.id} has no spec with key {missing}.")


def delete_specs(specs: QosSpecs, force: bool) -> None:
    """Deletes the spec set; associated with types, only when forced (they are disassociated
    first). The pods' copies are deleted where the pods let it (with the same force)."""
    types = list(specs.volume_types.all())
    if types and not force:
        raise BadRequest("Qos specs still in use.")
    for volume_type in types:
        disassociate(specs, volume_type)
    for routing in copies_of(specs.id, ResourceType.QOS_SPECS):
        api = cinder(routing.pod)
        try:
            answer = api.request(
                "DELETE", f"/qos-specs/{routing.bottom_id}", params={"force": str(force)}
            )
        except Exception as exc:  # a pod down keeps its copy, as a pod that refuses
            LOG.warning("QoS specs %s stay in %s: %s", specs.name, routing.pod.region_name, exc)
            continue
        if answer.status_code < 300 or answer.status_code == 404:
            routing.delete()
        else:
            LOG.warning(
                "QoS specs %s stay in %s (HTTP %s)",
                specs.name,
                routing.pod.region_name,
                answer.status_code,
            )
    specs.delete()


# --- associations ----------------------------------------------------------------------------
def type_to_associate(type_id: str) -> VolumeType:
    """The volume type an (dis)association names: by id, as Cinder (admins see every type)."""
    found = VolumeType.objects.filter(id=type_id).first()
    if found is None:
        raise NotFound(f"Volume type {type_id} could not be found.")
    return found


def required_type_id(params: dict[str, list[str]]) -> str:
    type_id = (params.get("vol_type_id") or [""])[-1]
    if not type_id:
        raise BadRequest("Volume Type id must not be None.")
    return type_id


# A change of a type's association with a spec set (associate, disassociate).
Association = Callable[[QosSpecs, VolumeType], None]


def associate(specs: QosSpecs, volume_type: VolumeType) -> None:
    """Associates the type with the spec set, and its copies in the pods with the pods' copy of
    the spec set (made there if needed). Associating again is a no-op at the top, as in Cinder,
    but pushed again: that mends the associations a pod could not take before."""
    if volume_type.qos_specs_id not in (None, specs.id):
        raise BadRequest(
            f"Invalid volume type: Type {volume_type.id} is already associated with another "
            f"qos specs: {volume_type.qos_specs_id}"
        )
    if volume_type.qos_specs_id is None:
        volume_type.qos_specs = specs
        volume_type.save(update_fields=["qos_specs", "updated_at"])
    for routing in _type_copies(volume_type):
        try:
            bottom_specs = ensure_specs_in_pod(routing.pod, specs, routing.project_id)
            _associate_in_pod(routing.pod, bottom_specs, routing.bottom_id)
        except Exception as exc:  # see _push_to_copies: the top's change stands
            LOG.warning(
                "copy of %s not associated with QoS specs %s in %s: %s",
                volume_type.name,
                specs.name,
                routing.pod.region_name,
                exc,
            )


def disassociate(specs: QosSpecs, volume_type: VolumeType) -> None:
    """Disassociates the type (a type not associated with the spec set is left as it is, as
    in Cinder), and its copies from the pods' copy of the spec set."""
    if volume_type.qos_specs_id == specs.id:
        volume_type.qos_specs = None
        volume_type.save(update_fields=["qos_specs", "updated_at"])
    for routing in _type_copies(volume_type):
        bottom_specs = bottom_id_in(routing.pod, specs.id, ResourceType.QOS_SPECS)
        if bottom_specs:
            what = f"disassociation of {volume_type.name} from QoS specs {specs.name}"
            push_to_copy(routing, what, _disassociation(bottom_specs))


def _disassociation(bottom_specs: str) -> Callable[[CinderClient, str], requests.Response]:
    """The call that disassociates a type's copy (given its id) from the pod's copy of specs."""
    return lambda api, bottom_type: api.request(
        "GET", f"/qos-specs/{bottom_specs}/disassociate", params={"vol_type_id": bottom_type}
    )


def disassociate_all(specs: QosSpecs) -> None:
    for volume_type in list(specs.volume_types.all()):
        disassociate(specs, volume_type)


# --- the pods' copies ------------------------------------------------------------------------
def give_to_type_copy(pod: Pod, volume_type: VolumeType, bottom_type: str, project_id: str) -> None:
    """A type's copy just made (or adopted) in the pod gets the type's QoS specs there; a
    refusal is the copy's failure (ServiceUnavailable), so that it is made again later."""
    specs = volume_type.qos_specs
    if specs is not None:
        _associate_in_pod(pod, ensure_specs_in_pod(pod, specs, project_id), bottom_type)


def ensure_specs_in_pod(pod: Pod, specs: QosSpecs, project_id: str) -> str:
    """The pod's copy of the spec set (same name, consumer and specs), made with the service
    account at most once however many callers race (routing.services.ensure_bottom); one the
    pod already has by that name is adopted and given the top's consumer and specs."""
    api = cinder(pod)

    def adopt() -> str | None:
        listed = _checked(
            pod, api.request("GET", "/qos-specs"), f"list the QoS specs for {specs.name}"
        )
        for candidate in listed.get("qos_specs", []):
            if candidate.get("name") != specs.name:
                continue
            theirs = candidate.get("specs") or {}
            if candidate.get("consumer") != specs.consumer or any(
                theirs.get(key) != value for key, value in specs.specs.items()
            ):
                body = {"qos_specs": {**specs.specs, "consumer": specs.consumer}}
                answer = api.request("PUT", f"/qos-specs/{candidate['id']}", body)
                _checked(pod, answer, f"update QoS specs {specs.name}")
            extra = sorted(set(theirs) - set(specs.specs))
            if extra:
                answer = api.request(
                    "PUT", f"/qos-specs/{candidate['id']}/delete_keys", {"keys": extra}
                )
                _checked(pod, answer, f"unset keys of QoS specs {specs.name}")
            return str(candidate["id"])
        return None

    def create() -> str:
        body = {"qos_specs": {**specs.specs, "name": specs.name, "consumer": specs.consumer}}
        made = _checked(
            pod, api.request("POST", "/qos-specs", body), f"create QoS specs {specs.name}"
        )
        return str(made["qos_specs"]["id"])

    return ensure_bottom(specs.id, pod, ResourceType.QOS_SPECS, project_id, create, adopt)


def _associate_in_pod(pod: Pod, bottom_specs: str, bottom_type: str) -> None:
    api = cinder(pod)
    path = f"/qos-specs/{bottom_specs}/associate"
    answer = api.request("GET", path, params={"vol_type_id": bottom_type})
    if answer.status_code == 400:
        # A copy adopted by name may be associated with specs of the pod's own: Tricircle's
        # association replaces it, as the top's extra specs replace the adopted copy's.
        shown = _checked(pod, api.request("GET", f"/types/{bottom_type}"), "read a volume type")
        current = (shown.get("volume_type") or {}).get("qos_specs_id")
        if current and current != bottom_specs:
            _checked(
                pod,
                _disassociation(current)(api, bottom_type),
                "disassociate a volume type from its QoS specs",
            )
            answer = api.request("GET", path, params={"vol_type_id": bottom_type})
    _checked(pod, answer, "associate a volume type with QoS specs")


def _checked(pod: Pod, answer: requests.Response, what: str) -> JsonDict:
    if answer.status_code >= 300:
        raise ServiceUnavailable(
            f"Cinder of {pod.region_name} refused to {what}: "
            f"HTTP {answer.status_code} {answer.text[:300]}"
        )
    return answer.json() if answer.content else {}


def _type_copies(volume_type: VolumeType) -> list[ResourceRouting]:
    return list(
        ResourceRouting.objects.select_related("pod")
        .filter(top_id=volume_type.id, resource_type=ResourceType.VOLUME_TYPE)
        .exclude(bottom_id="")
    )


def _push_to_copies(
    specs: QosSpecs, change: Callable[[CinderClient, str], requests.Response]
) -> None:
    for routing in copies_of(specs.id, ResourceType.QOS_SPECS):
        push_to_copy(routing, f"change of QoS specs {specs.name}", change)
