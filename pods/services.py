"""Pod service functions used by the admin API, the commands, the gateway and the dashboard."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.utils import timezone
from keystoneauth1 import exceptions as ks_exceptions

from pods.clients import clients
from pods.models import HealthStatus, Pod, PodBinding
from tricircle_site import rows
from tricircle_site.exceptions import BadRequest, Conflict, NotFound, ServiceUnavailable

# The services whose version documents a health check reads.
CHECKED_SERVICES = ("compute", "network", "volumev3")


def validate_region(region_name: str) -> None:
    """The region must be a Keystone region, named exactly as Keystone lists it: a lookup by
    id may match another spelling (a case-insensitive database) and is not asked."""
    try:
        response = clients().identity().get("/regions")
    except ks_exceptions.ClientException as exc:
        raise ServiceUnavailable(f"Keystone is not reachable to check the region: {exc}") from exc
    if response.status_code >= 400:
        raise ServiceUnavailable(f"Keystone answered {response.status_code} listing regions.")
    regions = {region["id"] for region in response.json().get("regions", [])}
    if region_name not in regions:
        raise BadRequest(f"Region {region_name} is not a Keystone region.")


# oslo.messaging's RPC driver: the pods' Neutron servers and agents talk over RabbitMQ.
TRANSPORT_SCHEMES = ("rabbit",)
_HOST = re.compile(
    r"^(?:(?P<user>[^:@/]*)(?::(?P<password>[^@/]*))?@)?(?P<host>[^:@/,]+)(?::(?P<port>\d+))?$"
)


def clean_transport_url(url: str) -> str:
    """A pod's message bus as oslo.messaging writes it: rabbit://[user:password@]host[:port]
    (several hosts separated by commas)/[vhost]; "" for none. A malformed one is refused here,
    not found out by the first job that needs it."""
    url = url.strip()
    if not url:
        return ""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in TRANSPORT_SCHEMES:
        raise BadRequest(
            f"transport_url must start with {' or '.join(s + '://' for s in TRANSPORT_SCHEMES)}."
        )
    hosts = rest.split("/", 1)[0]
    if not hosts or not all(_HOST.match(host) for host in hosts.split(",")):
        raise BadRequest("transport_url needs host[:port] (user:password@ before each host).")
    return url


def masked_transport_url(url: str) -> str:
    """The URL with every password replaced: what an operator may be shown of a secret."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return "***" if url else ""
    hosts, slash, tail = rest.partition("/")
    masked = []
    for host in hosts.split(","):
        match = _HOST.match(host)
        if match is None:
            masked.append("***")
        elif match["password"] is not None:
            port = f":{match['port']}" if match["port"] else ""
            masked.append(f"{match['user']}:***@{match['host']}{port}")
        else:
            masked.append(host)
    return f"{scheme}://{','.join(masked)}{slash}{tail}"


def create_pod(
    region_name: str,
    az_name: str = "",
    pod_az_name: str = "",
    dc_name: str = "",
    transport_url: str = "",
) -> Pod:
    if not region_name:
        raise BadRequest("region_name is required.")
    check_top_region_role(region_name, az_name)
    if Pod.objects.filter(region_name=region_name).exists():
        raise Conflict(f"Pod {region_name} already exists.")
    if not az_name and Pod.objects.filter(az_name="").exists():
        raise Conflict("The top region is already registered.")
    validate_region(region_name)
    try:
        with transaction.atomic():
            return Pod.objects.create(
                region_name=region_name,
                az_name=az_name,
                pod_az_name=pod_az_name,
                dc_name=dc_name,
                transport_url=clean_transport_url(transport_url),
            )
    except IntegrityError as exc:
        raise Conflict(f"Pod {region_name} already exists.") from exc


def check_top_region_role(region_name: str, az_name: str) -> None:
    """Tricircle's own region (TRICIRCLE_TOP_REGION, whose catalog names Tricircle's APIs) is
    registered without an az_name, every pod with one: as a pod, the top region would have
    the gateway forward each call to itself, again and again."""
    if region_name == settings.TOP_REGION and az_name:
        raise BadRequest(
            f"{region_name} is Tricircle's own region (TRICIRCLE_TOP_REGION): its APIs are "
            "Tricircle's, so it cannot be a pod of an availability zone."
        )
    if region_name != settings.TOP_REGION and not az_name:
        raise BadRequest(
            f"A pod needs an az_name; only Tricircle's own region ({settings.TOP_REGION}) is "
            "registered without one."
        )


def update_pod(pod: Pod, **fields: object) -> Pod:
    """An operator's change to a pod (az_name, pod_az_name, dc_name, enabled, transport_url)."""
    if "az_name" in fields:
        check_top_region_role(pod.region_name, str(fields["az_name"] or ""))
    if "transport_url" in fields:
        fields["transport_url"] = clean_transport_url(str(fields["transport_url"]))
    for name, value in fields.items():
        setattr(pod, name, value)
    pod.save()
    return pod


