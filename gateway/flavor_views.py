"""Nova's flavor and key pair calls, answered from Tricircle's own records."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from gateway import flavors
from gateway.job_names import FLAVOR_SYNC, KEYPAIR_CLEANUP
from gateway.models import Flavor, KeyPair
from gateway.numbers import whole_number
from gateway.scatter import gather
from jobs.services import request_job
from tricircle_site.exceptions import BadRequest, Forbidden, NotFound

if TYPE_CHECKING:
    from gateway.compute_views import ComputeView

FLAVOR_PATH = re.compile(r"^/flavors/([^/]+)(/.*)?$")
KEYPAIR_PATH = re.compile(r"^/os-keypairs/([^/]+)$")
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


def _json(view: ComputeView, body: Any, status: int = 200) -> HttpResponse:
    return view.set_version_headers(JsonResponse(body, status=status))


def _tenant_of(access: object) -> object:
    """The `tenant` of a flavor access action; anything but an object names none (a 400)."""
    return access.get("tenant") if isinstance(access, dict) else None


def _empty(view: ComputeView, status: int) -> HttpResponse:
    return view.set_version_headers(HttpResponse(status=status))


def _admin_only(view: ComputeView, request: Request) -> None:
    if not view.identity(request).is_admin:
        raise Forbidden("Policy doesn't allow this operation to be performed.")


def _sync(view: ComputeView, request: Request, flavor_id: str) -> None:
    request_job(FLAVOR_SYNC, view.identity(request).project_id, {"flavor_id": flavor_id})


def handle_flavors(view: ComputeView, request: Request, path: str) -> HttpResponse:
    identity = view.identity(request)
    method = request.method
    base = view.public_root(request, "/compute/v2.1")
    version = view.version_tuple
    if path in {"/flavors", "/flavors/detail"}:
        if method == "POST" and path == "/flavors":
            _admin_only(view, request)
            flavor = flavors.create_flavor(view.json_body(request).get("flavor"))
            return _json(view, {"flavor": flavors.flavor_body(flavor, base, version, True)})
        if method != "GET":
            raise BadRequest(f"{method} is not allowed on {path}.")
        return list_flavors(view, request, base, detail=path.endswith("/detail"))
    match = FLAVOR_PATH.match(path)
    if not match:
        raise NotFound(f"No such resource: {path}")
    rest = match.group(2) or ""
    if rest in {"/os-flavor-access", "/action"}:
        _admin_only(view, request)  # as Nova: refused before the flavor is looked up
    flavor = flavors.get_flavor(match.group(1), identity.project_id, identity.is_admin)
    if not rest:
        if method == "GET":
            return _json(view, {"flavor": flavors.flavor_body(flavor, base, version, True)})
        _admin_only(view, request)
        if method == "DELETE":
            flavor.delete()
            _sync(view, request, match.group(1))
            return _empty(view, 202)
        if method == "PUT":
            data = view.json_body(request).get("flavor") or {}
            if set(data) != {"description"}:
                raise BadRequest("Only the description of a flavor can be changed.")
            flavor.description = data["description"]
            flavor.save(update_fields=["description", "updated_at"])
            return _json(view, {"flavor": flavors.flavor_body(flavor, base, version, True)})
    if rest == "/os-extra_specs":
        if method == "POST":
            _admin_only(view, request)
            specs = flavors.set_extra_specs(flavor, view.json_body(request).get("extra_specs"))
            _sync(view, request, flavor.id)
            return _json(view, {"extra_specs": specs})
        return _json(view, {"extra_specs": flavor.extra_specs})
    if rest.startswith("/os-extra_specs/"):
        key = rest.removeprefix("/os-extra_specs/")
        if method == "GET":
            if key not in flavor.extra_specs:
                raise NotFound(f"Flavor {flavor.id} has no extra specs with key {key}.")
            return _json(view, {key: flavor.extra_specs[key]})
        _admin_only(view, request)
        if method == "DELETE":
            flavors.unset_extra_spec(flavor, key)
            _sync(view, request, flavor.id)
            return _empty(view, 200)
        specs = view.json_body(request)
        if set(specs) != {key}:
            raise BadRequest("Request body and URI mismatch.")
        flavors.set_extra_specs(flavor, specs)
        _sync(view, request, flavor.id)
        return _json(view, {key: flavor.extra_specs[key]})
    if rest in {"/os-flavor-access", "/action"}:
        if rest == "/action":
            action = view.json_body(request)
            if "addTenantAccess" in action:
                flavors.add_access(flavor, _tenant_of(action["addTenantAccess"]))
            elif "removeTenantAccess" in action:
                flavors.remove_access(flavor, _tenant_of(action["removeTenantAccess"]))
            else:
                raise BadRequest("Unknown flavor action.")
            _sync(view, request, flavor.id)
        if flavor.is_public:
            raise NotFound("Access list not available for public flavors.")
        access = [
            {"flavor_id": flavor.id, "tenant_id": row.project_id} for row in flavor.access.all()
        ]
        return _json(view, {"flavor_access": access})
    raise NotFound(f"No such resource: {path}")


def list_flavors(view: ComputeView, request: Request, base: str, detail: bool) -> HttpResponse:
    identity = view.identity(request)
    params = parse_qs(request.META.get("QUERY_STRING", ""))
    query = flavors.visible_flavors(
        identity.project_id, identity.is_admin, (params.get("is_public") or [None])[-1]
    )
    for param, field in (("minRam", "ram__gte"), ("minDisk", "disk__gte")):
        if params.get(param):
            try:
                query = query.filter(**{field: whole_number(params[param][-1], param)})
            except BadRequest as exc:
                raise BadRequest(f"Invalid {param} filter [{params[param][-1]}]") from exc
    sort_key = (params.get("sort_key") or ["flavorid"])[-1]
    if sort_key not in FLAVOR_SORT_KEYS:
        raise BadRequest(f"Invalid sort_key {sort_key}.")
    descending = (params.get("sort_dir") or ["asc"])[-1] == "desc"
    field = FLAVOR_SORT_KEYS[sort_key]
    rows: list[Flavor] = list(query.order_by(f"-{field}" if descending else field, "id"))
    if params.get("marker"):
        ids = [row.id for row in rows]
        if params["marker"][-1] not in ids:
            raise BadRequest(f"marker [{params['marker'][-1]}] not found")
        rows = rows[ids.index(params["marker"][-1]) + 1 :]
    body: dict[str, Any] = {}
    if params.get("limit"):
        limit = int(params["limit"][-1]) if params["limit"][-1].isdigit() else None
        if limit is None:
            raise BadRequest("limit must be an integer.")
        if len(rows) > limit:
            rows = rows[:limit]
            next_query = {**params, "marker": [rows[-1].id]}
            href = f"{base}{request.path.split('/v2.1', 1)[1]}?{urlencode(next_query, doseq=True)}"
            body["flavors_links"] = [{"rel": "next", "href": href}]
    body["flavors"] = [flavors.flavor_body(row, base, view.version_tuple, detail) for row in rows]
    return _json(view, body)


def handle_keypairs(view: ComputeView, request: Request, path: str) -> HttpResponse:
    identity = view.identity(request)
    params = parse_qs(request.META.get("QUERY_STRING", ""))
    user_id = identity.user_id
    if params.get("user_id") and params["user_id"][-1] != user_id:
        _admin_only(view, request)
        user_id = params["user_id"][-1]
    if path == "/os-keypairs":
        if request.method == "POST":
            data = view.json_body(request).get("keypair")
            if isinstance(data, dict) and data.get("user_id") not in (None, identity.user_id):
                _admin_only(view, request)
                user_id = data["user_id"]
            keypair, private_key = flavors.create_keypair(
                user_id, data, view.version_tuple, keypair_limit(view, request)
            )
            body = flavors.keypair_body(keypair, False, view.version_tuple)
            body["user_id"] = keypair.user_id
            if private_key:
                body["private_key"] = private_key
            return _json(view, {"keypair": body}, 201 if view.version_tuple >= (2, 2) else 200)
        keypairs = KeyPair.objects.filter(user_id=user_id).order_by("name")
        return _json(
            view,
            {
                "keypairs": [
                    {"keypair": flavors.keypair_body(k, False, view.version_tuple)}
                    for k in keypairs
                ]
            },
        )
    match = KEYPAIR_PATH.match(path)
    if not match:
        raise NotFound(f"No such resource: {path}")
    keypair = flavors.get_keypair(user_id, match.group(1))
    if request.method == "DELETE":
        keypair.delete()
        request_job(
            KEYPAIR_CLEANUP, identity.project_id, {"user_id": user_id, "name": match.group(1)}
        )
        return _empty(view, 204 if view.version_tuple >= (2, 2) else 202)
    return _json(view, {"keypair": flavors.keypair_body(keypair, True, view.version_tuple)})


def keypair_limit(view: ComputeView, request: Request) -> int:
    """How many key pairs a user may have: the tightest of the pods' limits (-1: none)."""
    gathered = gather(view.answering_pods(), lambda pod: view.forward_get(request, pod, "/limits"))
    limits = [
        answer.json().get("limits", {}).get("absolute", {}).get("maxTotalKeypairs", -1)
        for answer in gathered.results.values()
        if answer.status < 300
    ]
    bounded = [limit for limit in limits if isinstance(limit, int) and limit >= 0]
    return min(bounded) if bounded else -1
