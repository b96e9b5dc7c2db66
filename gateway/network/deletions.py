"""Deleting a top resource: once the central Neutron deleted it, its bottom copies go too (a
cleanup job, or its router's job; networking.services.top_resource_deleted)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network.api import NetworkView
from networking import services


def delete_top(api: NetworkView, request: Request, collection: str, top_id: str) -> HttpResponse:
    response = api.forward(request)
    if response.status == 204:
        services.top_resource_deleted(collection, top_id)
    return api.respond(request, response)
