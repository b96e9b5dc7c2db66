"""Calls Tricircle adds no meaning to: the version documents and the rest of Neutron's API (its
many extensions), passed to the central Neutron, which answers them (its own 404 and 405)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network.api import NetworkView


def forward(api: NetworkView, request: Request, **fields: str) -> HttpResponse:
    return api.respond(request, api.forward(request))
