"""/qos-specs, answered from Tricircle's own QoS specs (gateway.services.qos_specs): the
statuses and answers of Cinder's qos_specs_manage API; each call checks its policy rule."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from rest_framework.request import Request

from gateway import policy
from gateway.models import QosSpecs
from gateway.pod_api import query_params
from gateway.schema import parse_json
from gateway.services import qos_specs
from gateway.volume.api import VolumeView
from tricircle_site.jsontypes import JsonDict


def list_specs(api: VolumeView, request: Request) -> HttpResponse:
    policy.authorize(api.identity(request), qos_specs.GET_ALL_POLICY)
    params = query_params(request)
    rows, limit = qos_specs.listed(params)
    body: JsonDict = {"qos_specs": [qos_specs.specs_item(row) for row in rows]}
    # As Cinder: a page as long as the limit (1000 by default) has a next link.
    if rows and len(rows) >= limit:
        query = {**params, "marker": [rows[-1].id]}
        href = f"{links_base(api, request)[0]}?{urlencode(query, doseq=True)}"
        body["qos_specs_links"] = [{"rel": "next", "href": href}]
    return api.answer(body)


def create_specs(api: VolumeView, request: Request) -> HttpResponse:
    given = qos_specs.valid_create(parse_json(request.body))
    policy.authorize(api.identity(request), qos_specs.CREATE_POLICY)
    return shown(api, request, qos_specs.create_specs(given))


def show_specs(api: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    policy.authorize(api.identity(request), qos_specs.GET_POLICY)
    return shown(api, request, qos_specs.get_specs(specs_id))


def update_specs(api: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    body = parse_json(request.body)
    given = qos_specs.valid_update(body)
    policy.authorize(api.identity(request), qos_specs.UPDATE_POLICY)
    qos_specs.update_specs(qos_specs.get_specs(specs_id), given)
    return api.answer(body)  # Cinder answers with the body it was given


def delete_specs(api: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    policy.authorize(api.identity(request), qos_specs.DELETE_POLICY)
    force = qos_specs.force_param(query_params(request))  # before the lookup, as Cinder
    qos_specs.delete_specs(qos_specs.get_specs(specs_id), force)
    return api.accepted()


def delete_keys(api: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    keys = qos_specs.valid_keys(parse_json(request.body))
    policy.authorize(api.identity(request), qos_specs.DELETE_POLICY)
    qos_specs.delete_keys(qos_specs.get_specs(specs_id), keys)
    return api.accepted()


def associations(api: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    policy.authorize(api.identity(request), qos_specs.GET_ALL_POLICY)
    specs = qos_specs.get_specs(specs_id)
    return api.answer({"qos_associations": qos_specs.associations(specs)})


def associate(api: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    return change_association(api, request, specs_id, qos_specs.associate)


def disassociate(api: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    return change_association(api, request, specs_id, qos_specs.disassociate)


def change_association(
    api: VolumeView, request: Request, specs_id: str, change: qos_specs.Association
) -> HttpResponse:
    policy.authorize(api.identity(request), qos_specs.UPDATE_POLICY)
    type_id = qos_specs.required_type_id(query_params(request))  # checked first, as in Cinder
    specs = qos_specs.get_specs(specs_id)
    change(specs, qos_specs.type_to_associate(type_id))
    return api.accepted()


def disassociate_all(api: VolumeView, request: Request, specs_id: str) -> HttpResponse:
    policy.authorize(api.identity(request), qos_specs.UPDATE_POLICY)
    qos_specs.disassociate_all(qos_specs.get_specs(specs_id))
    return api.accepted()


def shown(api: VolumeView, request: Request, specs: QosSpecs) -> HttpResponse:
    """A spec set as Cinder's show and create answer it: with links beside it."""
    versioned, bookmark = links_base(api, request)
    links = [
        {"rel": "self", "href": f"{versioned}/{specs.id}"},
        {"rel": "bookmark", "href": f"{bookmark}/{specs.id}"},
    ]
    return api.answer({"qos_specs": qos_specs.specs_item(specs), "links": links})


def links_base(api: VolumeView, request: Request) -> tuple[str, str]:
    """The collection's URL in Cinder's links, versioned and as a bookmark (without the
    version), with the project id when the request's URL had it."""
    root = api.public_root(request, api.api_prefix)
    project_id = api.identity(request).project_id
    project = f"/{project_id}" if f"/v3/{project_id}/" in request.path else ""
    return f"{root}{project}/qos-specs", f"{root.removesuffix('/v3')}{project}/qos-specs"
