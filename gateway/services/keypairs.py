"""Key pairs are global: Tricircle keeps a user's key pairs and copies one into a pod (for the
same user) the first time a server there uses it; a deleted key pair's copies go with the
keypair_cleanup job."""

from __future__ import annotations

import base64
import hashlib
import string
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction

from gateway import policy
from gateway.job_names import KEYPAIR_CLEANUP
from gateway.models import KeyPair
from jobs.services import request_job
from pods.clients import NovaClient, nova
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import ensure_bottom
from tricircle_site import metrics
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, Conflict, Forbidden, NotFound

# Key pairs of another user need 2.10 in the pod's Nova.
KEYPAIR_VERSION = "2.10"
# Nova's policy rules of key pair calls: the user's own, or an admin's (gateway.policy).
POLICY_ROOT = "os_compute_api:os-keypairs:"
# The job that removes a deleted key pair's copies from the pods (gateway.job_types).

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
        made = keypair_nova(pod).request("POST", "/os-keypairs", body)
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
        keypair_nova(routing.pod).request(
            "DELETE", f"/os-keypairs/{name}", params={"user_id": user_id}
        )
        routing.delete()


def keypair_nova(pod: Pod) -> NovaClient:
    return nova(pod, KEYPAIR_VERSION)


def owner_of_call(caller: KeystoneIdentity, user_id: str | None, action: str) -> str:
    """The user whose key pairs a call is about: the caller's, or the one named, where the
    policy of the action (index, create, show, delete) lets the caller act for them."""
    if user_id and user_id != caller.user_id:
        policy.authorize(caller, f"{POLICY_ROOT}{action}", user_id)
        return user_id
    return caller.user_id


def keypairs_of(user_id: str) -> list[KeyPair]:
    return list(KeyPair.objects.filter(user_id=user_id).order_by("name"))


def delete_keypair(caller: KeystoneIdentity, user_id: str, name: str) -> None:
    """The key pair goes, and its copies in the pods after it (keypair_cleanup)."""
    get_keypair(user_id, name).delete()
    request_job(KEYPAIR_CLEANUP, caller.project_id, {"user_id": user_id, "name": name})


def keypair_in_pod(caller: KeystoneIdentity, name: str, pod: Pod) -> None:
    """The caller's key pair a boot or a rebuild names, made to exist in the pod."""
    try:
        keypair = get_keypair(caller.user_id, name)
    except NotFound as exc:
        raise BadRequest(f"Invalid key_name provided: {name}.") from exc
    ensure_keypair_in_pod(pod, keypair, caller.project_id)
