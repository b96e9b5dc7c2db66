"""The generic volume group APIs of the top region's Block Storage API: group types and their
specs answered from Tricircle's records; groups and group snapshots forwarded to the pod that
has them (a new group to the pod of its zone, a group snapshot or a group made from a source to
its source's pod), gathered from every pod for lists, and shown with Tricircle's type ids."""

from __future__ import annotations

import builtins
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from gateway import schema
from gateway import volume_groups as groups
from gateway.collections import PodCollection
from gateway.confinement import caller_routed_pod, require_uuid, visible_routing
from gateway.pod_api import PodServiceView, query_params
from gateway.proxy import UpstreamResponse, call
from gateway.schema import parse_json
from gateway.services import quotas
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import record_bottom
from tricircle_site.exceptions import BadRequest, NotFound
from tricircle_site.jsontypes import JsonDict

LOG = logging.getLogger(__name__)

PATHS = re.compile(r"^/(group_types|groups|group_snapshots)(?:/|$)")
GROUP_TYPE_PATH = re.compile(r"^/group_types/([^/]+)(/group_specs(?:/([^/]+))?)?$")
ITEM_PATH = re.compile(r"^/(groups|group_snapshots)/([^/]+)(/action)?$")
# Cinder's answer to a path it has no method for (at this microversion).
NO_SUCH_RESOURCE = "The resource could not be found."


@dataclass(frozen=True)
class Kind:
    collection: PodCollection
    what: str  # as Cinder's not-found messages name it
    minimum: str  # the microversion that brought the API


KINDS = {
    "groups": Kind(groups.GROUPS, "Group", groups.GROUPS_VERSION),
    "group_snapshots": Kind(
        groups.GROUP_SNAPSHOTS, "GroupSnapshot", groups.GROUP_SNAPSHOTS_VERSION
    ),
}
# The policy rule each call of a group type's specs needs (admins only, as Cinder's defaults).
SPEC_RULES = {
    (False, "GET"): "group:group_types_specs:get_all",
    (False, "POST"): "group:group_types_specs:create",
    (True, "GET"): "group:group_types_specs:get",
    (True, "PUT"): "group:group_types_specs:update",
    (True, "DELETE"): "group:group_types_specs:delete",
}


def serves(path: str) -> bool:
    return bool(PATHS.match(path))


def handle(view: PodServiceView, request: Request, path: str) -> HttpResponse:
    return GroupRequests(view, request).handle(path)


def group_pod(view: PodServiceView, request: Request, group_id: object, zone: str | None) -> Pod:
    """The pod of the group a new volume joins. The group must be the caller's to see (the
    routing table, then its pod with the caller's token) before the volume's type is made there
    or its zone is told."""
    if not isinstance(group_id, str):
        raise schema.invalid("group_id", group_id, f"{group_id!r} is not of type 'string'")
    calls = GroupRequests(view, request)
    routing = visible_routing(calls.identity, group_id, ResourceType.GROUP)
    if routing is None or not calls.sees(routing.pod, f"/groups/{group_id}"):
        raise NotFound(f"Group {group_id} could not be found.")
    if zone and zone != routing.pod.az_name:
        raise BadRequest(f"The group {group_id} is in {routing.pod.az_name}, not in {zone}.")
    return routing.pod


