"""The top region's Block Storage API (Cinder v3): volumes placed in a pod by availability zone
(or in their source's pod), calls on a volume, snapshot or backup routed by the routing table,
lists gathered from every pod, volume types global at Tricircle, limits totalled."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from django.http import HttpResponse, JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from gateway import qos_specs_views, quotas, volume, volume_group_views, volume_groups
from gateway.base import GatewayView
from gateway.collections import PodCollection
from gateway.microversions import VersionRange
from gateway.models import VolumeType
from gateway.network_views import parse_json
from gateway.numbers import whole_number
from gateway.pod_api import PodServiceView, query_params, zone_info
from gateway.proxy import Upstream, UpstreamResponse
from gateway.services import pod_choice
from gateway.upstreams import pod_upstream
from pods import services as pod_services
from pods.models import Pod
from routing.models import ResourceType
from routing.services import record_bottom
from tricircle_site.exceptions import BadRequest, Forbidden, NotFound
from tricircle_site.jsontypes import JsonDict

API_PREFIX = "/volume/v3"
CINDER_BASELINE = VersionRange("3.0", "3.0")
# A project id in the URL (/v3/{project_id}/volumes): Keystone ids are 32 hex digits.
PROJECT_ID = re.compile(
    r"^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
ITEM_PATH = re.compile(r"^/(volumes|snapshots|backups)/([^/]+)(/.*)?$")
TYPE_PATH = re.compile(r"^/types/([^/]+)(?:/extra_specs(?:/([^/]+))?)?$")
TYPE_ENCRYPTION_PATH = re.compile(r"^/types/([^/]+)/encryption(?:/([^/]+))?$")
TYPE_ACCESS_PATH = re.compile(r"^/types/([^/]+)/(os-volume-type-access|action)$")
# Quotas a volume type can have a limit of its own for: `volumes_<type name>`...
PER_TYPE_QUOTAS = frozenset({"volumes", "snapshots", "gigabytes"})
ROUTED_TYPES = {
    "volumes": (ResourceType.VOLUME, "Volume"),
    "snapshots": (ResourceType.SNAPSHOT, "Snapshot"),
    "backups": (ResourceType.BACKUP, "Backup"),
}


def cinder_root(url: str) -> str:
    """The Cinder endpoint without its version (and project id): where the version document
    is, unauthenticated."""
    return re.sub(r"/v3(/.*)?$", "", url.rstrip("/"))


def versioned_base(url: str) -> str:
    """A pod endpoint that carries a project id (/v3/%(project_id)s, substituted with the
    service account's project) must not be used for the user's calls: Cinder takes /v3 alone."""
    return re.sub(r"(/v3)/[^/]+$", r"\1", url.rstrip("/"))


def version_document(request: Request, versions: VersionRange) -> JsonDict:
    return {
        "id": "v3.0",
        "status": "CURRENT",
        "version": versions.maximum,
        "min_version": versions.minimum,
        "updated": "2023-08-31T00:00:00Z",
        "links": [{"rel": "self", "href": request.build_absolute_uri(f"{API_PREFIX}/")}],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.volume+json;version=3",
            }
        ],
    }


class VolumeVersionsView(GatewayView):
    permission_classes = [AllowAny]
    status = 200  # Cinder's root answers 300 Multiple Choices, /v3 a 200

    def get(self, request: Request) -> JsonResponse:
        versions = VolumeView.version_range(pod_services.bottom_pods())
        return JsonResponse({"versions": [version_document(request, versions)]}, status=self.status)


def requested_quota(kind: str, item: JsonDict) -> dict[str, int]:
    """What a create takes of the project's quota (the size of a snapshot or backup is
    counted by its pod alone)."""
    if kind != "volumes":
        return {kind: 1}
    try:
        size = whole_number(item.get("size") or 0, "size")
    except BadRequest as exc:
        raise BadRequest(f"Invalid input received: size {item.get('size')!r}.") from exc
    return {"volumes": 1, "gigabytes": size}


class VolumeView(PodServiceView):
    fault_style = "nova"  # Cinder's faults have Nova's shape: {"itemNotFound": {code, message}}
    service_type = "volumev3"
    api_prefix = API_PREFIX
    microversion_name = "volume"
    quota_service = quotas.VOLUME
    quota_delete_status = 200
    baseline = CINDER_BASELINE

    def marker_not_found(self, marker: str) -> Exception:
        return NotFound(f"Marker {marker} could not be found.")

    @classmethod
    def version_upstream(cls, pod: Pod) -> Upstream:
        upstream = pod_upstream(pod, cls.service_type, "")
        return replace(upstream, base_url=cinder_root(upstream.base_url))

    def upstream(self, request: Request, pod: Pod) -> Upstream:
        upstream = super().upstream(request, pod)
        return replace(upstream, base_url=versioned_base(upstream.base_url))

    def handle(self, request: Request, path: str = "") -> HttpResponse:
        trailing_slash = path.endswith("/")
        path = self.without_project(request, "/" + path.strip("/"))
        method = request.method
        parts = path.strip("/").split("/")
        if trailing_slash and path != "/":
            # Cinder's routes end without a slash: `/volumes/` names nothing (an empty id).
            raise NotFound("The resource could not be found.")
        if parts[0] in volume.COLLECTIONS and len(parts) <= 2:
            collection = volume.COLLECTIONS[parts[0]]
            if method == "GET" and (len(parts) == 1 or parts[1] == "detail"):
                summary = volume.SUMMARIES[parts[0]] if len(parts) == 1 else None
                return self.list_items(request, collection, summary)
            if method == "POST" and len(parts) == 1:
                return self.create(request, parts[0])
        if path == "/volumes/summary":
            return self.totalled(request, path)
        item = ITEM_PATH.match(path)
        if item:
            return self.on_item(request, path, item.group(1), item.group(2), item.group(3) or "")
        if path == "/types" or path.startswith("/types/"):
            return self.types(request, path)
        if path == "/qos-specs" or path.startswith("/qos-specs/"):
            return qos_specs_views.handle_qos_specs(self, request, path)
        if volume_group_views.serves(path):
            return volume_group_views.handle(self, request, path)
        if path in {"/os-availability-zone", "/os-availability-zone/detail"}:
            return self.set_version_headers(JsonResponse({"availabilityZoneInfo": zone_info()}))
        if path == "/limits" or path.startswith("/os-quota-sets/"):
            return self.quotas(request, path)
        if path.startswith("/os-quota-class-sets/"):
            return self.quota_classes(request, path)
        return self.on_any_pod(request, path)

    def prepare_quota_change(self, request: Request, body_key: str) -> None:
        """Per-type limits (`volumes_<type>`...) name Tricircle's types, which the pods only
        have once a volume of the type was made there: made in every pod first."""
        identity = self.identity(request)
        if not identity.is_admin:
            return  # the pods refuse the change; nothing is made for it
        given = parse_json(request.body).get(body_key)
        names = {
            key.split("_", 1)[1]
            for key in (given if isinstance(given, dict) else {})
            if key.split("_", 1)[0] in PER_TYPE_QUOTAS and "_" in key
        }
        for name in sorted(names):
            found = volume.find_type(name, identity)
            if found is not None:
                for pod in self.answering_pods():
                    volume.ensure_type_in_pod(pod, found, identity.project_id)

    get = post = put = delete = patch = handle

    def present_items(self, items: list[JsonDict]) -> None:
        """Type ids (a volume's at 3.63, a group's) are the pods' copies': Tricircle's."""
        volume_groups.name_top_types(items)

    def without_project(self, request: Request, path: str) -> str:
        """/v3/{project_id}/... as older clients call it: the project must be the caller's
        (or the caller an admin); the pods are called without it."""
        first, _, rest = path.strip("/").partition("/")
        identity = self.identity(request)
        if first and (first == identity.project_id or PROJECT_ID.match(first)):
            if first != identity.project_id and not identity.is_admin:
                raise Forbidden(f"Policy doesn't allow a call in project {first}.")
            return "/" + rest
        return path

    # --- volumes, snapshots, backups -------------------------------------------------------
    def list_items(
        self, request: Request, collection: PodCollection, summary: tuple[str, ...] | None
    ) -> HttpResponse:
        params = query_params(request)
        pods = self.pods
        if collection is volume.VOLUMES and params.get("availability_zone"):
            # A pod is in one zone: the zone filter picks pods (their own zone names differ).
            zone = params.pop("availability_zone")[-1]
            pods = [pod for pod in pods if pod.az_name == zone]
        return self.list_collection(request, collection, summary, pods, params)

    def create(self, request: Request, kind: str) -> HttpResponse:
        body = parse_json(request.body)
        singular = volume.COLLECTIONS[kind].singular
        item = body.get(singular)
        if not isinstance(item, dict):
            raise BadRequest(f'The request body must be {{"{singular}": {{...}}}}.')
        identity = self.identity(request)
        self.enforce_quota(request, requested_quota(kind, item))
        if kind == "volumes":
            pod = self.prepare_volume(request, item)
        else:
            # A snapshot or a backup is made where its volume is.
            if "volume_id" not in item:
                raise BadRequest(f"'volume_id' is a required property of the {singular}.")
            if not item["volume_id"]:
                # Cinder's snapshot schema lets a null volume id through to the volume lookup.
                if kind == "snapshots":
                    raise NotFound(f"Volume {item['volume_id']} could not be found.")
                raise BadRequest(f"Invalid input for field/attribute volume_id of the {singular}.")
            pod = pod_choice.routed_pod(item["volume_id"], ResourceType.VOLUME, "Volume")
        response = self.forward(request, pod, f"/{kind}", json.dumps(body).encode())
        if response.status < 300:
            created = response.json()[singular]
            resource_type = ROUTED_TYPES[kind][0]
            record_bottom(created["id"], created["id"], pod, resource_type, identity.project_id)
        return self.respond_item(request, pod, response)

    def prepare_volume(self, request: Request, item: JsonDict) -> Pod:
        """The pod of a new volume: its source's (snapshot, volume, backup: Cinder makes it
        from there) or its group's, else by availability zone like a server; the volume type
        made there."""
        identity = self.identity(request)
        zone = item.pop("availability_zone", None)
        pod = None
        for field, resource_type, what in (
            ("snapshot_id", ResourceType.SNAPSHOT, "Snapshot"),
            ("source_volid", ResourceType.VOLUME, "Volume"),
            ("backup_id", ResourceType.BACKUP, "Backup"),
        ):
            if item.get(field):
                pod = pod_choice.routed_pod(item[field], resource_type, what)
                if zone and zone != pod.az_name:
                    raise BadRequest(
                        f"The {what.lower()} {item[field]} is in {pod.az_name}, not in {zone}."
                    )
                break
        if pod is None and item.get("group_id") is not None:
            pod = volume_group_views.group_pod(self, request, item["group_id"], zone)
        if pod is None:
            pod = pod_choice.choose_pod(identity.project_id, zone)
            if pod.pod_az_name:
                item["availability_zone"] = pod.pod_az_name
        if item.get("volume_type"):
            item["volume_type"] = self.type_in_pod(request, pod, item["volume_type"])
        return pod

    def type_in_pod(self, request: Request, pod: Pod, ref: str) -> str:
        """Tricircle's type is made in the pod (by name); another name is the pod's business."""
        identity = self.identity(request)
        found = volume.find_type(ref, identity)
        if found is None:
            return ref
        volume.ensure_type_in_pod(pod, found, identity.project_id)
        return found.name

    def on_item(
        self, request: Request, path: str, kind: str, item_id: str, rest: str
    ) -> HttpResponse:
        resource_type, what = ROUTED_TYPES[kind]
        pod = pod_choice.routed_pod(item_id, resource_type, what)
        body = None
        if kind == "volumes" and rest == "/action" and request.method == "POST":
            action = parse_json(request.body)
            retype = action.get("os-retype")
            if isinstance(retype, dict) and retype.get("new_type"):
                retype["new_type"] = self.type_in_pod(request, pod, retype["new_type"])
                body = json.dumps(action).encode()
        response = self.forward(request, pod, path, body)
        if request.method == "GET" and not rest and response.status == 404:
            # A 404 to this caller may only mean "not yours": the routing table forgets the
            # item when the service account's view says the pod no longer has it.
            volume.forget_if_gone(pod, kind, item_id, resource_type)
        if kind == "backups" and rest == "/restore" and response.status < 300:
            restored = response.json().get("restore", {})
            if restored.get("volume_id"):
                record_bottom(
                    restored["volume_id"],
                    restored["volume_id"],
                    pod,
                    ResourceType.VOLUME,
                    self.identity(request).project_id,
                )
        return self.respond_item(request, pod, response)

    def respond_item(self, request: Request, pod: Pod, response: UpstreamResponse) -> HttpResponse:
        if response.status < 300 and b'"volume"' in response.content:
            body = response.json()
            if isinstance(body.get("volume"), dict):
                volume.present_volume(pod, body["volume"])
                volume_groups.name_top_types([body["volume"]])
                response = replace(response, content=json.dumps(body).encode())
        return self.respond(request, pod, response)

    # --- types -----------------------------------------------------------------------------
    def types(self, request: Request, path: str) -> HttpResponse:
        identity = self.identity(request)
        method = request.method
        if path == "/types":
            if method == "GET":
                wanted = query_params(request).get("is_public", [None])[-1]
                types = volume.visible_types(identity, wanted)
                shown = [volume.type_body(t, identity.is_admin, read=True) for t in types]
                return self.answer({"volume_types": shown})
            if method == "POST":
                self.require_admin(request)
                created = volume.create_type(parse_json(request.body).get("volume_type"))
                return self.answer({"volume_type": volume.type_body(created, True)})
            raise BadRequest(f"{method} is not allowed on /types.")
        access = TYPE_ACCESS_PATH.match(path)
        if access:
            self.require_admin(request)
            return self.type_access(request, volume.get_type(access.group(1), identity), access)
        encryption = TYPE_ENCRYPTION_PATH.match(path)
        if encryption:
            self.require_admin(request)
            volume_type = volume.get_type(encryption.group(1), identity)
            return self.type_encryption(request, volume_type, encryption.group(2))
        match = TYPE_PATH.match(path)
        if not match:
            return self.on_any_pod(request, path)
        volume_type = volume.get_type(match.group(1), identity)
        key = match.group(2)
        if not path.split("/", 3)[3:]:  # /types/{id}
            if method == "GET":
                shown_type = volume.type_body(volume_type, identity.is_admin, read=True)
                return self.answer({"volume_type": shown_type})
            self.require_admin(request)
            if method == "PUT":
                body = parse_json(request.body).get("volume_type")
                updated = volume.update_type(volume_type, body)
                return self.answer({"volume_type": volume.type_body(updated, True, False)})
            if method == "DELETE":
                volume.delete_type(volume_type)
                return self.set_version_headers(HttpResponse(status=202))
            raise BadRequest(f"{method} is not allowed on a volume type.")
        specs = volume.visible_extra_specs(volume_type, identity.is_admin)
        if key is None:  # /types/{id}/extra_specs
            if method == "GET":
                return self.answer({"extra_specs": specs})
            self.require_admin(request)
            if method == "POST":
                given = parse_json(request.body).get("extra_specs")
                return self.answer({"extra_specs": volume.set_extra_specs(volume_type, given)})
            raise BadRequest(f"{method} is not allowed on extra specs.")
        if method == "GET":
            if key not in specs:
                raise NotFound(f"Volume Type {volume_type.id} has no extra specs with key {key}.")
            return self.answer({key: specs[key]})
        self.require_admin(request)
        if method == "PUT":
            given = parse_json(request.body)
            if set(given) != {key}:
                raise BadRequest("The request body must name the key of the URL alone.")
            return self.answer(volume.set_extra_specs(volume_type, given))
        if method == "DELETE":
            volume.unset_extra_spec(volume_type, key)
            return self.set_version_headers(HttpResponse(status=202))
        raise BadRequest(f"{method} is not allowed on an extra spec.")

    def type_access(
        self, request: Request, volume_type: VolumeType, match: re.Match[str]
    ) -> HttpResponse:
        """os-volume-type-access: GET the projects of a private type; POST addProjectAccess or
        removeProjectAccess to its action (admins only)."""
        if match.group(2) == "os-volume-type-access" and request.method == "GET":
            return self.answer({"volume_type_access": volume.type_access(volume_type)})
        if match.group(2) == "action" and request.method == "POST":
            action = parse_json(request.body)
            for name, change in (
                ("addProjectAccess", volume.add_access),
                ("removeProjectAccess", volume.remove_access),
            ):
                if isinstance(action.get(name), dict):
                    change(volume_type, action[name].get("project"))
                    return self.set_version_headers(HttpResponse(status=202))
            raise BadRequest("Give addProjectAccess or removeProjectAccess with a project.")
        raise BadRequest(f"{request.method} is not allowed on {request.path}.")

    def type_encryption(
        self, request: Request, volume_type: VolumeType, item: str | None
    ) -> HttpResponse:
        """/types/{id}/encryption[/{key or encryption id}]: kept with the type at Tricircle and
        given to its copies in the pods (admins only, as Cinder's policy)."""
        method = request.method
        specs = volume.encryption_specs(volume_type)
        if method == "GET" and item is None:
            return self.answer(specs)
        if method == "GET":
            if item not in specs:
                raise NotFound(f"Volume type encryption for type {volume_type.id} does not exist.")
            return self.answer({item: specs[item]})
        if method in {"POST", "PUT"} and (item is None) == (method == "POST"):
            given = parse_json(request.body).get("encryption")
            spec = volume.set_encryption(volume_type, given, creating=method == "POST")
            return self.answer({"encryption": spec})
        if method == "DELETE" and item is not None:
            volume.delete_encryption(volume_type)
            return self.set_version_headers(HttpResponse(status=202))
        raise BadRequest(f"{method} is not allowed on {request.path}.")

    def require_admin(self, request: Request) -> None:
        if not self.identity(request).is_admin:
            raise Forbidden("Policy doesn't allow this change of volume types to be performed.")
