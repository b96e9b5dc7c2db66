"""The top region's Compute API (Nova v2.1): creates placed in a pod by availability zone, calls
on a server routed by the routing table, lists gathered from every pod."""

from __future__ import annotations

import copy
import json
import logging
import re
from urllib.parse import quote, unquote, urlencode

from django.http import HttpResponse, JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from gateway import compute, confinement, flavor_views, flavors
from gateway.base import GatewayView
from gateway.collections import PodCollection
from gateway.compute_security_groups import (
    SecurityGroupProxy,
    handle_security_group_proxy,
    is_proxy_path,
)
from gateway.job_names import SERVER_PORTS_RELEASE
from gateway.microversions import VersionRange
from gateway.models import Flavor
from gateway.numbers import whole_number
from gateway.pod_api import PodServiceView, zone_info
from gateway.proxy import UpstreamResponse, call, user_headers
from gateway.scatter import gather
from gateway.schema import parse_json
from gateway.services import quotas
from gateway.upstreams import central_upstream
from jobs.services import request_job
from networking import boot, bottom
from networking.job_names import BOOT_PORT_RELEASE
from pods import services as pod_services
from pods.clients import ServiceError, central_neutron
from pods.models import Pod
from routing import services as routing_services
from routing.models import ResourceRouting, ResourceType
from routing.services import record_bottom
from tricircle_site.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
)
from tricircle_site.jsontypes import JsonDict, json_str

LOG = logging.getLogger(__name__)
PREFIX = "/compute"
API_PREFIX = "/compute/v2.1"
NOVA_BASELINE = VersionRange("2.1", "2.1")
SERVER_PATH = re.compile(r"^/servers/([^/]+)(/.*)?$")
INSTANCE_ACTIONS_PATH = re.compile(r"^/servers/[^/]+/os-instance-actions(?:/[^/]+)?$")
ATTACHMENTS_PATH = re.compile(r"^/servers/([^/]+)/os-volume_attachments$")
# Admin lists of what runs in the pods, answered with every pod's items.
ADMIN_LISTS = {
    "/os-hypervisors": "hypervisors",
    "/os-hypervisors/detail": "hypervisors",
    "/os-services": "services",
}
USAGE_PATH = re.compile(r"^/os-simple-tenant-usage(/[^/]+)?$")
TENANT_NETWORKS_PATH = re.compile(r"^/os-tenant-networks(?:/([^/]+))?$")
IPS_OF_NETWORK_PATH = re.compile(r"^/servers/([^/]+)/ips/([^/]+)$")
SECURITY_GROUP_ACTIONS = ("addSecurityGroup", "removeSecurityGroup")
INTERFACES_PATH = re.compile(r"^/servers/([^/]+)/os-interface(?:/([^/]+))?$")
STUB_MIN_VERSION = (2, 69)


def version_document(request: Request, versions: VersionRange) -> JsonDict:
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


class ComputeVersionsView(GatewayView):
    permission_classes = [AllowAny]

    def get(self, request: Request, versioned: str = "") -> JsonResponse:
        if versioned == "v2":
            return JsonResponse({"version": legacy_version_document(request)})
        document = version_document(request, ComputeView.version_range(pod_services.bottom_pods()))
        if versioned:
            return JsonResponse({"version": document})
        return JsonResponse({"versions": [legacy_version_document(request), document]})


