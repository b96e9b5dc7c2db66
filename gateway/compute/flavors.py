"""Flavors (and their extra specs and access lists), answered from Tricircle's own records
(gateway.services.flavors); the pods' copies follow through the flavor_sync job."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from gateway import policy
from gateway.compute.api import API_PREFIX, ComputeView
from gateway.models import Flavor
from gateway.services import flavors
from gateway.services.flavors import FlavorQuery
from tricircle_site.exceptions import BadRequest, NotFound
from tricircle_site.jsontypes import JsonDict


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


def _json(api: ComputeView, body: Any, status: int = 200) -> HttpResponse:
    return api.set_version_headers(JsonResponse(body, status=status))


def _empty(api: ComputeView, status: int) -> HttpResponse:
    return api.set_version_headers(HttpResponse(status=status))


def _one(api: ComputeView, request: Request, flavor: Flavor) -> HttpResponse:
    base = api.public_root(request, API_PREFIX)
    return _json(api, {"flavor": flavor_body(flavor, base, api.version_tuple, True)})


def _authorize(api: ComputeView, request: Request, rule: str) -> None:
    policy.authorize(api.identity(request), rule)


MANAGE = "os_compute_api:os-flavor-manage:"
EXTRA_SPECS = "os_compute_api:os-flavor-extra-specs:"
ACCESS = "os_compute_api:os-flavor-access"
# A flavor action's rule, by the action the body names.
ACCESS_ACTIONS = {
    "addTenantAccess": f"{ACCESS}:add_tenant_access",
    "removeTenantAccess": f"{ACCESS}:remove_tenant_access",
}


def _flavor(api: ComputeView, request: Request, flavor_id: str) -> Flavor:
    identity = api.identity(request)
    return flavors.get_flavor(flavor_id, identity.project_id, identity.is_admin)


# --- the collection --------------------------------------------------------------------------
def list_flavors(api: ComputeView, request: Request) -> HttpResponse:
    return flavor_list(api, request, detail=False)


def list_flavors_detail(api: ComputeView, request: Request) -> HttpResponse:
    return flavor_list(api, request, detail=True)


def flavor_list(api: ComputeView, request: Request, detail: bool) -> HttpResponse:
    params = parse_qs(request.META.get("QUERY_STRING", ""))

    def last(name: str) -> str | None:
        return params[name][-1] if params.get(name) else None

    query = FlavorQuery(
        is_public=last("is_public"),
        min_ram=last("minRam"),
        min_disk=last("minDisk"),
        sort_key=last("sort_key") or "flavorid",
        descending=last("sort_dir") == "desc",
        marker=last("marker"),
        limit=last("limit"),
    )
    rows, more = flavors.flavor_page(api.identity(request), query)
    base = api.public_root(request, API_PREFIX)
    body: dict[str, Any] = {}
    if more:
        next_query = {**params, "marker": [rows[-1].id]}
        href = f"{base}{request.path.split('/v2.1', 1)[1]}?{urlencode(next_query, doseq=True)}"
        body["flavors_links"] = [{"rel": "next", "href": href}]
    body["flavors"] = [flavor_body(row, base, api.version_tuple, detail) for row in rows]
    return _json(api, body)


def create_flavor(api: ComputeView, request: Request) -> HttpResponse:
    _authorize(api, request, f"{MANAGE}create")
    return _one(api, request, flavors.create_flavor(api.json_body(request).get("flavor")))


# --- one flavor ------------------------------------------------------------------------------
def show_flavor(api: ComputeView, request: Request, flavor_id: str) -> HttpResponse:
    return _one(api, request, _flavor(api, request, flavor_id))


def update_flavor(api: ComputeView, request: Request, flavor_id: str) -> HttpResponse:
    flavor = _flavor(api, request, flavor_id)
    _authorize(api, request, f"{MANAGE}update")
    data = api.json_body(request).get("flavor") or {}
    return _one(api, request, flavors.update_description(flavor, data))


def delete_flavor(api: ComputeView, request: Request, flavor_id: str) -> HttpResponse:
    flavor = _flavor(api, request, flavor_id)
    _authorize(api, request, f"{MANAGE}delete")
    flavors.delete_flavor(api.identity(request), flavor)
    return _empty(api, 202)


def flavor_action(api: ComputeView, request: Request, flavor_id: str) -> HttpResponse:
    action = api.json_body(request)
    rule = next((ACCESS_ACTIONS[name] for name in ACCESS_ACTIONS if name in action), None)
    if rule is None:  # as Nova: an action it does not know is bad input, whoever asks
        raise BadRequest(flavors.UNKNOWN_ACTION)
    _authorize(api, request, rule)  # as Nova: refused before the flavor is looked up
    flavor = _flavor(api, request, flavor_id)
    flavors.flavor_action(api.identity(request), flavor, action)
    return _json(api, {"flavor_access": flavors.access_list(flavor)})


def flavor_access(api: ComputeView, request: Request, flavor_id: str) -> HttpResponse:
    _authorize(api, request, ACCESS)  # as Nova: refused before the flavor is looked up
    flavor = _flavor(api, request, flavor_id)
    return _json(api, {"flavor_access": flavors.access_list(flavor)})


# --- extra specs -----------------------------------------------------------------------------
def list_extra_specs(api: ComputeView, request: Request, flavor_id: str) -> HttpResponse:
    _authorize(api, request, f"{EXTRA_SPECS}index")
    return _json(api, {"extra_specs": _flavor(api, request, flavor_id).extra_specs})


def set_extra_specs(api: ComputeView, request: Request, flavor_id: str) -> HttpResponse:
    flavor = _flavor(api, request, flavor_id)
    _authorize(api, request, f"{EXTRA_SPECS}create")
    specs = flavors.set_extra_specs(flavor, api.json_body(request).get("extra_specs"))
    flavors.request_sync(api.identity(request), flavor.id)
    return _json(api, {"extra_specs": specs})


def show_extra_spec(api: ComputeView, request: Request, flavor_id: str, key: str) -> HttpResponse:
    _authorize(api, request, f"{EXTRA_SPECS}show")
    flavor = _flavor(api, request, flavor_id)
    if key not in flavor.extra_specs:
        raise NotFound(f"Flavor {flavor.id} has no extra specs with key {key}.")
    return _json(api, {key: flavor.extra_specs[key]})


def update_extra_spec(api: ComputeView, request: Request, flavor_id: str, key: str) -> HttpResponse:
    flavor = _flavor(api, request, flavor_id)
    _authorize(api, request, f"{EXTRA_SPECS}update")
    specs = api.json_body(request)
    if set(specs) != {key}:
        raise BadRequest("Request body and URI mismatch.")
    flavors.set_extra_specs(flavor, specs)
    flavors.request_sync(api.identity(request), flavor.id)
    return _json(api, {key: flavor.extra_specs[key]})


def delete_extra_spec(api: ComputeView, request: Request, flavor_id: str, key: str) -> HttpResponse:
    flavor = _flavor(api, request, flavor_id)
    _authorize(api, request, f"{EXTRA_SPECS}delete")
    flavors.unset_extra_spec(flavor, key)
    flavors.request_sync(api.identity(request), flavor.id)
    return _empty(api, 200)
