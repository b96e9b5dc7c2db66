"""Subnets: a new subnet's DHCP port is reserved in the central Neutron; a deleted one's bottom
copies are removed."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network import deletions
from gateway.network.api import NetworkView, answer_body
from networking import services


def create_subnets(api: NetworkView, request: Request) -> HttpResponse:
    response = api.forward(request)
    if response.status == 201:
        services.subnets_created(answer_body(response))
    return api.respond(request, response)


def delete_subnet(api: NetworkView, request: Request, subnet_id: str) -> HttpResponse:
    return deletions.delete_top(api, request, "subnets", subnet_id)