class ComputeView(PodServiceView):
    fault_style = "nova"
    service_type = "compute"
    api_prefix = API_PREFIX
    microversion_name = "compute"
    quota_service = quotas.COMPUTE
    legacy_version_header = "X-OpenStack-Nova-API-Version"
    baseline = NOVA_BASELINE

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        major, minor = self.version.split(".")
        self.version_tuple = (int(major), int(minor))

    def json_body(self, request: Request) -> JsonDict:
        return parse_json(request.body)

    def handle(self, request: Request, path: str = "") -> HttpResponse:
        if path.endswith("/"):
            # Nova's routes end without a slash: `/os-simple-tenant-usage/` names an empty id.
            raise NotFound("The resource could not be found.")
        path = "/" + path.strip("/")
        method = request.method
        if path in {"/servers", "/servers/detail"} and method == "GET":
            summary = None if path.endswith("/detail") else compute.SERVER_LIST_FIELDS
            return self.list_collection(request, compute.SERVERS, summary)
        if path == "/servers" and method == "POST":
            return self.create_server(request)
        server = SERVER_PATH.match(path)
        if server:
            return self.on_server(request, path, server.group(1))
        if path in {"/os-availability-zone", "/os-availability-zone/detail"}:
            if path.endswith("/detail") and not self.identity(request).is_admin:
                raise Forbidden(
                    "Policy doesn't allow os_compute_api:os-availability-zone:detail to be "
                    "performed."
                )
            return self.availability_zones(request)
        if path == "/flavors" or path.startswith("/flavors/"):
            return flavor_views.handle_flavors(self, request, path)
        if path == "/os-keypairs" or path.startswith("/os-keypairs/"):
            return flavor_views.handle_keypairs(self, request, path)
        if path == "/limits" or path.startswith("/os-quota-sets/"):
            return self.quotas(request, path)
        if path.startswith("/os-quota-class-sets/"):
            return self.quota_classes(request, path)
        tenant_networks = TENANT_NETWORKS_PATH.match(path)
        if method == "GET" and tenant_networks and self.version_tuple < (2, 36):
            return self.tenant_networks(request, tenant_networks.group(1))
        if is_proxy_path(path):  # os-security-groups, os-security-group-rules: the top's
            return handle_security_group_proxy(self, request, path)
        if method == "GET" and path == "/os-hypervisors/statistics":
            return self.totalled(request, path)
        if method == "GET" and path in ADMIN_LISTS:
            return self.concatenated(request, path, ADMIN_LISTS[path])
        if method == "GET" and path.startswith("/os-hypervisors/"):
            return self.on_the_pod_that_has(request, path)
        if method in {"PUT", "DELETE"} and path.startswith("/os-services/"):
            return self.on_service(request, path)
        if method == "GET" and USAGE_PATH.match(path):
            return self.totalled(request, path, combine=compute.add_tenant_usages)
        if method == "GET" and path == "/os-aggregates":
            return self.aggregates(request)
        return self.on_any_pod(request, path)

    get = post = put = delete = patch = handle

    # --- servers -----------------------------------------------------------------------------
    def on_server(self, request: Request, path: str, server_id: str) -> HttpResponse:
        if (
            request.method == "GET"
            and INSTANCE_ACTIONS_PATH.match(path)
            and confinement.is_uuid(server_id)
            and not compute.is_routed(server_id, ResourceType.SERVER)
        ):
            # A deleted server's actions stay readable in its pod (Nova, 2.21), but the
            # routing table forgot the server with its ports: the pod that has them answers.
            return self.on_the_pod_that_has(request, path)
        pod = compute.routed_pod(server_id, ResourceType.SERVER, "Instance")
        interfaces = INTERFACES_PATH.match(path)
        if interfaces:
            return self.on_interfaces(request, pod, server_id, interfaces.group(2))
        ips_of_network = IPS_OF_NETWORK_PATH.match(path)
        if request.method == "GET" and ips_of_network:
            return self.ips_of_network(request, pod, server_id, unquote(ips_of_network.group(2)))
        if request.method == "POST" and path == f"/servers/{server_id}/action":
            action = self.json_body(request)
            for name in SECURITY_GROUP_ACTIONS:
                if isinstance(action, dict) and isinstance(action.get(name), dict):
                    return self.security_group_action(request, pod, server_id, name, action[name])
            self.prepare_action(request, pod)
        if request.method == "POST" and ATTACHMENTS_PATH.match(path):
            self.check_volume_in_pod(request, pod)
        response = self.forward(request, pod, path)
        if request.method == "GET" and response.status == 200:
            view = path.removeprefix(f"/servers/{server_id}")
            self.present_server_view(request, response, view)
        if (
            request.method == "GET"
            and path == f"/servers/{server_id}"
            and response.status == 404
            and not compute.server_in_pod(server_id)
        ):
            # Gone from its pod (not only hidden from this caller): as with Nova, a server is
            # shown as gone only once its ports are, so its network can be deleted right away.
            boot.release_server_ports(server_id)
        if request.method == "DELETE" and path == f"/servers/{server_id}" and response.status < 300:
            # An admin may delete another project's server: the job is the owner's.
            owners = routing_services.project_ids_of(server_id, ResourceType.SERVER)
            owner = next(iter(owners)) if len(owners) == 1 else self.identity(request).project_id
            request_job(SERVER_PORTS_RELEASE, owner, {"server_id": server_id})
        return self.respond(request, pod, response)

    def tenant_networks(self, request: Request, network_id: str | None) -> HttpResponse:
        """os-tenant-networks (a proxy API, before 2.36) shows the networks the caller sees in
        the top region's Neutron, where they are, in Nova's format."""
        headers = user_headers(request.META, self.identity(request).token)
        path = "/v2.0/networks" + (f"/{quote(network_id, safe='')}" if network_id else "")
        response = call(central_upstream(request), "GET", path, headers)
        if response.status == 404:
            raise NotFound("Network not found")
        if response.status >= 300:
            raise_neutron_refusal(response)

        def nova_network(network: JsonDict) -> JsonDict:
            return {"id": network.get("id"), "cidr": "None", "label": network.get("name")}

        body = response.json()
        if network_id:
            return self.answer({"network": nova_network(body["network"])})
        return self.answer({"networks": [nova_network(n) for n in body["networks"]]})

    def ips_of_network(
        self, request: Request, pod: Pod, server_id: str, label: str
    ) -> HttpResponse:
        """/ips/{network}: the label is the top network's name, which the pod does not know
        (its copy is named after the top id): the server's addresses, named, then picked."""
        response = self.forward(request, pod, f"/servers/{server_id}/ips", b"")
        if response.status >= 300:
            return self.respond(request, pod, response)
        self.present_server_view(request, response, "/ips")
        addresses = response.json()["addresses"]
        if label not in addresses:
            raise NotFound("Instance is not a member of specified network")
        return self.answer({label: addresses[label]})

    def security_group_action(
        self, request: Request, pod: Pod, server_id: str, action: str, given: JsonDict
    ) -> HttpResponse:
        """addSecurityGroup / removeSecurityGroup name a top group (by name or id, as the caller
        sees it): the pod's copy (named after the top id) is added to or removed from the
        server's bottom ports, then the group from its top ports, so both read the same."""
        identity = self.identity(request)
        ref = str(given.get("name") or "")
        if not ref:
            raise BadRequest(f"{action} needs the name of a security group.")
        group_id = self.caller_group_id(request, ref)
        if action == "addSecurityGroup":
            bottom.ensure_security_group(pod, group_id, identity.project_id)
        body = json.dumps({action: {"name": group_id}}).encode()
        response = self.forward(request, pod, f"/servers/{server_id}/action", body)
        if response.status >= 300:
            response.content = response.content.replace(group_id.encode(), ref.encode())
            return self.respond(request, pod, response)
        central = central_neutron()
        for port in central.get("/ports", device_id=server_id)["ports"]:
            groups = [g for g in port.get("security_groups", []) if g != group_id]
            if action == "addSecurityGroup":
                groups.append(group_id)
            if groups != port.get("security_groups", []):
                central.put(f"/ports/{port['id']}", {"port": {"security_groups": groups}})
        return self.respond(request, pod, response)

    def caller_group_id(self, request: Request, ref: str) -> str:
        """The id of the top security group `ref` names (an id, else a name in the caller's
        project), read with the caller's token."""
        identity = self.identity(request)
        headers = user_headers(request.META, identity.token)
        path = f"/v2.0/security-groups/{quote(ref, safe='')}"
        by_id = call(central_upstream(request), "GET", path, headers)
        if by_id.status < 300:
            return json_str(by_id.json()["security_group"]["id"])
        query = urlencode({"name": ref, "project_id": identity.project_id})
        by_name = call(
            central_upstream(request), "GET", "/v2.0/security-groups", headers, query=query
        )
        found = by_name.json().get("security_groups", []) if by_name.status < 300 else []
        if not found:
            raise NotFound(f"Security group {ref} not found for project {identity.project_id}.")
        return json_str(found[0]["id"])

    def present_server_view(self, request: Request, response: UpstreamResponse, view: str) -> None:
        """A server, its addresses and its security groups named with the top's names and
        ids (the pod knows its bottom copies, named after the top ids)."""
        body = response.json()
        if view == "":
            compute.name_networks_in_addresses([body["server"]])
        elif view == "/ips":
            holder = {"addresses": body.get("addresses") or {}}
            compute.name_networks_in_addresses([holder])
            body["addresses"] = holder["addresses"]
        elif view == "/os-security-groups":
            proxy = SecurityGroupProxy(self, request)
            body["security_groups"] = proxy.server_groups(body.get("security_groups", []))
        else:
            return
        response.content = json.dumps(body).encode()

    def on_interfaces(
        self, request: Request, pod: Pod, server_id: str, top_port_id: str | None
    ) -> HttpResponse:
        """os-interface speaks top ids: a port or network to attach is materialised in the
        server's pod and its bottom copy attached; answers show top ids again."""
        project_id = self.identity(request).project_id
        base = f"/servers/{server_id}/os-interface"
        if top_port_id:
            bottom_id = compute.bottom_id_in(pod, top_port_id, ResourceType.PORT, "Port")
            response = self.forward(request, pod, f"{base}/{bottom_id}", b"")
            if request.method == "DELETE" and response.status < 300:
                origin = "gateway" if made_by_gateway(top_port_id) else "user"
                request_job(
                    BOOT_PORT_RELEASE, project_id, {"port_id": top_port_id, "origin": origin}
                )
            return self.respond_with_top_ids(request, pod, response)
        if request.method != "POST":
            return self.respond_with_top_ids(request, pod, self.forward(request, pod, base))
        attachment = self.json_body(request).get("interfaceAttachment")
        if not isinstance(attachment, dict):
            raise BadRequest('The request body must be {"interfaceAttachment": {...}}.')
        identity = self.identity(request)
        if attachment.get("port_id"):
            port = confinement.caller_port(identity, attachment["port_id"], NotFound)
            top_ports, made = [port["id"]], set()
        elif attachment.get("net_id"):
            net_id = confinement.require_uuid(attachment["net_id"], "net_id")
            fixed = (attachment.get("fixed_ips") or [{}])[0].get("ip_address")
            top_port = self.make_top_port(request, {"uuid": net_id, "fixed_ip": fixed}, [])
            top_ports, made = [top_port], {top_port}
        else:
            raise BadRequest("Give the port_id or the net_id of the interface to attach.")
        try:
            (bottom_port,) = boot.bottom_ports(pod, project_id, top_ports)
            body = {"interfaceAttachment": {"port_id": bottom_port}}
            if attachment.get("tag"):
                body["interfaceAttachment"]["tag"] = attachment["tag"]
            response = self.forward(request, pod, base, json.dumps(body).encode())
        except BaseException:
            self.release(project_id, top_ports, made)
            raise
        if response.status >= 300:
            self.release(project_id, top_ports, made)
        else:
            boot.ports_attached(top_ports, server_id, pod, project_id)
        return self.respond_with_top_ids(request, pod, response)

    def respond_with_top_ids(
        self, request: Request, pod: Pod, response: UpstreamResponse
    ) -> HttpResponse:
        if response.status < 300 and response.content:
            body = response.json()
            attachments = body.get("interfaceAttachments") or [body.get("interfaceAttachment")]
            for attachment in filter(None, attachments):
                for field, kind in (
                    ("port_id", ResourceType.PORT),
                    ("net_id", ResourceType.NETWORK),
                ):
                    if attachment.get(field):
                        attachment[field] = routing_services.top_id_of(pod, attachment[field], kind)
            response.content = json.dumps(body).encode()
        return self.respond(request, pod, response)

    def present_items(self, items: list[JsonDict]) -> None:
        compute.name_networks_in_addresses(items)

    def on_service(self, request: Request, path: str) -> HttpResponse:
        """A compute service is changed in its pod: the one that lists its id (from 2.53) or,
        before, the host named in the body. Unknown to every pod: the first pod's answer."""
        target = path.removeprefix("/os-services/")
        field = "id"
        if target in {"enable", "disable", "disable-log-reason", "force-down"}:
            target, field = str(parse_json(request.body).get("host", "")), "host"
        usable = self.answering_pods()
        if not usable:
            raise ServiceUnavailable("No pod is available.")
        gathered = gather(usable, lambda pod: self.forward_get(request, pod, "/os-services"))
        pods = [
            pod
            for pod, answer in sorted(gathered.results.items(), key=lambda i: i[0].region_name)
            if answer.status < 300
            and any(str(row.get(field)) == target for row in answer.json().get("services", []))
        ]
        pod = pods[0] if pods else usable[0]
        return self.respond(request, pod, self.forward(request, pod, path))

    def aggregates(self, request: Request) -> HttpResponse:
        """Each pod is an aggregate of its AZ, as pod creation made one in Tricircle's design;
        its hosts are the pod's compute services."""
        if not self.identity(request).is_admin:
            raise Forbidden("Policy doesn't allow os_compute_api:os-aggregates:index.")
        gathered = gather(
            self.answering_pods(),
            lambda pod: self.forward_get(request, pod, "/os-services?binary=nova-compute"),
        )
        hosts = {
            pod: sorted({service["host"] for service in answer.json().get("services", [])})
            for pod, answer in gathered.results.items()
            if answer.status < 300
        }
        aggregates = [
            {
                "id": index,
                "uuid": str(pod.id),
                "name": pod.region_name,
                "availability_zone": pod.az_name,
                "hosts": hosts.get(pod, []),
                "metadata": {"availability_zone": pod.az_name},
                "created_at": pod.created_at.isoformat(),
                "updated_at": None,
                "deleted": False,
                "deleted_at": None,
            }
            for index, pod in enumerate(sorted(self.pods, key=lambda pod: pod.region_name), 1)
        ]
        return self.answer({"aggregates": aggregates})

    def check_volume_in_pod(self, request: Request, server_pod: Pod) -> None:
        """A pod's Nova attaches only its own Cinder's volumes: refuse clearly, before the pod
        would answer that the volume does not exist."""
        attachment = parse_json(request.body).get("volumeAttachment")
        volume_id = attachment.get("volumeId") if isinstance(attachment, dict) else None
        if not volume_id:
            return  # the pod's Nova refuses the body itself
        volume_pod = confinement.caller_routed_pod(
            self.identity(request), str(volume_id), ResourceType.VOLUME, "Volume"
        )
        if volume_pod != server_pod:
            raise Conflict(
                f"The server and the volume {volume_id} are in different pods "
                f"({server_pod.region_name} in {server_pod.az_name}, {volume_pod.region_name} "
                f"in {volume_pod.az_name}); a volume can only be attached to a server in the "
                "same pod (create it in the server's availability zone)."
            )

    def create_server(self, request: Request) -> HttpResponse:
        body = parse_json(request.body)
        server = body.get("server")
        if not isinstance(server, dict):
            raise BadRequest('The request body must be {"server": {...}}.')
        count = instance_count(server)
        # Each pod boot must answer with its server (its routing entry is made from it).
        wants_reservation = server.pop("return_reservation_id", False) in {True, "True", "true"}
        if count == 1:
            response = self.create_one(request, body)
        else:
            response = self.create_several(request, body, count)
        if wants_reservation and response.status_code < 300:
            return self.reservation_answer(request, json.loads(response.content)["server"]["id"])
        return response

    def reservation_answer(self, request: Request, server_id: str) -> HttpResponse:
        """Nova's answer to return_reservation_id: the reservation of the (first) server, as
        its pod recorded it (several servers are booted one by one, so each has its own)."""
        pod = compute.routed_pod(server_id, ResourceType.SERVER, "Instance")
        shown = compute.nova_call(pod, "GET", f"/servers/{server_id}", compute.POD_ADMIN_VERSION)
        reservation = shown.json()["server"].get("OS-EXT-SRV-ATTR:reservation_id")
        return self.set_version_headers(JsonResponse({"reservation_id": reservation}, status=202))

    def create_several(self, request: Request, body: JsonDict, count: int) -> HttpResponse:
        """Nova's multiple create: each server needs ports of its own at the top, which one
        pod request cannot name, so the servers are booted one by one (named as Nova names
        them, `name-1`...); one refused undoes those made. Answers the first, as Nova does."""
        server = body["server"]
        if any(isinstance(n, dict) and n.get("port") for n in server.get("networks") or []):
            raise BadRequest(
                "Unable to launch multiple instances with a single configured port ID. Please "
                "launch your instance one by one with different ports."
            )
        self.enforce_boot_quota(
            request, {"min_count": count}, self.top_flavor(request, server.get("flavorRef"))
        )
        made: list[str] = []
        first: HttpResponse | None = None
        try:
            for index in range(1, count + 1):
                one = copy.deepcopy(body)
                one["server"]["name"] = f"{server.get('name', '')}-{index}"
                response = self.create_one(request, one, quota_checked=True)
                if response.status_code >= 300:
                    raise RefusedBoot(response)
                made.append(json.loads(response.content)["server"]["id"])
                first = first or response
        except BaseException as exc:
            for server_id in made:
                self.delete_made_server(request, server_id)
            if isinstance(exc, RefusedBoot):
                return exc.response
            raise
        assert first is not None
        return first

    def delete_made_server(self, request: Request, server_id: str) -> None:
        pod = compute.routed_pod(server_id, ResourceType.SERVER, "Instance")
        call(
            self.upstream(request, pod),
            "DELETE",
            f"/servers/{server_id}",
            self.pod_headers(request),
        )
        request_job(
            SERVER_PORTS_RELEASE, self.identity(request).project_id, {"server_id": server_id}
        )

    def create_one(
        self, request: Request, body: JsonDict, quota_checked: bool = False
    ) -> HttpResponse:
        server = body["server"]
        for field in ("min_count", "max_count"):
            server.pop(field, None)
        identity = self.identity(request)
        zone = server.pop("availability_zone", None)
        zone = zone.split(":")[0] if zone else None
        pod = compute.pod_of_boot_volumes(identity, server, zone) or compute.choose_pod(
            identity.project_id, zone
        )
        if pod.pod_az_name:
            server["availability_zone"] = pod.pod_az_name
        flavor = self.top_flavor(request, server.get("flavorRef"))
        if not quota_checked:
            self.enforce_boot_quota(request, server, flavor)
        self.prepare_flavor_and_keypair(request, server, flavor, pod)
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
            boot.ports_attached(top_ports, created["id"], pod, identity.project_id)
        except (ServiceError, ServiceUnavailable):
            # The server runs; only the top's view of its ports lags (and their release on
            # delete, which finds them by device_id).
            LOG.warning("top ports %s not marked as server %s's", top_ports, created["id"])
        return self.respond(request, pod, response)

    def enforce_boot_quota(self, request: Request, server: JsonDict, flavor: Flavor) -> None:
        count = whole_number(server.get("min_count") or 1, "min_count", minimum=1)
        requested = {"instances": count, "cores": flavor.vcpus * count, "ram": flavor.ram * count}
        self.enforce_quota(request, requested)

    def top_flavor(self, request: Request, flavor_ref: object) -> Flavor:
        """The Tricircle flavor a boot or a resize names (an id or a link)."""
        identity = self.identity(request)
        flavor_id = str(flavor_ref or "").rstrip("/").rsplit("/", 1)[-1]
        if not flavor_id:
            raise BadRequest("Invalid input for field/attribute flavorRef.")
        try:
            return flavors.get_flavor(flavor_id, identity.project_id, identity.is_admin)
        except NotFound as exc:
            raise BadRequest(f"Flavor {flavor_id} could not be found.") from exc

    def flavor_in_pod(self, request: Request, flavor_ref: object, pod: Pod) -> str:
        """The flavor a boot or a resize names, made to exist in the pod; its id."""
        flavor = self.top_flavor(request, flavor_ref)
        flavors.ensure_flavor_in_pod(pod, flavor, self.identity(request).project_id)
        return flavor.id

    def prepare_action(self, request: Request, pod: Pod) -> None:
        """What a server action names that is Tricircle's is made in the server's pod first:
        a resize's flavor, a rebuild's key pair (2.54)."""
        action = self.json_body(request)
        resize = action.get("resize") if isinstance(action, dict) else None
        if isinstance(resize, dict) and resize.get("flavorRef"):
            self.flavor_in_pod(request, resize["flavorRef"], pod)
        rebuild = action.get("rebuild") if isinstance(action, dict) else None
        if isinstance(rebuild, dict) and rebuild.get("key_name"):
            self.keypair_in_pod(request, str(rebuild["key_name"]), pod)

    def prepare_flavor_and_keypair(
        self, request: Request, server: JsonDict, flavor: Flavor, pod: Pod
    ) -> None:
        """The server's flavor and key pair are Tricircle's; make them exist in the pod."""
        identity = self.identity(request)
        flavors.ensure_flavor_in_pod(pod, flavor, identity.project_id)
        server["flavorRef"] = flavor.id
        if server.get("key_name"):
            self.keypair_in_pod(request, server["key_name"], pod)

    def keypair_in_pod(self, request: Request, name: str, pod: Pod) -> None:
        identity = self.identity(request)
        try:
            keypair = flavors.get_keypair(identity.user_id, name)
        except NotFound as exc:
            raise BadRequest(f"Invalid key_name provided: {name}.") from exc
        flavors.ensure_keypair_in_pod(pod, keypair, identity.project_id)

    def top_ports(self, request: Request, server: JsonDict) -> tuple[list[str], set[str]]:
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
                    port = confinement.caller_port(
                        self.identity(request), network["port"], BadRequest
                    )
                    ports.append(port["id"])
                    continue
                if not network.get("uuid"):
                    raise BadRequest("Each entry of networks needs a uuid or a port.")
                confinement.require_uuid(network["uuid"], "uuid")
                port_id = self.make_top_port(request, network, groups, missing=BadRequest)
                ports.append(port_id)
                made.add(port_id)
        except BaseException:
            self.release(self.identity(request).project_id, ports, made)
            raise
        return ports, made

    def make_top_port(
        self,
        request: Request,
        network: JsonDict,
        groups: list[str],
        missing: type[BadRequest | NotFound] = NotFound,
    ) -> str:
        """A top port on the network, made with the caller's token: a network the caller may
        not use is `missing` (Nova's create answers 400, an interface attach 404)."""
        port: JsonDict = {"network_id": network["uuid"], "description": boot.GATEWAY_PORT}
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
            if response.status == 404:
                raise missing(f"Network {network['uuid']} could not be found.")
            raise_neutron_refusal(response)
        return json_str(response.json()["port"]["id"])

    def group_ids(self, request: Request, refs: list[str]) -> list[str]:
        """The top groups a boot names (by name or id, as Nova takes them)."""
        ids = []
        for ref in refs:
            try:
                ids.append(self.caller_group_id(request, str(ref)))
            except NotFound as exc:
                raise BadRequest(f"Security group {ref} not found.") from exc
        return ids

    @staticmethod
    def release(project_id: str, top_ports: list[str], made: set[str]) -> None:
        for port_id in top_ports:
            origin = "gateway" if port_id in made else "user"
            request_job(BOOT_PORT_RELEASE, project_id, {"port_id": port_id, "origin": origin})

    def down_pod_items(
        self,
        request: Request,
        collection: PodCollection,
        unavailable: dict[Pod, str],
        params: dict[str, list[str]],
    ) -> list[JsonDict]:
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
        return JsonResponse(
            {"availabilityZoneInfo": [{**zone, "hosts": None} for zone in zone_info()]}
        )


def made_by_gateway(top_port_id: str) -> bool:
    try:
        port = central_neutron().get(f"/ports/{top_port_id}")["port"]
    except (ServiceError, ServiceUnavailable):
        return False
    description: object = port.get("description")
    return description == boot.GATEWAY_PORT


def raise_neutron_refusal(response: UpstreamResponse) -> None:
    try:
        message = response.json()["NeutronError"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.content.decode(errors="replace")[:300]
    error = BadRequest(f"The network refused the port: {message}")
    error.status_code = response.status if response.status < 500 else 503
    raise error


class RefusedBoot(Exception):
    """One boot of a multiple create was refused by its pod: its answer is the create's."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


def instance_count(server: JsonDict) -> int:
    """How many servers a create asks for: Nova makes max_count when it can, min_count at
    least; Tricircle makes max_count (or min_count) of them."""
    minimum = whole_number(server.get("min_count", 1), "min_count", minimum=1)
    maximum = whole_number(server.get("max_count", minimum), "max_count", minimum=1)
    if minimum > maximum:
        raise BadRequest("min_count must be <= max_count")
    return maximum
