"""Flavors are global: Tricircle keeps them and copies one into a pod the first time a server
there uses it (same id, name and specs), and keeps the copies in step through the flavor_sync
job."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from gateway import schema
from gateway.job_names import FLAVOR_SYNC
from gateway.models import Flavor, FlavorAccess
from gateway.numbers import MAX_INT, whole_number
from gateway.services.servers import POD_ADMIN_VERSION
from jobs.services import request_job
from pods.clients import NovaClient, nova
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import ensure_bottom
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, Conflict, NotFound
from tricircle_site.jsontypes import JsonDict

MAX_LIMIT = 1000  # Nova's [api] max_limit: no page is longer, whatever the limit asked
# The orders Nova lists flavors in: its sort keys, and the field each is.
FLAVOR_SORT_KEYS = {
    "flavorid": "id",
    "id": "id",
    "name": "name",
    "memory_mb": "ram",
    "ram": "ram",
    "vcpus": "vcpus",
    "root_gb": "disk",
    "disk": "disk",
    "created_at": "created_at",
    "swap": "swap",
    "rxtx_factor": "rxtx_factor",
}


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


def create_flavor(data: Any) -> Flavor:
    if not isinstance(data, dict):
        raise BadRequest('The request body must be {"flavor": {...}}.')
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise BadRequest("Invalid input for field/attribute name.")
    flavor_id = data.get("id")
    if flavor_id in (None, "", "auto"):
        flavor_id = str(uuid.uuid4())
    is_public = schema.nova_boolean(
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
        found = pod_nova(pod).request("GET", f"/flavors/{flavor.id}")
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
            made = pod_nova(pod).request("POST", "/flavors", body)
            if made.status_code >= 400:
                raise Conflict(
                    f"Flavor {flavor.name} cannot be made in {pod.region_name}: {made.text[:200]}"
                )
        return flavor.id

    ensure_bottom(flavor.id, pod, ResourceType.FLAVOR, project_id, create, lambda: None)
    sync_flavor_copy(pod, flavor, project_id)


def sync_flavor_copy(pod: Pod, flavor: Flavor, project_id: str | None = None) -> None:
    """Extra specs and access of the pod's copy equal the top's."""
    client = pod_nova(pod)
    current = client.request("GET", f"/flavors/{flavor.id}/os-extra_specs")
    present = current.json().get("extra_specs", {}) if current.status_code < 300 else {}
    for key in set(present) - set(flavor.extra_specs):
        client.request("DELETE", f"/flavors/{flavor.id}/os-extra_specs/{key}")
    if flavor.extra_specs and present != flavor.extra_specs:
        client.request(
            "POST", f"/flavors/{flavor.id}/os-extra_specs", {"extra_specs": flavor.extra_specs}
        )
    if not flavor.is_public:
        for access in flavor.access.all():
            # 409 (already there) is the converged state.
            client.request(
                "POST",
                f"/flavors/{flavor.id}/action",
                {"addTenantAccess": {"tenant": access.project_id}},
            )


def sync_flavor(flavor_id: str) -> None:
    """The flavor_sync job: copies in step with the top, or removed when the top's is gone."""
    flavor = Flavor.objects.filter(pk=flavor_id).first()
    for routing in ResourceRouting.objects.select_related("pod").filter(
        top_id=flavor_id, resource_type=ResourceType.FLAVOR
    ):
        if flavor is None:
            pod_nova(routing.pod).request("DELETE", f"/flavors/{flavor_id}")
            routing.delete()
        else:
            sync_flavor_copy(routing.pod, flavor)


def pod_nova(pod: Pod) -> NovaClient:
    return nova(pod, POD_ADMIN_VERSION)


# --- the API's calls ---------------------------------------------------------------------------
def request_sync(caller: KeystoneIdentity, flavor_id: str) -> None:
    """The pods' copies of the flavor follow its change (the flavor_sync job)."""
    request_job(FLAVOR_SYNC, caller.project_id, {"flavor_id": flavor_id})


