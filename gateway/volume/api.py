"""The top region's Block Storage API (Cinder v3): the view every declared route of
gateway.volume.routes is answered through, its version documents, and what its handlers share
(the caller's own calls in a pod for the service layer, answers in Cinder's shape)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from django.http import HttpResponse
from rest_framework.request import Request

from gateway import policy
from gateway.microversions import VersionRange
from gateway.pod_api import PodServiceView
from gateway.proxy import Upstream
from gateway.schema import parse_json
from gateway.services import quotas, volume_groups, volume_types
from gateway.services.calls import PodAnswer
from gateway.upstreams import pod_upstream
from pods.models import Pod
from tricircle_site.exceptions import Forbidden, NotFound
from tricircle_site.jsontypes import JsonDict

API_PREFIX = "/volume/v3"
CINDER_BASELINE = VersionRange("3.0", "3.0")
# Who may name another project than their own in the path (gateway.policy).
OTHER_PROJECT = "tricircle:volume:other_project_in_path"
# Cinder's rules of the quota changes, by the body's key.
QUOTA_CHANGE_RULES = {
    "quota_set": "volume_extension:quotas:update",
    "quota_class_set": "volume_extension:quota_classes:update",
}
# A project id in the URL (/v3/{project_id}/volumes): Keystone ids are 32 hex digits.
PROJECT_ID = re.compile(
    r"^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


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


class VolumeView(PodServiceView):
    fault_style = "nova"  # Cinder's faults have Nova's shape: {"itemNotFound": {code, message}}
    service_type = "volumev3"
    api_prefix = API_PREFIX
    microversion_name = "volume"
    quota_service = quotas.VOLUME
    quota_delete_status = 200
    baseline = CINDER_BASELINE
    # The path the route table matched, without the optional project id: what a call passed
    # on to a pod as it came is made at.
    api_path = "/"

    def marker_not_found(self, marker: str) -> Exception:
        return NotFound(f"Marker {marker} could not be found.")

    @classmethod
    def version_documents(cls, request: Request, versions: VersionRange) -> list[JsonDict]:
        return [version_document(request, versions)]

    @classmethod
    def version_upstream(cls, pod: Pod) -> Upstream:
        upstream = pod_upstream(pod, cls.service_type, "")
        return replace(upstream, base_url=cinder_root(upstream.base_url))

    def upstream(self, request: Request, pod: Pod) -> Upstream:
        upstream = super().upstream(request, pod)
        return replace(upstream, base_url=versioned_base(upstream.base_url))

    def route_path(self, request: Request, path: str) -> str:
        """/v3/{project_id}/... as older clients call it: the project must be the caller's
        (or the caller an admin); the routes and the pods take the path without it."""
        self.api_path = self.without_project(request, "/" + path)
        return self.api_path

    def without_project(self, request: Request, path: str) -> str:
        first, _, rest = path[1:].partition("/")
        identity = self.identity(request)
        if first and (first == identity.project_id or PROJECT_ID.match(first)):
            if first != identity.project_id and not policy.allowed(identity, OTHER_PROJECT):
                raise Forbidden(f"Policy doesn't allow a call in project {first}.")
            return "/" + rest
        return path

    def prepare_quota_change(self, request: Request, body_key: str) -> None:
        given = parse_json(request.body).get(body_key)
        rule = QUOTA_CHANGE_RULES[body_key]
        volume_types.make_types_of_limits(
            self.identity(request), given, self.answering_pods(), rule
        )

    def present_items(self, items: list[JsonDict]) -> None:
        """Type ids (a volume's at 3.63, a group's) are the pods' copies': Tricircle's."""
        volume_groups.name_top_types(items)

    # --- what handlers share ----------------------------------------------------------------
    def respond_presented(
        self, request: Request, made: PodAnswer, singular: str = "volume"
    ) -> HttpResponse:
        """A pod's answer, with the item it shows (`singular`) as Tricircle shows it."""
        answer = made.answer
        if answer.status < 300 and f'"{singular}"'.encode() in answer.content:
            body = answer.json()
            if isinstance(body, dict) and volume_groups.present(made.pod, body, singular):
                answer = replace(answer, content=json.dumps(body).encode())
        return self.respond(request, made.pod, answer)

    def respond_made(self, request: Request, made: PodAnswer) -> HttpResponse:
        return self.respond(request, made.pod, made.answer)

    def accepted(self, status: int = 202) -> HttpResponse:
        return self.set_version_headers(HttpResponse(status=status))


def on_first_pod(api: VolumeView, request: Request, **fields: str) -> HttpResponse:
    """What Tricircle gives no meaning of its own (services, hosts, transfers, messages...):
    answered by the first pod that is not down, as the path came."""
    return api.on_any_pod(request, api.api_path)


def not_found(api: VolumeView, request: Request, **fields: str) -> HttpResponse:
    """Where Cinder answers a method of a known path with a 404 rather than a 405."""
    raise NotFound("The resource could not be found.")
