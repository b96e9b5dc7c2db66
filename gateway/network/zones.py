"""Availability zone hints of networks and routers: Tricircle's own (the central Neutron has no
such zones), taken out of a create and shown in every answer about them."""

from __future__ import annotations

import json

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network.api import NetworkView, answer_body, with_body
from gateway.schema import parse_json
from networking import services


def create_zoned(api: NetworkView, request: Request, collection: str) -> HttpResponse:
    """A network or router create (one or bulk): the hints are checked and taken out before
    the central Neutron is asked, kept and shown once it created them."""
    body = parse_json(request.body)
    hints_by_index = services.take_hints(body, collection)
    response = api.forward(request, json.dumps(body).encode())
    if response.status == 201:
        answer = answer_body(response)
        services.zoned_created(collection, answer, hints_by_index)
        with_body(response, answer)
    return api.respond(request, response)


def show_zoned(api: NetworkView, request: Request) -> HttpResponse:
    """A read of networks or routers (a list or one): with the hints Tricircle keeps."""
    response = api.forward(request)
    if response.status < 300:
        answer = answer_body(response)
        services.show_hints_in(answer, request.GET.getlist("fields"))
        with_body(response, answer)
    return api.respond(request, response)