@dataclass(frozen=True)
class FlavorQuery:
    """What a flavor list asks for (Nova's query parameters)."""

    is_public: str | None = None
    min_ram: str | None = None
    min_disk: str | None = None
    sort_key: str = "flavorid"
    descending: bool = False
    marker: str | None = None
    limit: str | None = None


def flavor_page(caller: KeystoneIdentity, query: FlavorQuery) -> tuple[list[Flavor], bool]:
    """The flavors a list shows the caller, and whether more follow them."""
    rows = visible_flavors(caller.project_id, caller.is_admin, query.is_public)
    for given, param, field in (
        (query.min_ram, "minRam", "ram__gte"),
        (query.min_disk, "minDisk", "disk__gte"),
    ):
        if given:
            try:
                rows = rows.filter(**{field: whole_number(given, param)})
            except BadRequest as exc:
                raise BadRequest(f"Invalid {param} filter [{given}]") from exc
    if query.sort_key not in FLAVOR_SORT_KEYS:
        raise BadRequest(f"Invalid sort_key {query.sort_key}.")
    field = FLAVOR_SORT_KEYS[query.sort_key]
    flavors: list[Flavor] = list(rows.order_by(f"-{field}" if query.descending else field, "id"))
    if query.marker:
        ids = [flavor.id for flavor in flavors]
        if query.marker not in ids:
            raise BadRequest(f"marker [{query.marker}] not found")
        flavors = flavors[ids.index(query.marker) + 1 :]
    limit = MAX_LIMIT
    if query.limit:
        if not query.limit.isdigit():
            raise BadRequest("limit must be an integer.")
        limit = min(int(query.limit), MAX_LIMIT)
    if len(flavors) > limit:
        # A page of none (limit=0) is Nova's empty list, with no link to a next one.
        return flavors[:limit], limit > 0
    return flavors, False


def delete_flavor(caller: KeystoneIdentity, flavor: Flavor) -> None:
    flavor_id = flavor.id
    flavor.delete()
    request_sync(caller, flavor_id)


def update_description(flavor: Flavor, data: object) -> Flavor:
    """Nova changes a flavor's description only."""
    if not isinstance(data, dict) or set(data) != {"description"}:
        raise BadRequest("Only the description of a flavor can be changed.")
    flavor.description = data["description"]
    flavor.save(update_fields=["description", "updated_at"])
    return flavor


def access_list(flavor: Flavor) -> list[JsonDict]:
    if flavor.is_public:
        raise NotFound("Access list not available for public flavors.")
    return [{"flavor_id": flavor.id, "tenant_id": row.project_id} for row in flavor.access.all()]


UNKNOWN_ACTION = "Unknown flavor action."


def flavor_action(caller: KeystoneIdentity, flavor: Flavor, action: JsonDict) -> None:
    """addTenantAccess / removeTenantAccess; the pods' copies follow."""
    if "addTenantAccess" in action:
        add_access(flavor, _tenant_of(action["addTenantAccess"]))
    elif "removeTenantAccess" in action:
        remove_access(flavor, _tenant_of(action["removeTenantAccess"]))
    else:
        raise BadRequest(UNKNOWN_ACTION)
    request_sync(caller, flavor.id)


def _tenant_of(access: object) -> object:
    """The `tenant` of a flavor access action; anything but an object names none (a 400)."""
    return access.get("tenant") if isinstance(access, dict) else None


def top_flavor(caller: KeystoneIdentity, flavor_ref: object) -> Flavor:
    """The Tricircle flavor a boot or a resize names (an id or a link)."""
    flavor_id = str(flavor_ref or "").rstrip("/").rsplit("/", 1)[-1]
    if not flavor_id:
        raise BadRequest("Invalid input for field/attribute flavorRef.")
    try:
        return get_flavor(flavor_id, caller.project_id, caller.is_admin)
    except NotFound as exc:
        raise BadRequest(f"Flavor {flavor_id} could not be found.") from exc


def flavor_in_pod(caller: KeystoneIdentity, flavor_ref: object, pod: Pod) -> Flavor:
    """The flavor a boot or a resize names, made to exist in the pod."""
    flavor = top_flavor(caller, flavor_ref)
    ensure_flavor_in_pod(pod, flavor, caller.project_id)
    return flavor
