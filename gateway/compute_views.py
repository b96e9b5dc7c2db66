"""The top region's Compute API (Nova v2.1): creates placed in a pod by availability zone, calls
on a server routed by the routing table, lists gathered from every pod."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs, urlencode

from django.http import HttpResponse, JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from gateway import compute
from gateway.base import GatewayView
from gateway.collections import list_across_pods
from gateway.microversions import VersionRange, supported_range
from gateway.network_views import central_upstream, parse_json
from gateway.proxy import Upstream, UpstreamResponse, call, user_headers
from gateway.upstreams import pod_upstream
from jobs.services import request_job
from networking import boot
from networking.job_types import BOOT_PORT_RELEASE, SERVER_PORTS_RELEASE
from networking.neutron import NeutronError
from pods import services as pod_services
from pods.models import HealthStatus, Pod
from routing.models import ResourceRouting, ResourceType
from routing.services import record_bottom
from tricircle_site.exceptions import BadRequest, ServiceUnavailable

LOG = logging.getLogger(__name__)
PREFIX = "/compute"
API_PREFIX = "/compute/v2.1"
NOVA_BASELINE = VersionRange("2.1", "2.1")
SERVER_PATH = re.compile(r"^/servers/([^/]+)(/.*)?$")
STUB_MIN_VERSION = (2, 69)


def nova_range(pods: list[Pod]) -> VersionRange:
    return supported_range(
        "compute",
        pods,
        lambda pod: pod_upstream(pod, "compute", ""),
        NOVA_BASELINE,
    )


def version_document(request: Request, versions: VersionRange) -> dict:
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


class ComputeVersionsView(GatewayView):
    permission_classes = [AllowAny]

    def get(self, request: Request, versioned: str = "") -> JsonResponse:
        document = version_document(request, nova_range(pod_services.bottom_pods()))
        if versioned:
            return JsonResponse({"version": document})
        return JsonResponse({"versions": [document]})


def requested_microversion(meta: dict) -> str | None:
    header = meta.get("HTTP_OPENSTACK_API_VERSION", "")
    if header.lower().startswith("compute "):
        return header.split(None, 1)[1]
    return meta.get("HTTP_X_OPENSTACK_NOVA_API_VERSION")


class ComputeView(GatewayView):
    fault_style = "nova"

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        self.pods = pod_services.bottom_pods()
        self.version = nova_range(self.pods).resolve(requested_microversion(request.META))

    def pod_headers(self, request: Request) -> dict[str, str]:
        headers = user_headers(request.META, self.identity(request).token)
        headers.pop("OpenStack-API-Version", None)
        headers["X-OpenStack-Nova-API-Version"] = self.version
        headers["OpenStack-API-Version"] = f"compute {self.version}"
        return headers

    def upstream(self, request: Request, pod: Pod) -> Upstream:
        return pod_upstream(pod, "compute", self.public_root(request, API_PREFIX))

    def forward(
        self, request: Request, pod: Pod, path: str, body: bytes | None = None
    ) -> UpstreamResponse:
        return call(
            self.upstream(request, pod),
            request.method,
            path,
            self.pod_headers(request),
            request.body if body is None else body,
            request.META.get("QUERY_STRING", ""),
        )

    def respond(self, request: Request, pod: Pod, response: UpstreamResponse) -> HttpResponse:
        answer = response.to_django(self.upstream(request, pod))
        answer["X-OpenStack-Nova-API-Version"] = self.version
        answer["OpenStack-API-Version"] = f"compute {self.version}"
        return answer

    def handle(self, request: Request, path: str = "") -> HttpResponse:
        path = "/" + path.strip("/")
        method = request.method
        if path in {"/servers", "/servers/detail"} and method == "GET":
            return self.list_servers(request, detailed=path.endswith("/detail"))
        if path == "/servers" and method == "POST":
            return self.create_server(request)
        server = SERVER_PATH.match(path)
        if server:
            return self.on_server(request, path, server.group(1))
        if path in {"/os-availability-zone", "/os-availability-zone/detail"}:
            return self.availability_zones(request)
        return self.on_any_pod(request, path)

    get = post = put = delete = patch = handle

    # --- servers -----------------------------------------------------------------------------
    def on_server(self, request: Request, path: str, server_id: str) -> HttpResponse:
        pod = compute.routed_pod(server_id, ResourceType.SERVER, "Instance")
        response = self.forward(request, pod, path)
        if request.method == "DELETE" and path == f"/servers/{server_id}" and response.status < 300:
            request_job(
                SERVER_PORTS_RELEASE, self.identity(request).project_id, {"server_id": server_id}
            )
        return self.respond(request, pod, response)

    def create_server(self, request: Request) -> HttpResponse:
        body = parse_json(request.body)
        server = body.get("server")
        if not isinstance(server, dict):
            raise BadRequest('The request body must be {"server": {...}}.')
        identity = self.identity(request)
        zone = server.pop("availability_zone", None)
        pod = compute.choose_pod(identity.project_id, zone.split(":")[0] if zone else None)
        if pod.pod_az_name:
            server["availability_zone"] = pod.pod_az_name
        top_ports, made = self.top_ports(request, server)
        try:
            if top_ports:
                server["networks"] = [
                    {"port": port_id}
                    for port_id in boot.bottom_ports(pod, identity.project_id, top_ports)
                ]
                # The top ports carry the groups; their bottom copies carry the copies.
                server.pop("security_groups", None)
            response = self.forward(request, pod, "/servers", json.dumps(body).encode())
        except BaseException:
            self.release(identity.project_id, top_ports, made)
            raise
        if response.status >= 300:
            self.release(identity.project_id, top_ports, made)
            return self.respond(request, pod, response)
        created = response.json()["server"]
        record_bottom(created["id"], created["id"], pod, ResourceType.SERVER, identity.project_id)
        try:
            boot.ports_attached(top_ports, created["id"], pod)
        except (NeutronError, ServiceUnavailable):
            # The server runs; only the top's view of its ports lags (and their release on
            # delete, which finds them by device_id).
            LOG.warning("top ports %s not marked as server %s's", top_ports, created["id"])
        return self.respond(request, pod, response)

    def top_ports(self, request: Request, server: dict) -> tuple[list[str], set[str]]:
        """The top ports of a boot: given ones as they are, a new one (made with the user's
        token, so Neutron's policy applies) for each requested network."""
        networks = server.get("networks")
        if networks in (None, "none") or not isinstance(networks, list):
            if networks == "auto":
                raise BadRequest("networks=auto is not supported; name a network or a port.")
            return [], set()
        groups = [group.get("name") for group in server.get("security_groups", []) or []]
        ports: list[str] = []
        made: set[str] = set()
        try:
            for network in networks:
                if not isinstance(network, dict):
                    raise BadRequest("Each entry of networks must be an object.")
                if network.get("port"):
                    ports.append(network["port"])
                    continue
                if not network.get("uuid"):
                    raise BadRequest("Each entry of networks needs a uuid or a port.")
                port_id = self.make_top_port(request, network, groups)
                ports.append(port_id)
                made.add(port_id)
        except BaseException:
            self.release(self.identity(request).project_id, ports, made)
            raise
        return ports, made

    def make_top_port(self, request: Request, network: dict, groups: list) -> str:
        port: dict = {"network_id": network["uuid"], "description": boot.GATEWAY_PORT}
        if network.get("fixed_ip"):
            port["fixed_ips"] = [{"ip_address": network["fixed_ip"]}]
        if groups:
            port["security_groups"] = self.group_ids(request, groups)
        response = call(
            central_upstream(request),
            "POST",
            "/v2.0/ports",
            {
                **user_headers(request.META, self.identity(request).token),
                "Content-Type": "application/json",
            },
            json.dumps({"port": port}).encode(),
        )
        if response.status >= 300:
            raise_neutron_refusal(response)
        return response.json()["port"]["id"]

    def group_ids(self, request: Request, names: list[str]) -> list[str]:
        ids = []
        for name in names:
            response = call(
                central_upstream(request),
                "GET",
                "/v2.0/security-groups",
                user_headers(request.META, self.identity(request).token),
                query=urlencode({"name": name, "project_id": self.identity(request).project_id}),
            )
            found = response.json().get("security_groups", []) if response.status < 300 else []
            if not found:
                raise BadRequest(f"Security group {name} not found.")
            ids.append(found[0]["id"])
        return ids

    @staticmethod
    def release(project_id: str, top_ports: list[str], made: set[str]) -> None:
        for port_id in top_ports:
            origin = "gateway" if port_id in made else "user"
            request_job(BOOT_PORT_RELEASE, project_id, {"port_id": port_id, "origin": origin})

    def list_servers(self, request: Request, detailed: bool) -> HttpResponse:
        params = parse_qs(request.META.get("QUERY_STRING", ""), keep_blank_values=False)
        limit = int_param(params, "limit")
        marker_item, marker_pod = None, None
        if params.get("marker"):
            marker = params["marker"][-1]
            marker_pod = compute.routed_pod(marker, ResourceType.SERVER, "Marker")
            shown = self.forward_get(request, marker_pod, f"/servers/{marker}")
            if shown.status >= 300:
                raise BadRequest(f"marker [{marker}] not found")
            marker_item = shown.json()["server"]
        headers = self.pod_headers(request)
        merged = list_across_pods(
            compute.SERVERS,
            self.pods,
            lambda pod: self.upstream(request, pod),
            headers,
            params,
            marker_item,
            marker_pod,
            limit,
        )
        items = (
            merged.items
            if detailed
            else [
                {field: item.get(field) for field in compute.SERVER_LIST_FIELDS}
                for item in merged.items
            ]
        )
        items += self.stubs(request, merged.unavailable, params)
        body: dict = {"servers": items}
        if merged.more and merged.items:
            query = {k: v for k, v in params.items() if k != "marker"}
            query["marker"] = [merged.items[-1]["id"]]
            href = request.build_absolute_uri(request.path) + "?" + urlencode(query, doseq=True)
            body["servers_links"] = [{"rel": "next", "href": href}]
        response = JsonResponse(body)
        response["X-OpenStack-Nova-API-Version"] = self.version
        response["OpenStack-API-Version"] = f"compute {self.version}"
        if merged.unavailable:
            response["X-Tricircle-Unavailable-Pods"] = ",".join(
                sorted(pod.region_name for pod in merged.unavailable)
            )
        return response

    def forward_get(self, request: Request, pod: Pod, path: str) -> UpstreamResponse:
        return call(self.upstream(request, pod), "GET", path, self.pod_headers(request))

    def stubs(self, request: Request, unavailable: dict, params: dict) -> list[dict]:
        """Servers of pods that did not answer: Nova's down-cell stubs from 2.69 on, left out
        before (as Nova does), and never on a later page."""
        version = tuple(int(part) for part in self.version.split("."))
        if not unavailable or version < STUB_MIN_VERSION or params.get("marker"):
            return []
        routings = ResourceRouting.objects.filter(
            pod__in=list(unavailable), resource_type=ResourceType.SERVER
        )
        if not self.identity(request).is_admin or not params.get("all_tenants"):
            routings = routings.filter(project_id=self.identity(request).project_id)
        return [compute.server_stub(routing) for routing in routings]

    # --- zones and the rest ------------------------------------------------------------------
    def availability_zones(self, request: Request) -> JsonResponse:
        zones = pod_services.availability_zones()
        info = [
            {
                "zoneName": name,
                "zoneState": {
                    "available": any(
                        pod.enabled and pod.health_status != HealthStatus.DOWN for pod in pods
                    )
                },
                "hosts": None,
            }
            for name, pods in sorted(zones.items())
        ]
        return JsonResponse({"availabilityZoneInfo": info})

    def on_any_pod(self, request: Request, path: str) -> HttpResponse:
        """Calls with no routing meaning yet are answered by the first healthy pod."""
        usable = [pod for pod in self.pods if pod.health_status != HealthStatus.DOWN]
        if not usable:
            raise ServiceUnavailable("No pod is available.")
        pod = usable[0]
        return self.respond(request, pod, self.forward(request, pod, path))


def int_param(params: dict[str, list[str]], name: str) -> int | None:
    if not params.get(name):
        return None
    try:
        value = int(params[name][-1])
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer.") from exc
    if value < 0:
        raise BadRequest(f"{name} must be >= 0.")
    return value


def raise_neutron_refusal(response: UpstreamResponse) -> None:
    try:
        message = response.json()["NeutronError"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.content.decode(errors="replace")[:300]
    error = BadRequest(f"The network refused the port: {message}")
    error.status_code = response.status if response.status < 500 else 503
    raise error
