"""os-tenant-networks (a proxy API, before 2.36): the networks the caller sees in the top
region's Neutron, in Nova's format. From 2.36 on, and for changes, the first pod answers (as
Nova: 404 from 2.36)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.compute.api import ComputeView
from gateway.services import tenant_networks

# Nova's MAX_PROXY_API_SUPPORT_VERSION: the last microversion of its proxy APIs.
MAX_PROXY_VERSION = (2, 35)


def list_networks(api: ComputeView, request: Request) -> HttpResponse:
    if api.version_tuple > MAX_PROXY_VERSION:
        return api.on_first_pod(request)
    return api.answer({"networks": tenant_networks.caller_networks(api.identity(request))})


def show_network(api: ComputeView, request: Request, network_id: str) -> HttpResponse:
    if api.version_tuple > MAX_PROXY_VERSION:
        return api.on_first_pod(request)
    network = tenant_networks.caller_network(api.identity(request), network_id)
    return api.answer({"network": network})
