"""A project's usages: the sum of every pod's."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.placement.api import PlacementView, PodBodies
from gateway.services.quotas import add_totals
from tricircle_site.jsontypes import JsonDict


def total_usages(api: PlacementView, request: Request) -> HttpResponse:
    def summed(bodies: PodBodies) -> JsonDict:
        total: JsonDict = {}
        for _pod, body in bodies:
            add_totals(total, body)
        return total

    return api.combined(request, summed)
