"""Networks: created with availability zone hints, shown with them, and their bottom copies
removed when they are deleted."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network import deletions, zones
from gateway.network.api import NetworkView


def list_networks(api: NetworkView, request: Request) -> HttpResponse:
    return zones.show_zoned(api, request)


def create_networks(api: NetworkView, request: Request) -> HttpResponse:
    return zones.create_zoned(api, request, "networks")


def show_network(api: NetworkView, request: Request, network_id: str) -> HttpResponse:
    return zones.show_zoned(api, request)


def delete_network(api: NetworkView, request: Request, network_id: str) -> HttpResponse:
    return deletions.delete_top(api, request, "networks", network_id)
