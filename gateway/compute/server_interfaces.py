"""A server's interfaces (os-interface), in top ids: gateway.services.interfaces makes the
ports' copies in the server's pod; the pod's answers are shown with top ids."""

from __future__ import annotations

import json

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.compute.api import ComputeView
from gateway.proxy import UpstreamResponse
from gateway.services import interfaces, servers
from pods.models import Pod


def list_interfaces(api: ComputeView, request: Request, server_id: str) -> HttpResponse:
    pod = servers.server_pod(server_id)
    response = api.forward(request, pod, f"/servers/{server_id}/os-interface")
    return respond_with_top_ids(api, request, pod, response)


def attach_interface(api: ComputeView, request: Request, server_id: str) -> HttpResponse:
    pod = servers.server_pod(server_id)
    response = interfaces.attach_interface(
        api.identity(request),
        pod,
        server_id,
        api.json_body(request).get("interfaceAttachment"),
        api.user_calls(request),
    )
    return respond_with_top_ids(api, request, pod, response)


def show_interface(
    api: ComputeView, request: Request, server_id: str, port_id: str
) -> HttpResponse:
    pod = servers.server_pod(server_id)
    path = f"/servers/{server_id}/os-interface/{interfaces.bottom_port(pod, port_id)}"
    return respond_with_top_ids(api, request, pod, api.forward(request, pod, path, b""))


def detach_interface(
    api: ComputeView, request: Request, server_id: str, port_id: str
) -> HttpResponse:
    pod = servers.server_pod(server_id)
    path = f"/servers/{server_id}/os-interface/{interfaces.bottom_port(pod, port_id)}"
    response = api.forward(request, pod, path, b"")
    if response.status < 300:
        interfaces.interface_detached(api.identity(request), port_id)
    return respond_with_top_ids(api, request, pod, response)


def respond_with_top_ids(
    api: ComputeView, request: Request, pod: Pod, response: UpstreamResponse
) -> HttpResponse:
    if response.status < 300 and response.content:
        body = response.json()
        interfaces.show_top_ids(pod, body)
        response.content = json.dumps(body).encode()
    return api.respond(request, pod, response)