class GroupRequests:
    """One request to the group APIs, answered through the volume view's forwarding."""

    def __init__(self, view: PodServiceView, request: Request) -> None:
        self.view = view
        self.request = request
        self.identity = view.identity(request)

    def handle(self, path: str) -> HttpResponse:
        api = path.strip("/").split("/")[0]
        minimum = groups.GROUP_TYPES_VERSION if api == "group_types" else KINDS[api].minimum
        if not groups.supports(self.view.version, minimum):
            raise NotFound(NO_SUCH_RESOURCE)
        if api == "group_types":
            return self.group_types(path)
        method = self.request.method
        if method == "GET" and path in {f"/{api}", f"/{api}/detail"}:
            return self.list(api, detail=path.endswith("/detail"))
        if method == "POST" and path == "/groups":
            return self.create_group()
        if method == "POST" and path == "/group_snapshots":
            return self.create_group_snapshot()
        if method == "POST" and path == "/groups/action":
            return self.create_from_source()
        item = ITEM_PATH.match(path)
        if item:
            return self.on_item(path, item.group(1), item.group(2), bool(item.group(3)))
        raise NotFound(NO_SUCH_RESOURCE)

    # --- group types ------------------------------------------------------------------------
    def group_types(self, path: str) -> HttpResponse:
        method = self.request.method
        if path == "/group_types" and method == "GET":
            return self.list_group_types()
        if path == "/group_types" and method == "POST":
            fields = groups.valid_new_group_type(parse_json(self.request.body))
            self.require_admin("group:group_types:create")
            made = groups.create_group_type(fields)
            return self.answer({"group_type": groups.group_type_body(made, True)}, 202)
        match = GROUP_TYPE_PATH.match(path)
        if not match:
            raise NotFound(NO_SUCH_RESOURCE)
        type_id, specs, key = match.groups()
        if specs:
            return self.group_specs(type_id, key)
        if method == "GET":
            if type_id == "default":
                # Cinder's answer without a default_group_type: Tricircle configures none.
                raise NotFound("Default group type can not be found.")
            group_type = groups.get_group_type(type_id, self.identity)
            return self.answer(
                {"group_type": groups.group_type_body(group_type, self.identity.is_admin)}
            )
        if method == "PUT":
            changes = groups.valid_update(parse_json(self.request.body))
            self.require_admin("group:group_types:update")
            group_type = groups.get_group_type(type_id, self.identity)
            updated = groups.update_group_type(group_type, changes)
            return self.answer({"group_type": groups.group_type_body(updated, True)})
        if method == "DELETE":
            self.require_admin("group:group_types:delete")
            groups.delete_group_type(groups.get_group_type(type_id, self.identity))
            return self.view.set_version_headers(HttpResponse(status=202))
        raise NotFound(NO_SUCH_RESOURCE)

    def list_group_types(self) -> HttpResponse:
        params = query_params(self.request)
        page, size = groups.list_group_types(self.identity, params)
        body: JsonDict = {
            "group_types": [groups.group_type_body(t, self.identity.is_admin) for t in page]
        }
        if page and len(page) == size:  # as Cinder: a full page has a next link
            query = {key: values for key, values in params.items() if key != "marker"}
            query["marker"] = [page[-1].id]
            href = self.request.build_absolute_uri(self.request.path)
            body["group_type_links"] = [
                {"rel": "next", "href": f"{href}?{urlencode(query, doseq=True)}"}
            ]
        return self.answer(body)

    def group_specs(self, type_id: str, key: str | None) -> HttpResponse:
        method = self.request.method
        assert method is not None  # a request DRF dispatched has one
        rule = SPEC_RULES.get((key is not None, method))
        if rule is None:
            raise NotFound(NO_SUCH_RESOURCE)
        given: groups.Specs = {}
        if method in {"POST", "PUT"}:  # Cinder checks the body before its policy
            body = parse_json(self.request.body)
            given = groups.valid_specs(body) if key is None else groups.valid_spec(body)
        self.require_admin(rule)
        group_type = groups.get_group_type(type_id, self.identity)
        if key is None and method == "GET":
            return self.answer({"group_specs": dict(group_type.group_specs)})
        if key is None:
            return self.answer({"group_specs": groups.set_group_specs(group_type, given)}, 202)
        if method == "GET":
            return self.answer(groups.group_spec(group_type, key))
        if method == "PUT":
            return self.answer(groups.update_group_spec(group_type, key, given))
        groups.unset_group_spec(group_type, key)
        return self.view.set_version_headers(HttpResponse(status=202))

    def require_admin(self, rule: str) -> None:
        if not self.identity.is_admin:
            raise groups.policy_refusal(rule)

    # --- groups and group snapshots ---------------------------------------------------------
    def list(self, api: str, detail: bool) -> HttpResponse:
        params: dict[str, builtins.list[str]] | None = None
        if api == "group_snapshots" and not groups.supports(
            self.view.version, groups.GROUP_SNAPSHOT_PAGINATION
        ):
            params = {}  # Cinder reads no filter, sort or page of this list before 3.29
        summary = None if detail else groups.SUMMARY_FIELDS
        return self.view.list_collection(self.request, KINDS[api].collection, summary, None, params)

    def create_group(self) -> HttpResponse:
        body = parse_json(self.request.body)
        group = groups.valid_group(body)
        pod = groups.prepare_group(self.identity, group)
        answer = self.view.forward(self.request, pod, "/groups", json.dumps(body).encode())
        if answer.status < 300:
            self.record(answer.json()["group"]["id"], pod, ResourceType.GROUP)
        return self.view.respond(self.request, pod, answer)

    def create_group_snapshot(self) -> HttpResponse:
        body = parse_json(self.request.body)
        given = groups.body_object(body, "group_snapshot")
        groups.only_keys(given, "group_snapshot", ("group_id", "name", "description"))
        if "group_id" not in given:
            raise schema.invalid("group_snapshot", given, "'group_id' is a required property")
        group_id = require_uuid(given["group_id"], "group_id")
        pod = caller_routed_pod(self.identity, group_id, ResourceType.GROUP, "Group")
        self.enforce_quota(lambda: {"snapshots": len(self.group_volumes(pod, group_id))})
        answer = self.view.forward(self.request, pod, "/group_snapshots", self.request.body)
        if answer.status < 300:
            made = answer.json()["group_snapshot"]["id"]
            self.record(made, pod, ResourceType.GROUP_SNAPSHOT)
            self.record_group_snapshot_members(pod, group_id, made)
        return self.respond_presented(pod, answer, KINDS["group_snapshots"].collection)

    def create_from_source(self) -> HttpResponse:
        """POST /groups/action: create-from-src, the only action on the collection (3.14), made
        in its source's pod."""
        if not groups.supports(self.view.version, groups.GROUP_SNAPSHOTS_VERSION):
            raise NotFound(NO_SUCH_RESOURCE)
        body = parse_json(self.request.body)
        if "create-from-src" not in body:
            action = next(iter(body), "")
            raise BadRequest(
                f"There is no such action: {action}. Verify the request body and Content-Type "
                "header and try again."
            )
        given = groups.body_object(body, "create-from-src")
        groups.only_keys(
            given,
            "create-from-src",
            ("name", "description", "source_group_id", "group_snapshot_id"),
        )
        sources = [key for key in ("group_snapshot_id", "source_group_id") if key in given]
        if len(sources) != 1:
            reason = "is valid under each of" if sources else "is not valid under any of"
            raise schema.invalid("create-from-src", given, f"{given} {reason} the given schemas")
        source_id = require_uuid(given[sources[0]], sources[0])
        if sources[0] == "group_snapshot_id":
            pod = caller_routed_pod(
                self.identity, source_id, ResourceType.GROUP_SNAPSHOT, "GroupSnapshot"
            )
            self.enforce_quota(lambda: self.volumes_from_group_snapshot(pod, source_id))
        else:
            pod = caller_routed_pod(self.identity, source_id, ResourceType.GROUP, "Group")
            self.enforce_quota(lambda: usage_of(self.group_volumes(pod, source_id), "size"))
        answer = self.view.forward(self.request, pod, "/groups/action", self.request.body)
        if answer.status < 300:
            made = answer.json()["group"]["id"]
            self.record(made, pod, ResourceType.GROUP)
            # Cinder makes the new group's volumes (in its database, before it answers) and
            # names none of them: read with the caller's token, the caller's own new volumes
            # become routable like those made through the gateway.
            for made_volume in self.group_volumes(pod, made):
                self.record(made_volume["id"], pod, ResourceType.VOLUME, made_volume)
        return self.view.respond(self.request, pod, answer)

    def on_item(self, path: str, api: str, item_id: str, action: bool) -> HttpResponse:
        kind = KINDS[api]
        resource_type = kind.collection.resource_type
        pod = caller_routed_pod(self.identity, item_id, resource_type, kind.what)
        method = self.request.method
        if api == "groups" and method == "PUT" and not action:
            self.check_added_volumes(pod, item_id)
        answer = self.view.forward(self.request, pod, path)
        if method != "GET" or action:
            return self.view.respond(self.request, pod, answer)
        if answer.status == 404:
            # A 404 to this caller may only mean "not yours": the routing table forgets the
            # item when the service account's view says the pod no longer has it.
            groups.forget_if_gone(pod, api, item_id, resource_type)
        return self.respond_presented(pod, answer, kind.collection)

    def check_added_volumes(self, pod: Pod, group_id: str) -> None:
        """A group holds volumes of its own pod: a volume of another pod is refused as Cinder
        refuses one it cannot add, once the caller was shown to see it there (the routing
        table, then that pod with the caller's token: a volume given to this project by a
        transfer is routed under its first project)."""
        group = parse_json(self.request.body).get("group")
        added = group.get("add_volumes") if isinstance(group, dict) else None
        if not isinstance(added, str):
            return  # nothing to add, or a body the pod refuses itself
        for volume_id in [item for item in added.strip(",").split(",") if item]:
            routing = (
                ResourceRouting.objects.select_related("pod")
                .filter(top_id=volume_id, resource_type=ResourceType.VOLUME)
                .first()
            )
            if routing is not None and routing.pod == pod:
                continue
            if routing is None or not self.sees(routing.pod, f"/volumes/{volume_id}"):
                raise BadRequest(
                    f"Invalid volume: Cannot add volume {volume_id} to group {group_id} because "
                    "volume cannot be found."
                )
            raise BadRequest(
                f"Invalid volume: Cannot add volume {volume_id} to group {group_id} because "
                f"they are in different pods ({routing.pod.region_name} in "
                f"{routing.pod.az_name}, {pod.region_name} in {pod.az_name}); a group holds "
                "volumes of its own pod."
            )

    # --- what the pod made on the caller's behalf --------------------------------------------
    def record_group_snapshot_members(
        self, pod: Pod, group_id: str, group_snapshot_id: str
    ) -> None:
        """Cinder makes a snapshot of each of the group's volumes (in its database, before it
        answers) and names none of them: read with the caller's token (only the caller's own
        items are seen), they become routable like snapshots made through the gateway."""
        for member in self.group_snapshot_members(pod, group_id, group_snapshot_id):
            self.record(member["id"], pod, ResourceType.SNAPSHOT, member)

    def group_snapshot_members(
        self, pod: Pod, group_id: str, group_snapshot_id: str
    ) -> builtins.list[JsonDict]:
        # Cinder's snapshot list takes no group snapshot filter from users: by the group's
        # volumes, which it does take.
        return [
            snapshot
            for member in self.group_volumes(pod, group_id)
            for snapshot in self.pod_items(pod, "snapshots", [("volume_id", member["id"])])
            if snapshot.get("group_snapshot_id") == group_snapshot_id
        ]

    def group_volumes(self, pod: Pod, group_id: str) -> builtins.list[JsonDict]:
        return self.pod_items(pod, "volumes", [("group_id", group_id)])

    def volumes_from_group_snapshot(self, pod: Pod, group_snapshot_id: str) -> dict[str, int]:
        shown = self.pod_get(pod, f"/group_snapshots/{group_snapshot_id}")
        group_id = (shown or {}).get("group_snapshot", {}).get("group_id")
        if not group_id:
            return {}  # the pod answers the create with its refusal
        return usage_of(self.group_snapshot_members(pod, group_id, group_snapshot_id), "size")

    def pod_items(
        self, pod: Pod, kind: str, query: builtins.list[tuple[str, str]]
    ) -> builtins.list[JsonDict]:
        """A pod's detailed list as the caller sees it (admins: of every project, as the item
        in question may be another project's)."""
        if self.identity.is_admin:
            query = [*query, ("all_tenants", "True")]
        body = self.pod_get(pod, f"/{kind}/detail", urlencode(query))
        return [item for item in (body or {}).get(kind, []) if isinstance(item, dict)]

    def pod_get(self, pod: Pod, path: str, query: str = "") -> JsonDict | None:
        headers = self.view.pod_headers(self.request)
        if not groups.supports(self.view.version, groups.GROUPS_VERSION):
            # A volume may join a group at any microversion; the group is read at one that
            # has groups.
            headers["OpenStack-API-Version"] = f"volume {groups.GROUPS_VERSION}"
        answer = call(self.view.upstream(self.request, pod), "GET", path, headers, query=query)
        if answer.status >= 300:
            LOG.warning("%s of %s: HTTP %s", path, pod.region_name, answer.status)
            return None
        body = answer.json()
        return body if isinstance(body, dict) else None

    def sees(self, pod: Pod, path: str) -> bool:
        return self.pod_get(pod, path) is not None

    def record(
        self, item_id: str, pod: Pod, resource_type: str, item: JsonDict | None = None
    ) -> None:
        # An admin's list shows each item's own project (the routing entry is that project's).
        shown = item or {}
        project_id = (
            shown.get("os-vol-tenant-attr:tenant_id")
            or shown.get("os-extended-snapshot-attributes:project_id")
            or self.identity.project_id
        )
        record_bottom(item_id, item_id, pod, resource_type, project_id)

    def enforce_quota(self, requested: Callable[[], dict[str, int]]) -> None:
        """The project's limits kept by Tricircle count what the pod makes for a group snapshot
        or a group made from a source (its source is read only when there are such limits)."""
        if quotas.limits_of(self.identity.project_id, quotas.VOLUME):
            self.view.enforce_quota(self.request, requested())

    # --- answers ----------------------------------------------------------------------------
    def respond_presented(
        self, pod: Pod, answer: UpstreamResponse, collection: PodCollection
    ) -> HttpResponse:
        if answer.status < 300 and answer.content:
            body = answer.json()
            if isinstance(body.get(collection.singular), dict):
                if collection.present:
                    collection.present(pod, body[collection.singular])
                groups.name_top_types([body[collection.singular]])
                answer = replace(answer, content=json.dumps(body).encode())
        return self.view.respond(self.request, pod, answer)

    def answer(self, body: JsonDict, status: int = 200) -> HttpResponse:
        return self.view.set_version_headers(JsonResponse(body, status=status))


def usage_of(items: list[JsonDict], size_field: str) -> dict[str, int]:
    """What volumes made from these items (volumes or snapshots) take of the project's quota."""
    return {
        "volumes": len(items),
        "gigabytes": sum(int(item.get(size_field) or 0) for item in items),
    }
