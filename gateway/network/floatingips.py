"""Floating IPs: a created, moved or deleted one has the routers it was and is on converge."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network.api import NetworkView, answer_body
from networking import services


def create_floatingips(api: NetworkView, request: Request) -> HttpResponse:
    response = api.forward(request)
    if response.status < 300:
        services.floatingips_changed(answer_body(response))
    return api.respond(request, response)


def change_floatingip(api: NetworkView, request: Request, floatingip_id: str) -> HttpResponse:
    """An update (moved to another port) or a deletion: the router it was on changes too."""
    router_before = services.router_of_floatingip(floatingip_id)
    response = api.forward(request)
    if response.status < 300:
        services.floatingips_changed(answer_body(response), router_before)
    return api.respond(request, response)
