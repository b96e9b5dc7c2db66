"""Allocations: a consumer's, and allocation candidates, from the pods' Placement (a consumer's
allocations are in the pod that runs it)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.placement.api import PlacementView


def show_consumer_allocations(
    api: PlacementView, request: Request, consumer_uuid: str
) -> HttpResponse:
    return api.from_the_pod_that_has_it(request)


def list_allocation_candidates(api: PlacementView, request: Request) -> HttpResponse:
    return api.from_the_pod_that_has_it(request)
