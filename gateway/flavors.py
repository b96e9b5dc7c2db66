"""Flavors and key pairs are global: Tricircle keeps them and copies one into a pod the first
time a server there uses it (same id, name and specs; key pairs for the same user), and keeps
the copies in step through the flavor_sync job."""

from __future__ import annotations

import base64
import hashlib
import math
import string
import uuid
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from gateway.compute import POD_ADMIN_VERSION, nova_call
from gateway.models import Flavor, FlavorAccess, KeyPair
from gateway.numbers import MAX_INT, whole_number
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import ensure_bottom
from tricircle_site import metrics
from tricircle_site.exceptions import BadRequest, Conflict, Forbidden, NotFound
from tricircle_site.jsontypes import JsonDict

# Key pairs of another user need 2.10 in the pod's Nova.
KEYPAIR_VERSION = "2.10"


# --- flavors ---------------------------------------------------------------------------------
def visible_flavors(project_id: str, is_admin: bool, is_public: str | None) -> QuerySet[Flavor]:
    """Nova's rules: public flavors and those the project was given; admins may ask for the
    private ones (is_public=false) or all (is_public=none)."""
    mine = Flavor.objects.filter(Q(is_public=True) | Q(access__project_id=project_id)).distinct()
    if not is_admin or is_public is None or is_public.lower() in {"true", "t", "1", "yes"}:
        return mine
    if is_public.lower() == "none":
        return Flavor.objects.all()
    return Flavor.objects.filter(is_public=False)


def get_flavor(flavor_id: str, project_id: str, is_admin: bool) -> Flavor:
    flavor = Flavor.objects.filter(pk=flavor_id).first()
    if flavor is None or not (
        is_admin or flavor.is_public or flavor.access.filter(project_id=project_id).exists()
    ):
        raise NotFound(f"Flavor {flavor_id} could not be found.")
    return flavor


def _number(data: JsonDict, name: str, default: Any = None, minimum: float = 0) -> Any:
    value = data.get(name, default)
    if value is None or value == "":
        if default is None:
            raise BadRequest(f"Invalid input for field/attribute flavor: '{name}' is required.")
        return default
    if name != "rxtx_factor":
        return whole_number(value, name, minimum=int(minimum))
    try:
        number = float(value)  # anything else is refused below
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid input for field/attribute {name}: {value!r}.") from exc
    if not math.isfinite(number) or number > MAX_INT:
        raise BadRequest(f"Invalid input for field/attribute {name}: {value!r}.")
    if number < minimum:
        raise BadRequest(f"Invalid input for field/attribute {name}: must be >= {minimum}.")
    return number


# The booleans Nova's API schemas take (parameter_types.boolean).
TRUE_WORDS = frozenset({"True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes"})
FALSE_WORDS = frozenset({"False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"})


def api_boolean(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in TRUE_WORDS | FALSE_WORDS:
        return value in TRUE_WORDS
    raise BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}.")


def create_flavor(data: Any) -> Flavor:
    if not isinstance(data, dict):
        raise BadRequest('The request body must be {"flavor": {...}}.')
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise BadRequest("Invalid input for field/attribute name.")
    flavor_id = data.get("id")
    if flavor_id in (None, "", "auto"):
        flavor_id = str(uuid.uuid4())
    is_public = api_boolean(
        data.get("os-flavor-access:is_public", True), "os-flavor-access:is_public"
    )
    try:
        with transaction.atomic():
            return Flavor.objects.create(
                id=str(flavor_id),
                name=name.strip(),
                ram=_number(data, "ram", minimum=1),
                vcpus=_number(data, "vcpus", minimum=1),
                disk=_number(data, "disk", minimum=0),
                ephemeral=_number(data, "OS-FLV-EXT-DATA:ephemeral", 0),
                swap=_number(data, "swap", 0),
                rxtx_factor=_number(data, "rxtx_factor", 1.0, minimum=0.01),
                is_public=is_public,
                description=data.get("description"),
            )
    except IntegrityError as exc:
        raise Conflict(f"Flavor with name {name} or ID {flavor_id} already exists.") from exc


def flavor_body(flavor: Flavor, base_url: str, version: tuple[int, int], detail: bool) -> JsonDict:
    links = [{"rel": "self", "href": f"{base_url}/flavors/{flavor.id}"}]
    body: dict[str, Any] = {"id": flavor.id, "name": flavor.name, "links": links}
    if version >= (2, 55):
        body["description"] = flavor.description
    if not detail:
        return body
    body.update(
        {
            "ram": flavor.ram,
            "vcpus": flavor.vcpus,
            "disk": flavor.disk,
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
            "OS-FLV-DISABLED:disabled": False,
            "swap": flavor.swap or "" if version < (2, 75) else flavor.swap,
            "rxtx_factor": flavor.rxtx_factor,
            "os-flavor-access:is_public": flavor.is_public,
        }
    )
    if version >= (2, 61):
        body["extra_specs"] = flavor.extra_specs
    return body


