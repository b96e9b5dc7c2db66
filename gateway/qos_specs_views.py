"""Cinder's /qos-specs calls, answered from Tricircle's own QoS specs (gateway.qos_specs): the
routes, statuses and answers of Cinder's qos_specs_manage API."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.http import HttpResponse
from rest_framework.request import Request

from gateway import qos_specs
from gateway.models import QosSpecs
from gateway.pod_api import query_params
from gateway.schema import parse_json
from tricircle_site.exceptions import NotFound
from tricircle_site.jsontypes import JsonDict

if TYPE_CHECKING:
    from gateway.volume_views import VolumeView

SPECS_PATH = re.compile(r"^/qos-specs/([^/]+)(?:/([^/]+))?$")
# The member actions of Cinder's route, each with its method and policy rule.
ACTIONS = {
    "associations": ("GET", qos_specs.GET_ALL_POLICY),
    "associate": ("GET", qos_specs.UPDATE_POLICY),
    "disassociate": ("GET", qos_specs.UPDATE_POLICY),
    "disassociate_all": ("GET", qos_specs.UPDATE_POLICY),
    "delete_keys": ("PUT", qos_specs.DELETE_POLICY),
}


def handle_qos_specs(view: VolumeView, request: Request, path: str) -> HttpResponse:
    identity = view.identity(request)
    method = request.method
    if path == "/qos-specs":
        if method == "GET":
            qos_specs.authorize(identity, qos_specs.GET_ALL_POLICY)
            return list_specs(view, request)
        if method == "POST":
            given = qos_specs.valid_create(parse_json(request.body))
            qos_specs.authorize(identity, qos_specs.CREATE_POLICY)
            return shown(view, request, qos_specs.create_specs(given))
        raise NotFound("The resource could not be found.")
    match = SPECS_PATH.match(path)
    if not match:
        raise NotFound("The resource could not be found.")
    specs_id, action = match.groups()
    if action is None:
        return on_specs(view, request, specs_id)
    if ACTIONS.get(action, ("",))[0] != method:
        raise NotFound("The resource could not be found.")
    params = query_params(request)
    if action == "delete_keys":
        keys = qos_specs.valid_keys(parse_json(request.body))
        qos_specs.authorize(identity, qos_specs.DELETE_POLICY)
        qos_specs.delete_keys(qos_specs.get_specs(specs_id), keys)
        return accepted(view)
    qos_specs.authorize(identity, ACTIONS[action][1])
    if action in {"associate", "disassociate"}:
        type_id = qos_specs.required_type_id(params)  # checked first, as in Cinder
        specs = qos_specs.get_specs(specs_id)
        change = qos_specs.associate if action == "associate" else qos_specs.disassociate
        change(specs, qos_specs.type_to_associate(type_id))
        return accepted(view)
    specs = qos_specs.get_specs(specs_id)
    if action == "associations":
        return view.answer({"qos_associations": qos_specs.associations(specs)})
    qos_specs.disassociate_all(specs)
    return accepted(view)


def on_specs(view: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    """GET, PUT (set keys) and DELETE of /qos-specs/{id}."""
    identity = view.identity(request)
    method = request.method
    if method == "GET":
        qos_specs.authorize(identity, qos_specs.GET_POLICY)
        return shown(view, request, qos_specs.get_specs(specs_id))
    if method == "PUT":
        body = parse_json(request.body)
        given = qos_specs.valid_update(body)
        qos_specs.authorize(identity, qos_specs.UPDATE_POLICY)
        qos_specs.update_specs(qos_specs.get_specs(specs_id), given)
        return view.answer(body)  # Cinder answers with the body it was given
    if method == "DELETE":
        qos_specs.authorize(identity, qos_specs.DELETE_POLICY)
        force = qos_specs.force_param(query_params(request))  # before the lookup, as Cinder
        qos_specs.delete_specs(qos_specs.get_specs(specs_id), force)
        return accepted(view)
    raise NotFound("The resource could not be found.")


def list_specs(view: VolumeView, request: Request) -> HttpResponse:
    params = query_params(request)
    rows, limit = qos_specs.listed(params)
    body: JsonDict = {"qos_specs": [qos_specs.specs_item(row) for row in rows]}
    # As Cinder: a page as long as the limit (1000 by default) has a next link.
    if rows and len(rows) >= limit:
        query = {**params, "marker": [rows[-1].id]}
        href = f"{links_base(view, request)[0]}?{urlencode(query, doseq=True)}"
        body["qos_specs_links"] = [{"rel": "next", "href": href}]
    return view.answer(body)


def shown(view: VolumeView, request: Request, specs: QosSpecs) -> HttpResponse:
    """A spec set as Cinder's show and create answer it: with links beside it."""
    versioned, bookmark = links_base(view, request)
    links = [
        {"rel": "self", "href": f"{versioned}/{specs.id}"},
        {"rel": "bookmark", "href": f"{bookmark}/{specs.id}"},
    ]
    return view.answer({"qos_specs": qos_specs.specs_item(specs), "links": links})


def links_base(view: VolumeView, request: Request) -> tuple[str, str]:
    """The collection's URL in Cinder's links, versioned and as a bookmark (without the
    version), with the project id when the request's URL had it."""
    root = view.public_root(request, view.api_prefix)
    project_id = view.identity(request).project_id
    project = f"/{project_id}" if f"/v3/{project_id}/" in request.path else ""
    return f"{root}{project}/qos-specs", f"{root.removesuffix('/v3')}{project}/qos-specs"


def accepted(view: VolumeView) -> HttpResponse:
    return view.set_version_headers(HttpResponse(status=202))
