"""Servers: created through the boot service (gateway.services.boot), listed from every pod,
and every other call routed to the server's pod by the routing table; what the pod answers
is shown with the top's names of networks and security groups."""

from __future__ import annotations

from urllib.parse import unquote

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from gateway.collections import PodCollection
from gateway.compute.api import ComputeView
from gateway.compute.security_groups import server_groups_view
from gateway.proxy import UpstreamResponse
from gateway.services import boot, servers
from gateway.services.security_groups import (
    SECURITY_GROUP_ACTIONS,
    server_security_group_action,
)
from routing.models import ResourceType
from tricircle_site.exceptions import NotFound
from tricircle_site.jsontypes import JsonDict, encode_json, json_object

# What GET /servers (not /detail) shows of each server.
SERVER_LIST_FIELDS = ("id", "name", "links")

SERVERS = PodCollection(
    name="servers",
    resource_type=ResourceType.SERVER,
    detail_path="/servers/detail",
    show_path="/servers/{id}",
    singular="server",
    stub=servers.server_stub,
    sort_fields=(
        ("created_at", "created"),
        ("updated_at", "updated"),
        ("display_name", "name"),
        ("uuid", "id"),
        ("project_id", "tenant_id"),
        ("vm_state", "OS-EXT-STS:vm_state"),
        ("task_state", "OS-EXT-STS:task_state"),
        ("power_state", "OS-EXT-STS:power_state"),
        ("availability_zone", "OS-EXT-AZ:availability_zone"),
        ("host", "OS-EXT-SRV-ATTR:host"),
        ("hostname", "OS-EXT-SRV-ATTR:hostname"),
        ("launched_at", "OS-SRV-USG:launched_at"),
        ("terminated_at", "OS-SRV-USG:terminated_at"),
    ),
)


# --- the collection --------------------------------------------------------------------------
def list_servers(api: ComputeView, request: Request) -> HttpResponse:
    return api.list_collection(request, SERVERS, SERVER_LIST_FIELDS)


def list_servers_detail(api: ComputeView, request: Request) -> HttpResponse:
    return api.list_collection(request, SERVERS)


def create_server(api: ComputeView, request: Request) -> HttpResponse:
    result = boot.boot_server(
        api.identity(request), api.json_body(request), api.user_calls(request)
    )
    if result.wants_reservation:
        # Nova's answer to return_reservation_id.
        answer = JsonResponse({"reservation_id": result.reservation_id}, status=202)
        return api.set_version_headers(answer)
    return api.respond(request, result.pod, result.response)


# --- one server ------------------------------------------------------------------------------
def on_server_pod(api: ComputeView, request: Request, server_id: str, **_: str) -> HttpResponse:
    """A call on a server or one of its sub-resources, as it came, in the server's pod."""
    pod = servers.server_pod(server_id)
    return api.respond(request, pod, api.forward(request, pod, api.api_path))


def show_server(api: ComputeView, request: Request, server_id: str) -> HttpResponse:
    pod = servers.server_pod(server_id)
    response = api.forward(request, pod, api.api_path)
    shown = present_server_view(api, request, response, "") if response.status == 200 else {}
    if response.status == 404 or servers.shown_deleted(shown.get("server") or {}):
        servers.server_gone_in_pod(server_id)
    return api.respond(request, pod, response)


def delete_server(api: ComputeView, request: Request, server_id: str) -> HttpResponse:
    pod = servers.server_pod(server_id)
    response = api.forward(request, pod, api.api_path)
    if response.status < 300:
        servers.server_deleted(api.identity(request), server_id)
    return api.respond(request, pod, response)


def server_action(api: ComputeView, request: Request, server_id: str) -> HttpResponse:
    pod = servers.server_pod(server_id)
    action = api.json_body(request)
    identity = api.identity(request)
    for name in SECURITY_GROUP_ACTIONS:
        if isinstance(action.get(name), dict):
            response = server_security_group_action(
                identity, pod, server_id, name, action[name], api.user_calls(request)
            )
            return api.respond(request, pod, response)
    boot.prepare_server_action(identity, pod, action)
    return api.respond(request, pod, api.forward(request, pod, api.api_path))


def server_ips(api: ComputeView, request: Request, server_id: str) -> HttpResponse:
    pod = servers.server_pod(server_id)
    response = api.forward(request, pod, api.api_path)
    if response.status == 200:
        present_server_view(api, request, response, "/ips")
    return api.respond(request, pod, response)


def ips_of_network(
    api: ComputeView, request: Request, server_id: str, network: str
) -> HttpResponse:
    """/ips/{network}: the label is the top network's name, which the pod does not know
    (its copy is named after the top id): the server's addresses, named, then picked."""
    pod = servers.server_pod(server_id)
    response = api.forward(request, pod, f"/servers/{server_id}/ips", b"")
    if response.status >= 300:
        return api.respond(request, pod, response)
    present_server_view(api, request, response, "/ips")
    addresses = response.json()["addresses"]
    label = unquote(network)
    if label not in addresses:
        raise NotFound("Instance is not a member of specified network")
    return api.answer({label: addresses[label]})


def server_security_groups(api: ComputeView, request: Request, server_id: str) -> HttpResponse:
    pod = servers.server_pod(server_id)
    response = api.forward(request, pod, api.api_path)
    if response.status == 200:
        present_server_view(api, request, response, "/os-security-groups")
    return api.respond(request, pod, response)


def instance_actions(
    api: ComputeView, request: Request, server_id: str, **fields: str
) -> HttpResponse:
    if servers.forgotten_server(server_id):
        # A deleted server's actions stay readable in its pod (Nova, 2.21), but the
        # routing table forgot the server with its ports: the pod that has them answers.
        return api.on_the_pod_that_has(request, api.api_path)
    return on_server_pod(api, request, server_id)


def attach_volume(api: ComputeView, request: Request, server_id: str) -> HttpResponse:
    pod = servers.server_pod(server_id)
    attachment = api.json_body(request).get("volumeAttachment")
    servers.check_volume_attachable(api.identity(request), pod, attachment)
    return api.respond(request, pod, api.forward(request, pod, api.api_path))


def present_server_view(
    api: ComputeView, request: Request, response: UpstreamResponse, view: str
) -> JsonDict:
    """A server, its addresses and its security groups named with the top's names and
    ids (the pod knows its bottom copies, named after the top ids); returns the body shown."""
    body = json_object(response.json())
    if view == "":
        servers.name_networks_in_addresses([body["server"]])
    elif view == "/ips":
        holder = {"addresses": body.get("addresses") or {}}
        servers.name_networks_in_addresses([holder])
        body["addresses"] = holder["addresses"]
    else:
        shown = body.get("security_groups", [])
        body["security_groups"] = server_groups_view(api, request, shown)
    response.content = encode_json(body)
    return body
