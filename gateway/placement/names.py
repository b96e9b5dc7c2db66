"""Traits and resource classes: names every pod shares (the standard ones) or has its own
(custom ones), listed as the union of the pods'; one name from the pod that has it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.placement.api import PlacementView, PodBodies
from tricircle_site.jsontypes import JsonDict


def united(api: PlacementView, key: str) -> Callable[[PodBodies], JsonDict]:
    """The pods' lists under `key` made one, each name once (the first pod's), by name."""

    def unite(bodies: PodBodies) -> JsonDict:
        items: dict[str, object] = {}
        for pod, body in bodies:
            for item in body.get(key, []):
                name = item if isinstance(item, str) else item.get("name")
                items.setdefault(name, api.relinked(pod, item))
        return {key: [items[name] for name in sorted(items)]}

    return unite


def list_traits(api: PlacementView, request: Request) -> HttpResponse:
    return api.combined(request, united(api, "traits"))


def list_resource_classes(api: PlacementView, request: Request) -> HttpResponse:
    return api.combined(request, united(api, "resource_classes"))


def show_name(api: PlacementView, request: Request, name: str) -> HttpResponse:
    return api.from_the_pod_that_has_it(request)
