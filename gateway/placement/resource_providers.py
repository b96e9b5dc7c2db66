"""Resource providers: the list is every pod's providers; one provider and what it has
(inventories, usages, aggregates, allocations, traits) come from the pod that has it."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.placement.api import PlacementView, PodBodies
from tricircle_site.jsontypes import JsonDict

KEY = "resource_providers"


def list_resource_providers(api: PlacementView, request: Request) -> HttpResponse:
    def concatenated(bodies: PodBodies) -> JsonDict:
        items = [api.relinked(pod, item) for pod, body in bodies for item in body.get(KEY, [])]
        return {KEY: items}

    return api.combined(request, concatenated)


def show_of_provider(api: PlacementView, request: Request, **fields: str) -> HttpResponse:
    """A provider or one of its parts: answered by the pod that has the provider."""
    return api.from_the_pod_that_has_it(request)
