"""Routers: created with availability zone hints, shown with them; an update, an interface or
extra routes added or removed, or a deletion has the router's pods converge (its router_setup
job)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network import deletions, zones
from gateway.network.api import NetworkView
from networking import services


def list_routers(api: NetworkView, request: Request) -> HttpResponse:
    return zones.show_zoned(api, request)


def create_routers(api: NetworkView, request: Request) -> HttpResponse:
    return zones.create_zoned(api, request, "routers")


def show_router(api: NetworkView, request: Request, router_id: str) -> HttpResponse:
    return zones.show_zoned(api, request)


def change_router(api: NetworkView, request: Request, router_id: str) -> HttpResponse:
    """An update of the router or one of its actions (add_router_interface...)."""
    response = api.forward(request)
    if response.status < 300:
        services.router_changed(router_id)
    return api.respond(request, response)


def delete_router(api: NetworkView, request: Request, router_id: str) -> HttpResponse:
    return deletions.delete_top(api, request, "routers", router_id)
