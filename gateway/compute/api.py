"""The top region's Compute API (Nova v2.1): the view every call goes through (microversions,
forwarding to a pod, lists across pods, Nova's faults), its version documents, and what the
services need of a caller's own calls to the pods."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.collections import PodCollection
from gateway.microversions import VersionRange
from gateway.pod_api import PodServiceView
from gateway.schema import parse_json
from gateway.services import quotas, servers
from pods.models import Pod
from tricircle_site.exceptions import NotFound
from tricircle_site.jsontypes import JsonDict

PREFIX = "/compute"
API_PREFIX = "/compute/v2.1"
NOVA_BASELINE = VersionRange("2.1", "2.1")
# From this microversion on, servers of pods that do not answer are listed as stubs.
STUB_MIN_VERSION = (2, 69)
NOT_FOUND = "The resource could not be found."


def current_version_document(request: Request, versions: VersionRange) -> JsonDict:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": versions.maximum,
        "min_version": versions.minimum,
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": request.build_absolute_uri(f"{API_PREFIX}/")}],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


def legacy_version_document(request: Request) -> JsonDict:
    """Nova lists its deprecated v2.0 API first (clients and Tempest expect it there)."""
    return {
        "id": "v2.0",
        "status": "DEPRECATED",
        "version": "",
        "min_version": "",
        "updated": "2025-07-04T12:00:00Z",
        "links": [{"rel": "self", "href": request.build_absolute_uri("/compute/v2/")}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2"}
        ],
    }


class ComputeView(PodServiceView):
    fault_style = "nova"
    service_type = "compute"
    api_prefix = API_PREFIX
    microversion_name = "compute"
    quota_service = quotas.COMPUTE
    legacy_version_header = "X-OpenStack-Nova-API-Version"
    baseline = NOVA_BASELINE
    # The path being served, after the API's prefix ("/servers/{id}"): what is forwarded.
    api_path = ""

    @classmethod
    def version_documents(cls, request: Request, versions: VersionRange) -> list[JsonDict]:
        return [legacy_version_document(request), current_version_document(request, versions)]

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        major, minor = self.version.split(".")
        self.version_tuple = (int(major), int(minor))

    def route_path(self, request: Request, path: str) -> str:
        if path.endswith("/"):
            # Nova's routes end without a slash: `/os-simple-tenant-usage/` names an empty id.
            raise NotFound(NOT_FOUND)
        self.api_path = "/" + path.strip("/")
        return self.api_path

    def json_body(self, request: Request) -> JsonDict:
        return parse_json(request.body)

    def on_first_pod(self, request: Request) -> HttpResponse:
        """A call with no routing meaning, forwarded as it came to the first healthy pod."""
        return self.on_any_pod(request, self.api_path)

    def present_items(self, items: list[JsonDict]) -> None:
        servers.name_networks_in_addresses(items)

    def down_pod_items(
        self,
        request: Request,
        collection: PodCollection,
        unavailable: dict[Pod, str],
        params: dict[str, list[str]],
    ) -> list[JsonDict]:
        """Servers of pods that did not answer: Nova's down-cell stubs from 2.69 on, left out
        before (as Nova does), and never on a later page."""
        if not unavailable or self.version_tuple < STUB_MIN_VERSION or params.get("marker"):
            return []
        all_tenants = bool(params.get("all_tenants"))
        return servers.down_pod_stubs(self.identity(request), list(unavailable), all_tenants)