def set_extra_specs(flavor: Flavor, specs: object) -> dict[str, str]:
    if not isinstance(specs, dict) or not all(
        isinstance(key, str) and isinstance(value, str | int | float | bool)
        for key, value in specs.items()
    ):
        raise BadRequest("extra_specs must map names to values.")
    merged: dict[str, str] = {**flavor.extra_specs, **{k: str(v) for k, v in specs.items()}}
    flavor.extra_specs = merged
    flavor.save(update_fields=["extra_specs", "updated_at"])
    return merged


def unset_extra_spec(flavor: Flavor, key: str) -> None:
    if key not in flavor.extra_specs:
        raise NotFound(f"Flavor {flavor.id} has no extra specs with key {key}.")
    del flavor.extra_specs[key]
    flavor.save(update_fields=["extra_specs", "updated_at"])


def add_access(flavor: Flavor, project_id: object) -> None:
    if flavor.is_public:
        raise Conflict("Can not add access to a public flavor.")
    if not isinstance(project_id, str) or not project_id:
        raise BadRequest("tenant is required.")
    _, created = FlavorAccess.objects.get_or_create(flavor=flavor, project_id=project_id)
    if not created:
        raise Conflict(
            f"Flavor access already exists for flavor {flavor.id} and project "
            f"{project_id} combination."
        )


def remove_access(flavor: Flavor, project_id: object) -> None:
    if not isinstance(project_id, str) or not project_id:
        raise BadRequest("tenant is required.")
    deleted, _ = FlavorAccess.objects.filter(flavor=flavor, project_id=project_id).delete()
    if not deleted:
        raise NotFound(f"Flavor access not found for {flavor.id} / {project_id} combination.")


def ensure_flavor_in_pod(pod: Pod, flavor: Flavor, project_id: str) -> None:
    """The flavor exists in the pod under the same id (created there on first use)."""

    def create() -> str:
        found = nova_call(pod, "GET", f"/flavors/{flavor.id}", POD_ADMIN_VERSION)
        if found.status_code == 404:
            body = {
                "flavor": {
                    "id": flavor.id,
                    "name": flavor.name,
                    "ram": flavor.ram,
                    "vcpus": flavor.vcpus,
                    "disk": flavor.disk,
                    "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
                    "swap": flavor.swap,
                    "rxtx_factor": flavor.rxtx_factor,
                    "os-flavor-access:is_public": flavor.is_public,
                    "description": flavor.description,
                }
            }
            made = nova_call(pod, "POST", "/flavors", POD_ADMIN_VERSION, json=body)
            if made.status_code >= 400:
                raise Conflict(
                    f"Flavor {flavor.name} cannot be made in {pod.region_name}: {made.text[:200]}"
                )
        return flavor.id

    ensure_bottom(flavor.id, pod, ResourceType.FLAVOR, project_id, create, lambda: None)
    sync_flavor_copy(pod, flavor, project_id)


def sync_flavor_copy(pod: Pod, flavor: Flavor, project_id: str | None = None) -> None:
    """Extra specs and access of the pod's copy equal the top's."""
    current = nova_call(pod, "GET", f"/flavors/{flavor.id}/os-extra_specs", POD_ADMIN_VERSION)
    present = current.json().get("extra_specs", {}) if current.status_code < 300 else {}
    for key in set(present) - set(flavor.extra_specs):
        nova_call(pod, "DELETE", f"/flavors/{flavor.id}/os-extra_specs/{key}", POD_ADMIN_VERSION)
    if flavor.extra_specs and present != flavor.extra_specs:
        nova_call(
            pod,
            "POST",
            f"/flavors/{flavor.id}/os-extra_specs",
            POD_ADMIN_VERSION,
            json={"extra_specs": flavor.extra_specs},
        )
    if not flavor.is_public:
        for access in flavor.access.all():
            # 409 (already there) is the converged state.
            nova_call(
                pod,
                "POST",
                f"/flavors/{flavor.id}/action",
                POD_ADMIN_VERSION,
                json={"addTenantAccess": {"tenant": access.project_id}},
            )


def sync_flavor(flavor_id: str) -> None:
    """The flavor_sync job: copies in step with the top, or removed when the top's is gone."""
    flavor = Flavor.objects.filter(pk=flavor_id).first()
    for routing in ResourceRouting.objects.select_related("pod").filter(
        top_id=flavor_id, resource_type=ResourceType.FLAVOR
    ):
        if flavor is None:
            nova_call(routing.pod, "DELETE", f"/flavors/{flavor_id}", POD_ADMIN_VERSION)
            routing.delete()
        else:
            sync_flavor_copy(routing.pod, flavor)


