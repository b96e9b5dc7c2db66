"""The top region's volume types (global at Tricircle, copied into a pod the first time a
volume of that type is made there), their extra specs, access and encryption, kept in step
with the pods' copies through each pod's Cinder (pods.clients.cinder)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import requests
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from gateway import policy
from gateway.models import VolumeType, VolumeTypeAccess
from gateway.numbers import whole_number
from gateway.services import qos_specs
from gateway.services.copies import copies_of, push_to_copy
from pods.clients import CinderClient, ServiceError, cinder
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import ensure_bottom
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, Conflict, NotFound, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict, json_str

LOG = logging.getLogger(__name__)

# --- volume types ----------------------------------------------------------------------------
# Extra specs Cinder shows to users who are not admins; the rest are the operator's.
USER_VISIBLE_EXTRA_SPECS = frozenset(
    {"RESKEY:availability_zones", "multiattach", "cacheable", "replication_enabled"}
)


def visible_extra_specs(volume_type: VolumeType, is_admin: bool) -> dict[str, str]:
    specs: dict[str, str] = volume_type.extra_specs  # as create_type and set_extra_specs keep them
    if is_admin:
        return specs
    return {k: v for k, v in specs.items() if k in USER_VISIBLE_EXTRA_SPECS}


def type_body(
    volume_type: VolumeType, is_admin: bool, access_attribute: bool = True, read: bool = False
) -> JsonDict:
    """A type as Cinder's views show it, extra specs filtered for users who are not admins.
    Cinder's answer to an update has no `os-volume-type-access` attribute (its type-access
    extension adds it to the other answers only); its reads (GET /types, /types/{id}) show
    admins the QoS specs id, its create and update answers never do (Tempest's schemas of
    those refuse it)."""
    body = {
        "id": volume_type.id,
        "name": volume_type.name,
        "description": volume_type.description,
        "is_public": volume_type.is_public,
        "os-volume-type-access:is_public": volume_type.is_public,
        "extra_specs": visible_extra_specs(volume_type, is_admin),
    }
    if not access_attribute:
        del body["os-volume-type-access:is_public"]
    if read and is_admin:
        body["qos_specs_id"] = volume_type.qos_specs_id
    return body


def visible_types(identity: KeystoneIdentity, is_public: str | None = None) -> list[VolumeType]:
    """Cinder's rule: users see public types and the private ones their project was given;
    admins see public ones by default, and private ones too with is_public=None (or only
    private ones with is_public=false)."""
    types = VolumeType.objects.all()
    if not identity.is_admin:
        given = Q(is_public=True) | Q(access__project_id=identity.project_id)
        return list(types.filter(given).distinct())
    wanted = (is_public or "true").lower()
    if wanted == "none":
        return list(types)
    return list(types.filter(is_public=wanted not in {"false", "0", "no"}))


def find_type(ref: str, identity: KeystoneIdentity) -> VolumeType | None:
    """A type of the top region by id or name (None: not Tricircle's; the pods may know it)."""
    found = VolumeType.objects.filter(id=ref).first() or VolumeType.objects.filter(name=ref).first()
    if found is None or found.is_public or identity.is_admin:
        return found
    return found if found.access.filter(project_id=identity.project_id).exists() else None


def get_type(ref: str, identity: KeystoneIdentity) -> VolumeType:
    found = find_type(ref, identity)
    if found is None:
        raise NotFound(f"Volume type {ref} could not be found.")
    return found


def create_type(body: object) -> VolumeType:
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
        raise BadRequest('The request body must be {"volume_type": {"name": ...}}.')
    specs = body.get("extra_specs") or {}
    if not isinstance(specs, dict):
        raise BadRequest("extra_specs must be an object.")
    is_public = body.get("os-volume-type-access:is_public", body.get("is_public", True))
    try:
        with transaction.atomic():  # a duplicate name must not break the caller's transaction
            return VolumeType.objects.create(
                id=str(uuid.uuid4()),
                name=body["name"],
                description=body.get("description"),
                is_public=_boolean(is_public),
                extra_specs={str(key): str(value) for key, value in specs.items()},
            )
    except IntegrityError as exc:
        raise Conflict(f"Volume Type {body['name']} already exists.") from exc


def update_type(volume_type: VolumeType, body: object) -> VolumeType:
    if not isinstance(body, dict):
        raise BadRequest('The request body must be {"volume_type": {...}}.')
    if body.get("name"):
        if VolumeType.objects.filter(name=body["name"]).exclude(id=volume_type.id).exists():
            raise Conflict(f"Volume Type {body['name']} already exists.")
        volume_type.name = body["name"]
    if "description" in body:
        volume_type.description = body["description"]
    if "is_public" in body:
        volume_type.is_public = _boolean(body["is_public"])
    volume_type.save()
    return volume_type


def _boolean(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "on"}
    return bool(value)


def set_extra_specs(volume_type: VolumeType, specs: object) -> dict[str, str]:
    if not isinstance(specs, dict) or not specs:
        raise BadRequest('The request body must be {"extra_specs": {key: value, ...}}.')
    specs = {str(key): str(value) for key, value in specs.items()}
    volume_type.extra_specs = {**volume_type.extra_specs, **specs}
    volume_type.save(update_fields=["extra_specs", "updated_at"])
    _push_to_pods(
        volume_type,
        lambda api, bottom: api.request(
            "POST", f"/types/{bottom}/extra_specs", {"extra_specs": specs}
        ),
    )
    return specs


def unset_extra_spec(volume_type: VolumeType, key: str) -> None:
    if key not in volume_type.extra_specs:
        raise NotFound(f"Volume Type {volume_type.id} has no extra specs with key {key}.")
    volume_type.extra_specs = {k: v for k, v in volume_type.extra_specs.items() if k != key}
    volume_type.save(update_fields=["extra_specs", "updated_at"])
    _push_to_pods(
        volume_type, lambda api, bottom: api.request("DELETE", f"/types/{bottom}/extra_specs/{key}")
    )


def delete_type(volume_type: VolumeType) -> None:
    """Deletes the top type and, where Cinder lets it (no volume uses it), its pod copies."""
    for routing in _copies(volume_type):
        try:
            response = cinder(routing.pod).request("DELETE", f"/types/{routing.bottom_id}")
        except ServiceUnavailable as exc:  # the copy stays, as one a pod refuses to delete
            LOG.warning("volume type %s stays in %s: %s", volume_type.name, routing.pod, exc)
            continue
        if response.status_code < 300 or response.status_code == 404:
            routing.delete()
        else:
            LOG.warning(
                "volume type %s stays in %s (HTTP %s); its volumes still use it",
                volume_type.name,
                routing.pod.region_name,
                response.status_code,
            )
    volume_type.delete()


def type_access(volume_type: VolumeType) -> list[JsonDict]:
    if volume_type.is_public:
        raise NotFound("Access list not available for public volume types.")
    return [
        {"volume_type_id": volume_type.id, "project_id": project_id}
        for project_id in volume_type.access.values_list("project_id", flat=True)
    ]


def add_access(volume_type: VolumeType, project_id: object) -> None:
    """Lets the project use the private type; the pods' copies let it when it first makes a
    volume of that type there (ensure_type_in_pod)."""
    if volume_type.is_public:
        raise Conflict("Type access modification is not applicable to public volume type.")
    if not isinstance(project_id, str) or not project_id:
        raise BadRequest("project is required.")
    _, created = VolumeTypeAccess.objects.get_or_create(
        volume_type=volume_type, project_id=project_id
    )
    if not created:
        raise Conflict(
            f"Volume type access for {volume_type.id}/{project_id} combination already exists."
        )


def remove_access(volume_type: VolumeType, project_id: object) -> None:
    if volume_type.is_public:
        raise Conflict("Type access modification is not applicable to public volume type.")
    if not isinstance(project_id, str) or not project_id:
        raise BadRequest("project is required.")
    deleted, _ = VolumeTypeAccess.objects.filter(
        volume_type=volume_type, project_id=project_id
    ).delete()
    if not deleted:
        raise NotFound(
            f"Volume type access not found for {volume_type.id}/{project_id} combination."
        )
    _push_to_pods(
        volume_type,
        lambda api, bottom: api.request(
            "POST", f"/types/{bottom}/action", {"removeProjectAccess": {"project": project_id}}
        ),
    )


def _copies(volume_type: VolumeType) -> list[ResourceRouting]:
    return copies_of(volume_type.id, ResourceType.VOLUME_TYPE)


def _push_to_pods(
    volume_type: VolumeType, change: Callable[[CinderClient, str], requests.Response]
) -> None:
    """Keeps the pods' copies (extra specs, access) as the top's; a pod that refuses (a type in
    use may not change there) keeps its old copy, which the log says."""
    for routing in _copies(volume_type):
        push_to_copy(routing, f"change of volume type {volume_type.name}", change)


def ensure_type_in_pod(pod: Pod, volume_type: VolumeType, project_id: str) -> str:
    """The pod's copy of the type (same name, same extra specs, its QoS specs), made with the
    service account at most once however many creates race (routing.services.ensure_bottom)."""
    api = cinder(pod)

    def check(response: requests.Response, what: str) -> JsonDict:
        status = response.status_code
        if status >= 300:
            text = response.text[:300]
            raise ServiceUnavailable(
                f"Cinder of {pod.region_name} refused to {what} volume type "
                f"{volume_type.name}: HTTP {status} {text}"
            )
        return response.json() if status != 204 else {}

    def adopt() -> str | None:
        listed = check(api.request("GET", "/types", params={"is_public": "None"}), "list")
        for candidate in listed.get("volume_types", []):
            if candidate["name"] == volume_type.name:
                if volume_type.extra_specs:
                    check(
                        api.request(
                            "POST",
                            f"/types/{candidate['id']}/extra_specs",
                            {"extra_specs": volume_type.extra_specs},
                        ),
                        "set the extra specs of",
                    )
                qos_specs.give_to_type_copy(pod, volume_type, candidate["id"], project_id)
                return json_str(candidate["id"])
        return None

    def create() -> str:
        body = {
            "volume_type": {
                "name": volume_type.name,
                "description": volume_type.description,
                "os-volume-type-access:is_public": volume_type.is_public,
                "extra_specs": volume_type.extra_specs,
            }
        }
        made = json_str(check(api.request("POST", "/types", body), "create")["volume_type"]["id"])
        if volume_type.encryption:
            spec = {k: v for k, v in volume_type.encryption.items() if k in ENCRYPTION_FIELDS}
            check(
                api.request("POST", f"/types/{made}/encryption", {"encryption": spec}),
                "set the encryption of",
            )
        qos_specs.give_to_type_copy(pod, volume_type, made, project_id)
        return made

    bottom_id = ensure_bottom(
        volume_type.id, pod, ResourceType.VOLUME_TYPE, project_id, create, adopt
    )
    if not volume_type.is_public:
        _grant_in_pod(pod, volume_type, bottom_id, project_id)
    return bottom_id


def _grant_in_pod(pod: Pod, volume_type: VolumeType, bottom_id: str, project_id: str) -> None:
    """Tricircle decided the project may use the private type; the pod's copy must let it too
    (a second grant is a 409 there, which is fine)."""
    grant = {"addProjectAccess": {"project": project_id}}
    try:
        cinder(pod).request("POST", f"/types/{bottom_id}/action", grant)
    except ServiceUnavailable as exc:
        LOG.warning("access to %s not given in %s: %s", volume_type.name, pod, exc)


# --- volume type encryption --------------------------------------------------------------------
ENCRYPTION_FIELDS = ("provider", "cipher", "key_size", "control_location")
CONTROL_LOCATIONS = ("front-end", "back-end")


def valid_encryption(given: object, creating: bool) -> JsonDict:
    """Encryption specs as Cinder's schema takes them (provider and control location needed
    to create)."""
    if not isinstance(given, dict):
        raise BadRequest('The request body must be {"encryption": {...}}.')
    spec = {key: given[key] for key in ENCRYPTION_FIELDS if key in given}
    if creating and not {"provider", "control_location"} <= set(spec):
        raise BadRequest("Encryption specs need a provider and a control_location.")
    if "control_location" in spec and spec["control_location"] not in CONTROL_LOCATIONS:
        raise BadRequest(f"control_location must be one of {', '.join(CONTROL_LOCATIONS)}.")
    for key in ("provider", "cipher"):
        value = spec.get(key)
        if key in spec and not (value is None and key == "cipher") and not _short_text(value):
            raise BadRequest(f"Invalid input for field/attribute {key}.")
    if spec.get("key_size") is not None:
        spec["key_size"] = whole_number(spec["key_size"], "key_size")
    return spec


def _short_text(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 255


def encryption_specs(volume_type: VolumeType) -> JsonDict:
    """GET /types/{id}/encryption: the specs as Cinder's index shows them, {} when none."""
    if not volume_type.encryption:
        return {}
    return {
        "volume_type_id": volume_type.id,
        "deleted": False,
        "deleted_at": None,
        "updated_at": None,
        **volume_type.encryption,
    }


def set_encryption(volume_type: VolumeType, given: object, creating: bool) -> JsonDict:
    """Creates or updates the type's encryption at the top and in the pods' copies first (a
    pod refuses while one of its volumes uses the type: then nothing changes)."""
    spec = valid_encryption(given, creating)
    if creating and volume_type.encryption:
        raise BadRequest(f"Volume type encryption for type {volume_type.id} already exists.")
    if not creating and not volume_type.encryption:
        raise NotFound(f"Volume type encryption for type {volume_type.id} does not exist.")
    for routing in _copies(volume_type):
        path = f"/types/{routing.bottom_id}/encryption"
        if creating:
            _changed_in_pod(routing.pod, "POST", path, {"encryption": spec})
        else:  # Cinder changes the type's encryption whatever id the path names
            path += f"/{volume_type.encryption['encryption_id']}"
            _changed_in_pod(routing.pod, "PUT", path, {"encryption": spec})
    current = {} if creating else dict(volume_type.encryption)
    volume_type.encryption = {
        **current,
        **spec,
        "encryption_id": current.get("encryption_id") or str(uuid.uuid4()),
        "created_at": current.get("created_at") or timezone.now().isoformat(),
    }
    volume_type.save(update_fields=["encryption", "updated_at"])
    if creating:  # Cinder's create answers with the ids it added to the specs
        encryption_id = volume_type.encryption["encryption_id"]
        return {**spec, "volume_type_id": volume_type.id, "encryption_id": encryption_id}
    return spec


def delete_encryption(volume_type: VolumeType) -> None:
    if not volume_type.encryption:
        raise NotFound(f"Volume type encryption for type {volume_type.id} does not exist.")
    for routing in _copies(volume_type):
        path = f"/types/{routing.bottom_id}/encryption/{volume_type.encryption['encryption_id']}"
        _changed_in_pod(routing.pod, "DELETE", path)
    volume_type.encryption = {}
    volume_type.save(update_fields=["encryption", "updated_at"])


def _changed_in_pod(pod: Pod, method: str, path: str, body: JsonDict | None = None) -> None:
    """A change to a pod's copy; the pod's refusal is the user's answer (a 400 while a volume
    of the type exists there), a copy already gone is no refusal; a pod that fails is
    unavailable (pods.clients)."""
    try:
        if method == "DELETE":
            cinder(pod).delete(path)
        else:
            cinder(pod).call(method, path, body)
    except ServiceError as exc:
        raise BadRequest(f"{pod.region_name}: {exc.service_message}") from exc


# --- types named by creates and quota changes ------------------------------------------------
# Quotas a volume type can have a limit of its own for: `volumes_<type name>`...
PER_TYPE_QUOTAS = frozenset({"volumes", "snapshots", "gigabytes"})


def type_in_pod(caller: KeystoneIdentity, pod: Pod, ref: str) -> str:
    """The name a volume's create or retype gives the pod: Tricircle's type is made there (by
    name); another name is the pod's business."""
    found = find_type(ref, caller)
    if found is None:
        return ref
    ensure_type_in_pod(pod, found, caller.project_id)
    return found.name


def make_types_of_limits(
    caller: KeystoneIdentity, given: object, pods: list[Pod], rule: str
) -> None:
    """Per-type limits (`volumes_<type>`...) name Tricircle's types, which the pods only have
    once a volume of the type was made there: made in every pod before the pods take the
    limits. Only for who may make the change (`rule`; the pods refuse the change of others,
    nothing is made for it)."""
    if not policy.allowed(caller, rule) or not isinstance(given, dict):
        return
    names = {
        key.split("_", 1)[1]
        for key in given
        if "_" in key and key.split("_", 1)[0] in PER_TYPE_QUOTAS
    }
    for name in sorted(names):
        found = find_type(name, caller)
        if found is not None:
            for pod in pods:
                ensure_type_in_pod(pod, found, caller.project_id)
