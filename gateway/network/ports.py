"""Ports: an updated port's bottom copies follow it (a port_sync job); a deleted one's are
removed."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network import deletions
from gateway.network.api import NetworkView
from networking import services


def update_port(api: NetworkView, request: Request, port_id: str) -> HttpResponse:
    response = api.forward(request)
    if response.status == 200:
        services.port_changed(port_id)
    return api.respond(request, response)


def delete_port(api: NetworkView, request: Request, port_id: str) -> HttpResponse:
    return deletions.delete_top(api, request, "ports", port_id)