# --- key pairs -------------------------------------------------------------------------------
# The characters Nova allows in a key pair's name, before and from microversion 2.92.
KEYPAIR_NAME_CHARACTERS = "_- " + string.digits + string.ascii_letters
KEYPAIR_NAME_CHARACTERS_292 = "@." + KEYPAIR_NAME_CHARACTERS


def validate_keypair_name(name: object, version: tuple[int, int]) -> str:
    if not isinstance(name, str) or not 0 < len(name) < 256:
        raise BadRequest(
            "Keypair data is invalid: Keypair name must be string and between 1 and 255 "
            "characters long"
        )
    allowed = KEYPAIR_NAME_CHARACTERS_292 if version >= (2, 92) else KEYPAIR_NAME_CHARACTERS
    if any(character not in allowed for character in name):
        raise BadRequest(
            f"Invalid input for field/attribute name. Value: {name}. "
            f"Only expected characters: [{allowed}]"
        )
    return name


def fingerprint_of(public_key: str) -> str:
    """Nova's fingerprint (MD5 of the key blob) of a public key that OpenSSH would load."""
    invalid = BadRequest("Keypair data is invalid: failed to generate fingerprint")
    try:
        serialization.load_ssh_public_key(public_key.strip().encode())
        blob = base64.b64decode(public_key.split()[1])
    except (IndexError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise invalid from exc
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def create_keypair(
    user_id: str, data: Any, version: tuple[int, int], limit: int = -1
) -> tuple[KeyPair, str | None]:
    """A new key pair; Nova before 2.92 generates one when no public key is given (the private
    key is returned once and never kept). `limit`: the user's key pairs at most (-1: none)."""
    if not isinstance(data, dict) or "name" not in data:
        raise BadRequest("Invalid input for field/attribute keypair: 'name' is required.")
    name = validate_keypair_name(data["name"], version)
    public_key, private_key = data.get("public_key"), None
    if public_key is not None and not isinstance(public_key, str):
        raise BadRequest("Keypair data is invalid: failed to generate fingerprint")
    if limit >= 0 and KeyPair.objects.filter(user_id=user_id).count() >= limit:
        metrics.CREATE_REFUSALS.labels("quota").inc()
        raise Forbidden("Quota exceeded, too many key pairs.")
    if public_key is None:
        if version >= (2, 92):
            raise BadRequest("Invalid input for field/attribute keypair: public_key is required.")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        public_key = (
            key.public_key()
            .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
            .decode()
            + " Generated-by-Tricircle"
        )
    try:
        with transaction.atomic():
            keypair = KeyPair.objects.create(
                user_id=user_id,
                name=name,
                public_key=public_key,
                fingerprint=fingerprint_of(public_key),
                type=data.get("type", "ssh"),
            )
    except IntegrityError as exc:
        raise Conflict(f"Key pair '{name}' already exists.") from exc
    return keypair, private_key


def get_keypair(user_id: str, name: str) -> KeyPair:
    keypair = KeyPair.objects.filter(user_id=user_id, name=name).first()
    if keypair is None:
        raise NotFound(f"Keypair {name} not found for user {user_id}")
    return keypair


def keypair_body(keypair: KeyPair, detail: bool, version: tuple[int, int]) -> JsonDict:
    """Nova's shape for the microversion: `type` from 2.2; the show answer has the record's
    fields (clients validate them strictly)."""
    body: dict[str, Any] = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }
    if version >= (2, 2):
        body["type"] = keypair.type
    if detail:
        body.update(
            user_id=keypair.user_id,
            created_at=keypair.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            updated_at=None,
            deleted=False,
            deleted_at=None,
            id=keypair.pk,
        )
    return body


def keypair_routing_id(user_id: str, name: str) -> str:
    return f"{user_id}/{name}"


def ensure_keypair_in_pod(pod: Pod, keypair: KeyPair, project_id: str) -> None:
    def create() -> str:
        body = {
            "keypair": {
                "name": keypair.name,
                "public_key": keypair.public_key,
                "type": keypair.type,
                "user_id": keypair.user_id,
            }
        }
        made = nova_call(pod, "POST", "/os-keypairs", KEYPAIR_VERSION, json=body)
        if made.status_code >= 400 and made.status_code != 409:
            raise Conflict(
                f"Key pair {keypair.name} cannot be made in {pod.region_name}: {made.text[:200]}"
            )
        return keypair.name

    ensure_bottom(
        keypair_routing_id(keypair.user_id, keypair.name),
        pod,
        ResourceType.KEYPAIR,
        project_id,
        create,
        lambda: None,
    )


def delete_keypair_copies(user_id: str, name: str) -> None:
    for routing in ResourceRouting.objects.select_related("pod").filter(
        top_id=keypair_routing_id(user_id, name), resource_type=ResourceType.KEYPAIR
    ):
        nova_call(
            routing.pod,
            "DELETE",
            f"/os-keypairs/{name}",
            KEYPAIR_VERSION,
            params={"user_id": user_id},
        )
        routing.delete()
