"""The upstream APIs the gateway forwards to: a pod's service found in the Keystone catalog, and
the central Neutron (the top region's Network API, at a configured URL)."""

from __future__ import annotations

from django.conf import settings
from keystoneauth1 import exceptions as ks_exceptions
from rest_framework.request import Request

from gateway.proxy import Upstream
from pods.clients import clients
from pods.models import Pod
from tricircle_site.exceptions import ServiceUnavailable

# The gateway's URL of the Network API (gateway/urls.py).
NETWORK_PREFIX = "/networking"
SERVICE_NAMES = {"compute": "Nova", "volumev3": "Cinder", "network": "Neutron"}


def pod_upstream(pod: Pod, service_type: str, public_url: str) -> Upstream:
    registry = clients()
    name = f"{SERVICE_NAMES.get(service_type, service_type)} of {pod.region_name}"
    try:
        endpoint = registry.endpoint(pod.region_name, service_type)
    except ks_exceptions.ClientException as exc:
        raise ServiceUnavailable(f"{name} cannot be found: {exc}") from exc
    if not endpoint:
        raise ServiceUnavailable(f"{name} has no endpoint in the catalog.")
    return Upstream(
        session=registry.session(pod.region_name),
        base_url=endpoint,
        name=name,
        public_url=public_url,
        region=pod.region_name,
        api_name=service_type,
    )


def central_upstream(request: Request) -> Upstream:
    """The central Neutron, with the gateway's Network API standing for it in links."""
    return Upstream(
        session=clients().session(settings.TOP_REGION),
        base_url=settings.CENTRAL_NEUTRON_URL,
        name="The central Neutron",
        public_url=request.build_absolute_uri(NETWORK_PREFIX).rstrip("/"),
        region=settings.TOP_REGION,
        api_name="central-neutron",
    )