def delete_pod(pod: Pod) -> None:
    if pod.routings.exists():
        raise Conflict(
            f"Pod {pod.region_name} still holds {pod.routings.count()} routed resources; "
            "delete them first."
        )
    pod.delete()


def get_pod(pod_id: str) -> Pod:
    pod = Pod.objects.filter(pk=pod_id).first()
    if pod is None:
        raise NotFound(f"Pod {pod_id} not found.")
    return pod


def bottom_pods(enabled_only: bool = True) -> list[Pod]:
    """Every pod but the top region's record, by region name (each gateway request asks)."""
    params: list[object] = ["", True] if enabled_only else [""]
    return rows.select(Pod, _bottom_pods_where(DEFAULT_DB_ALIAS, enabled_only), params)


@functools.cache
def _bottom_pods_where(using: str, enabled_only: bool) -> str:
    name = rows.sql_names(Pod, using)
    enabled = f" AND {name('enabled')} = %s" if enabled_only else ""
    return f"WHERE {name('az_name')} <> %s{enabled} ORDER BY {name('region_name')}"


def availability_zones() -> dict[str, list[Pod]]:
    zones: dict[str, list[Pod]] = {}
    for pod in bottom_pods(enabled_only=False):
        zones.setdefault(pod.az_name, []).append(pod)
    return zones


def probe_service(region_name: str, service_type: str) -> tuple[float | None, str]:
    """Find the service in the region's catalog and read its version document (cheap and
    unauthenticated): (latency in ms, "") when it answers, (None, the reason) otherwise."""
    adapter = clients().adapter(region_name, service_type)
    started = time.monotonic()
    try:
        endpoint = adapter.get_endpoint()
        if not endpoint:
            return None, f"{service_type}: no public endpoint in region {region_name}"
        response = adapter.session.get(
            endpoint, authenticated=False, raise_exc=False, timeout=settings.POD_TIMEOUT
        )
    except ks_exceptions.EndpointNotFound:
        return None, f"{service_type}: no public endpoint in region {region_name}"
    except ks_exceptions.ClientException as exc:
        return None, f"{service_type}: {exc}"
    if response.status_code >= 500:
        return None, f"{service_type}: {endpoint} answered HTTP {response.status_code}"
    return (time.monotonic() - started) * 1000, ""


def check_pod(pod: Pod, services: Iterable[str] = CHECKED_SERVICES) -> Pod:
    """Record the pod's health: up when all its services answer, degraded when some do, down
    when none do."""
    latencies: list[float] = []
    errors: list[str] = []
    for service_type in services:
        latency, error = probe_service(pod.region_name, service_type)
        if error:
            errors.append(error)
        elif latency is not None:  # always, without an error
            latencies.append(latency)
    if not errors:
        status = HealthStatus.UP
    elif latencies:
        status = HealthStatus.DEGRADED
    else:
        status = HealthStatus.DOWN
    pod.health_status = status
    pod.last_checked_at = timezone.now()
    pod.last_latency_ms = round(max(latencies), 1) if latencies else None
    pod.last_error = "; ".join(errors)
    pod.save(
        update_fields=[
            "health_status",
            "last_checked_at",
            "last_latency_ms",
            "last_error",
            "updated_at",
        ]
    )
    return pod


def onboard_pod(
    region_name: str,
    az_name: str,
    pod_az_name: str = "",
    dc_name: str = "",
    transport_url: str = "",
) -> tuple[Pod, dict[str, float]]:
    """Register a pod after checking it is usable: the region exists in Keystone and each of
    CHECKED_SERVICES is in its catalog and answers. Returns the pod (its health recorded) and
    each service's latency in ms. The command and the dashboard both onboard through here."""
    if not az_name:
        raise BadRequest("A pod needs an availability zone (az_name).")
    clean_transport_url(transport_url)
    validate_region(region_name)
    latencies, errors = {}, []
    for service_type in CHECKED_SERVICES:
        latency, error = probe_service(region_name, service_type)
        if error:
            errors.append(error)
        else:
            latencies[service_type] = latency or 0.0
    if errors:
        raise BadRequest(f"Pod {region_name} is not usable: " + "; ".join(errors))
    pod = create_pod(region_name, az_name, pod_az_name, dc_name, transport_url)
    return check_pod(pod), latencies


def set_enabled(pod: Pod, enabled: bool) -> Pod:
    """A disabled pod keeps its resources but receives no new placements (bottom_pods)."""
    pod.enabled = enabled
    pod.save(update_fields=["enabled", "updated_at"])
    return pod


def bind_pod(project_id: str, az_name: str, pod: Pod) -> Pod:
    """Record the project's pod in an AZ; the first binding wins a race."""
    binding, _ = PodBinding.objects.get_or_create(
        project_id=project_id, az_name=az_name, defaults={"pod": pod}
    )
    return binding.pod
