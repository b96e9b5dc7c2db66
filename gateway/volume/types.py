"""/types: Tricircle's volume types (gateway.services.volume_types), with their extra specs,
access lists and encryption; changes are admins' (Cinder's default policy) and reach the
pods' copies."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway import policy
from gateway.pod_api import query_params
from gateway.schema import parse_json
from gateway.services import volume_types
from gateway.volume.api import VolumeView
from tricircle_site.exceptions import BadRequest, NotFound

TYPES = "volume_extension:type_"
EXTRA_SPECS = "volume_extension:types_extra_specs:"
ACCESS = "volume_extension:volume_type_access:"
ENCRYPTION = "volume_extension:volume_type_encryption:"
# A type action's rule, by the action the body names.
NO_ACTION = "Give addProjectAccess or removeProjectAccess with a project."
ACCESS_ACTIONS = {name: f"{ACCESS}{name}" for name in ("addProjectAccess", "removeProjectAccess")}


def authorize(api: VolumeView, request: Request, rule: str) -> None:
    policy.authorize(api.identity(request), rule)


def list_types(api: VolumeView, request: Request) -> HttpResponse:
    identity = api.identity(request)
    wanted = query_params(request).get("is_public", [None])[-1]
    types = volume_types.visible_types(identity, wanted)
    shown = [volume_types.type_body(t, identity.is_admin, read=True) for t in types]
    return api.answer({"volume_types": shown})


def create_type(api: VolumeView, request: Request) -> HttpResponse:
    authorize(api, request, f"{TYPES}create")
    created = volume_types.create_type(parse_json(request.body).get("volume_type"))
    return api.answer({"volume_type": volume_types.type_body(created, True)})


def show_type(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    identity = api.identity(request)
    volume_type = volume_types.get_type(type_id, identity)
    return api.answer(
        {"volume_type": volume_types.type_body(volume_type, identity.is_admin, read=True)}
    )


def update_type(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    volume_type = volume_types.get_type(type_id, api.identity(request))
    authorize(api, request, f"{TYPES}update")
    body = parse_json(request.body).get("volume_type")
    updated = volume_types.update_type(volume_type, body)
    return api.answer({"volume_type": volume_types.type_body(updated, True, False)})


def delete_type(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    volume_type = volume_types.get_type(type_id, api.identity(request))
    authorize(api, request, f"{TYPES}delete")
    volume_types.delete_type(volume_type)
    return api.accepted()


# --- extra specs -------------------------------------------------------------------------------
def list_extra_specs(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    authorize(api, request, f"{EXTRA_SPECS}index")
    identity = api.identity(request)
    volume_type = volume_types.get_type(type_id, identity)
    return api.answer(
        {"extra_specs": volume_types.visible_extra_specs(volume_type, identity.is_admin)}
    )


def set_extra_specs(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    volume_type = volume_types.get_type(type_id, api.identity(request))
    authorize(api, request, f"{EXTRA_SPECS}create")
    given = parse_json(request.body).get("extra_specs")
    return api.answer({"extra_specs": volume_types.set_extra_specs(volume_type, given)})


def show_extra_spec(api: VolumeView, request: Request, type_id: str, key: str) -> HttpResponse:
    authorize(api, request, f"{EXTRA_SPECS}show")
    identity = api.identity(request)
    volume_type = volume_types.get_type(type_id, identity)
    specs = volume_types.visible_extra_specs(volume_type, identity.is_admin)
    if key not in specs:
        raise NotFound(f"Volume Type {volume_type.id} has no extra specs with key {key}.")
    return api.answer({key: specs[key]})


def update_extra_spec(api: VolumeView, request: Request, type_id: str, key: str) -> HttpResponse:
    volume_type = volume_types.get_type(type_id, api.identity(request))
    authorize(api, request, f"{EXTRA_SPECS}update")
    given = parse_json(request.body)
    if set(given) != {key}:
        raise BadRequest("The request body must name the key of the URL alone.")
    return api.answer(volume_types.set_extra_specs(volume_type, given))


def delete_extra_spec(api: VolumeView, request: Request, type_id: str, key: str) -> HttpResponse:
    volume_type = volume_types.get_type(type_id, api.identity(request))
    authorize(api, request, f"{EXTRA_SPECS}delete")
    volume_types.unset_extra_spec(volume_type, key)
    return api.accepted()


# --- access ----------------------------------------------------------------------------------
def list_type_access(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    """os-volume-type-access: the projects of a private type (admins only)."""
    authorize(api, request, f"{ACCESS}get_all_for_type")
    volume_type = volume_types.get_type(type_id, api.identity(request))
    return api.answer({"volume_type_access": volume_types.type_access(volume_type)})


def type_action(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    """addProjectAccess or removeProjectAccess (admins only)."""
    action = parse_json(request.body)
    rule = next((ACCESS_ACTIONS[name] for name in ACCESS_ACTIONS if name in action), None)
    if rule is None:  # as Cinder: an action it does not know is bad input, whoever asks
        raise BadRequest(NO_ACTION)
    authorize(api, request, rule)  # as Cinder: refused before the type is looked up
    volume_type = volume_types.get_type(type_id, api.identity(request))
    for name, change in (
        ("addProjectAccess", volume_types.add_access),
        ("removeProjectAccess", volume_types.remove_access),
    ):
        if isinstance(action.get(name), dict):
            change(volume_type, action[name].get("project"))
            return api.accepted()
    raise BadRequest(NO_ACTION)


# --- encryption: kept with the type at Tricircle and given to its copies in the pods (admins
# only, as Cinder's policy) ---------------------------------------------------------------------
def show_encryption(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    authorize(api, request, f"{ENCRYPTION}get")
    volume_type = volume_types.get_type(type_id, api.identity(request))
    return api.answer(volume_types.encryption_specs(volume_type))


def create_encryption(api: VolumeView, request: Request, type_id: str) -> HttpResponse:
    authorize(api, request, f"{ENCRYPTION}create")
    volume_type = volume_types.get_type(type_id, api.identity(request))
    given = parse_json(request.body).get("encryption")
    return api.answer({"encryption": volume_types.set_encryption(volume_type, given, True)})


def show_encryption_key(api: VolumeView, request: Request, type_id: str, key: str) -> HttpResponse:
    authorize(api, request, f"{ENCRYPTION}get")
    volume_type = volume_types.get_type(type_id, api.identity(request))
    specs = volume_types.encryption_specs(volume_type)
    if key not in specs:
        raise NotFound(f"Volume type encryption for type {volume_type.id} does not exist.")
    return api.answer({key: specs[key]})


def update_encryption(api: VolumeView, request: Request, type_id: str, key: str) -> HttpResponse:
    """PUT /types/{id}/encryption/{encryption id}: Cinder changes the type's encryption
    whatever id the path names."""
    authorize(api, request, f"{ENCRYPTION}update")
    volume_type = volume_types.get_type(type_id, api.identity(request))
    given = parse_json(request.body).get("encryption")
    return api.answer({"encryption": volume_types.set_encryption(volume_type, given, False)})


def delete_encryption(api: VolumeView, request: Request, type_id: str, key: str) -> HttpResponse:
    authorize(api, request, f"{ENCRYPTION}delete")
    volume_types.delete_encryption(volume_types.get_type(type_id, api.identity(request)))
    return api.accepted()
