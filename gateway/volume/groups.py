"""The generic volume group APIs: group types and their specs answered from Tricircle's
records; groups and group snapshots placed and routed by the service layer
(gateway.services.volume_groups), gathered from every pod for lists, and shown with Tricircle's
type ids. Each API answers 404 below the microversion that brought it, as Cinder."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from gateway import policy
from gateway.models import GroupType
from gateway.pod_api import query_params
from gateway.schema import parse_json
from gateway.services import volume_groups as groups
from gateway.volume.api import VolumeView
from tricircle_site.exceptions import NotFound
from tricircle_site.jsontypes import JsonDict

# Cinder's answer to a path it has no method for (at this microversion).
NO_SUCH_RESOURCE = "The resource could not be found."


def require_version(api: VolumeView, minimum: str) -> None:
    if not groups.supports(api.version, minimum):
        raise NotFound(NO_SUCH_RESOURCE)


def authorize(api: VolumeView, request: Request, rule: str) -> None:
    policy.authorize(api.identity(request), rule)


# --- group types -------------------------------------------------------------------------------
def list_group_types(api: VolumeView, request: Request) -> HttpResponse:
    require_version(api, groups.GROUP_TYPES_VERSION)
    identity = api.identity(request)
    params = query_params(request)
    page, size = groups.list_group_types(identity, params)
    body: JsonDict = {"group_types": [groups.group_type_body(t, identity.is_admin) for t in page]}
    if page and len(page) == size:  # as Cinder: a full page has a next link
        query = {key: values for key, values in params.items() if key != "marker"}
        query["marker"] = [page[-1].id]
        href = request.build_absolute_uri(request.path)
        body["group_type_links"] = [
            {"rel": "next", "href": f"{href}?{urlencode(query, doseq=True)}"}
        ]
    return api.answer(body)


def create_group_type(api: VolumeView, request: Request) -> HttpResponse:
    require_version(api, groups.GROUP_TYPES_VERSION)
    fields = groups.valid_new_group_type(parse_json(request.body))
    authorize(api, request, "group:group_types:create")
    made = groups.create_group_type(fields)
    return answer(api, {"group_type": groups.group_type_body(made, True)}, 202)


def show_group_type(api: VolumeView, request: Request, group_type_id: str) -> HttpResponse:
    require_version(api, groups.GROUP_TYPES_VERSION)
    if group_type_id == "default":
        # Cinder's answer without a default_group_type: Tricircle configures none.
        raise NotFound("Default group type can not be found.")
    identity = api.identity(request)
    group_type = groups.get_group_type(group_type_id, identity)
    return api.answer({"group_type": groups.group_type_body(group_type, identity.is_admin)})


def update_group_type(api: VolumeView, request: Request, group_type_id: str) -> HttpResponse:
    require_version(api, groups.GROUP_TYPES_VERSION)
    changes = groups.valid_update(parse_json(request.body))
    authorize(api, request, "group:group_types:update")
    group_type = groups.get_group_type(group_type_id, api.identity(request))
    updated = groups.update_group_type(group_type, changes)
    return api.answer({"group_type": groups.group_type_body(updated, True)})


def delete_group_type(api: VolumeView, request: Request, group_type_id: str) -> HttpResponse:
    require_version(api, groups.GROUP_TYPES_VERSION)
    authorize(api, request, "group:group_types:delete")
    groups.delete_group_type(groups.get_group_type(group_type_id, api.identity(request)))
    return api.accepted()


# --- group specs (admins only, as Cinder's defaults; the body is checked before the policy) ----
def list_group_specs(api: VolumeView, request: Request, group_type_id: str) -> HttpResponse:
    group_type = specs_of_type(api, request, group_type_id, "get_all")
    return api.answer({"group_specs": dict(group_type.group_specs)})


def create_group_specs(api: VolumeView, request: Request, group_type_id: str) -> HttpResponse:
    require_version(api, groups.GROUP_TYPES_VERSION)
    given = groups.valid_specs(parse_json(request.body))
    group_type = specs_of_type(api, request, group_type_id, "create")
    return answer(api, {"group_specs": groups.set_group_specs(group_type, given)}, 202)


def show_group_spec(
    api: VolumeView, request: Request, group_type_id: str, key: str
) -> HttpResponse:
    group_type = specs_of_type(api, request, group_type_id, "get")
    return api.answer(groups.group_spec(group_type, key))


def update_group_spec(
    api: VolumeView, request: Request, group_type_id: str, key: str
) -> HttpResponse:
    require_version(api, groups.GROUP_TYPES_VERSION)
    given = groups.valid_spec(parse_json(request.body))
    group_type = specs_of_type(api, request, group_type_id, "update")
    return api.answer(groups.update_group_spec(group_type, key, given))


def delete_group_spec(
    api: VolumeView, request: Request, group_type_id: str, key: str
) -> HttpResponse:
    group_type = specs_of_type(api, request, group_type_id, "delete")
    groups.unset_group_spec(group_type, key)
    return api.accepted()


def specs_of_type(api: VolumeView, request: Request, group_type_id: str, rule: str) -> GroupType:
    require_version(api, groups.GROUP_TYPES_VERSION)
    authorize(api, request, f"group:group_types_specs:{rule}")
    return groups.get_group_type(group_type_id, api.identity(request))


# --- groups ------------------------------------------------------------------------------------
def list_groups(api: VolumeView, request: Request) -> HttpResponse:
    return listing(api, request, "groups", detail=False)


def list_groups_detail(api: VolumeView, request: Request) -> HttpResponse:
    return listing(api, request, "groups", detail=True)


def create_group(api: VolumeView, request: Request) -> HttpResponse:
    require_version(api, groups.GROUPS_VERSION)
    body = parse_json(request.body)
    return api.respond_made(
        request, groups.create_group(api.identity(request), body, api.user_calls(request))
    )


def create_group_from_source(api: VolumeView, request: Request) -> HttpResponse:
    """POST /groups/action: create-from-src, the only action on the collection (3.14)."""
    require_version(api, groups.GROUP_SNAPSHOTS_VERSION)
    body = parse_json(request.body)
    made = groups.create_from_source(api.identity(request), body, api.user_calls(request))
    return api.respond_made(request, made)


def show_group(api: VolumeView, request: Request, group_id: str) -> HttpResponse:
    return show(api, request, "groups", group_id)


def update_group(api: VolumeView, request: Request, group_id: str) -> HttpResponse:
    require_version(api, groups.GROUPS_VERSION)
    body = parse_json(request.body)
    made = groups.update_group(api.identity(request), group_id, body, api.user_calls(request))
    return api.respond_made(request, made)


def group_action(api: VolumeView, request: Request, group_id: str) -> HttpResponse:
    return on_item(api, request, "groups", group_id)


# --- group snapshots ---------------------------------------------------------------------------
def list_group_snapshots(api: VolumeView, request: Request) -> HttpResponse:
    return listing(api, request, "group_snapshots", detail=False)


def list_group_snapshots_detail(api: VolumeView, request: Request) -> HttpResponse:
    return listing(api, request, "group_snapshots", detail=True)


def create_group_snapshot(api: VolumeView, request: Request) -> HttpResponse:
    require_version(api, groups.GROUP_SNAPSHOTS_VERSION)
    body = parse_json(request.body)
    made = groups.create_group_snapshot(api.identity(request), body, api.user_calls(request))
    return api.respond_presented(request, made, "group_snapshot")


def show_group_snapshot(api: VolumeView, request: Request, group_snapshot_id: str) -> HttpResponse:
    return show(api, request, "group_snapshots", group_snapshot_id)


def on_group_snapshot(api: VolumeView, request: Request, group_snapshot_id: str) -> HttpResponse:
    """Delete and actions of a group snapshot, in its pod."""
    return on_item(api, request, "group_snapshots", group_snapshot_id)


# --- shared ----------------------------------------------------------------------------------
MINIMUM = {"groups": groups.GROUPS_VERSION, "group_snapshots": groups.GROUP_SNAPSHOTS_VERSION}


def listing(api: VolumeView, request: Request, kind: str, detail: bool) -> HttpResponse:
    require_version(api, MINIMUM[kind])
    params: dict[str, list[str]] | None = None
    if kind == "group_snapshots" and not groups.supports(
        api.version, groups.GROUP_SNAPSHOT_PAGINATION
    ):
        params = {}  # Cinder reads no filter, sort or page of this list before 3.29
    summary = None if detail else groups.SUMMARY_FIELDS
    collection = groups.ITEM_KINDS[kind][0]
    return api.list_collection(request, collection, summary, None, params)


def show(api: VolumeView, request: Request, kind: str, item_id: str) -> HttpResponse:
    require_version(api, MINIMUM[kind])
    made = groups.show(api.identity(request), kind, item_id, api.user_calls(request))
    return api.respond_presented(request, made, groups.ITEM_KINDS[kind][0].singular)


def on_item(api: VolumeView, request: Request, kind: str, item_id: str) -> HttpResponse:
    require_version(api, MINIMUM[kind])
    made = groups.on_item(
        api.identity(request), kind, item_id, api.api_path, api.user_calls(request)
    )
    return api.respond_made(request, made)


def answer(api: VolumeView, body: JsonDict, status: int) -> HttpResponse:
    return api.set_version_headers(JsonResponse(body, status=status))
