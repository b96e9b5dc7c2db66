"""What runs in the pods, for admins: hypervisors and compute services (every pod's), the
aggregates (one per pod), and usage (added up across pods)."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway import policy
from gateway.compute.api import ComputeView
from gateway.schema import parse_json
from pods.fanout import gather
from tricircle_site.exceptions import ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

# What a service's change names it by, before 2.53 (its host, in the body), instead of its id.
SERVICE_ACTIONS = frozenset({"enable", "disable", "disable-log-reason", "force-down"})


# --- hypervisors and services ----------------------------------------------------------------
def list_hypervisors(api: ComputeView, request: Request) -> HttpResponse:
    return api.concatenated(request, api.api_path, "hypervisors")


def hypervisor_statistics(api: ComputeView, request: Request) -> HttpResponse:
    return api.totalled(request, api.api_path)


def on_hypervisor_pod(api: ComputeView, request: Request, hypervisor_id: str) -> HttpResponse:
    """A hypervisor (by id or host name) and what is read of it: its pod answers."""
    return api.on_the_pod_that_has(request, api.api_path)


def list_services(api: ComputeView, request: Request) -> HttpResponse:
    return api.concatenated(request, api.api_path, "services")


def change_service(api: ComputeView, request: Request, service_id: str) -> HttpResponse:
    """A compute service is changed in its pod: the one that lists its id (from 2.53) or,
    before, the host named in the body. Unknown to every pod: the first pod's answer."""
    target, field = service_id, "id"
    if target in SERVICE_ACTIONS:
        target, field = str(parse_json(request.body).get("host", "")), "host"
    usable = api.answering_pods()
    if not usable:
        raise ServiceUnavailable("No pod is available.")
    gathered = gather(usable, lambda pod: api.forward_get(request, pod, "/os-services"))
    pods = [
        pod
        for pod, answer in sorted(gathered.results.items(), key=lambda i: i[0].region_name)
        if answer.status < 300
        and any(str(row.get(field)) == target for row in answer.json().get("services", []))
    ]
    pod = pods[0] if pods else usable[0]
    return api.respond(request, pod, api.forward(request, pod, api.api_path))


# --- aggregates ------------------------------------------------------------------------------
def list_aggregates(api: ComputeView, request: Request) -> HttpResponse:
    """Each pod is an aggregate of its AZ, as pod creation made one in Tricircle's design;
    its hosts are the pod's compute services."""
    policy.authorize(api.identity(request), "os_compute_api:os-aggregates:index")
    gathered = gather(
        api.answering_pods(),
        lambda pod: api.forward_get(request, pod, "/os-services?binary=nova-compute"),
    )
    hosts = {
        pod: sorted({service["host"] for service in answer.json().get("services", [])})
        for pod, answer in gathered.results.items()
        if answer.status < 300
    }
    aggregates = [
        {
            "id": index,
            "uuid": str(pod.id),
            "name": pod.region_name,
            "availability_zone": pod.az_name,
            "hosts": hosts.get(pod, []),
            "metadata": {"availability_zone": pod.az_name},
            "created_at": pod.created_at.isoformat(),
            "updated_at": None,
            "deleted": False,
            "deleted_at": None,
        }
        for index, pod in enumerate(sorted(api.pods, key=lambda pod: pod.region_name), 1)
    ]
    return api.answer({"aggregates": aggregates})


# --- simple tenant usage ---------------------------------------------------------------------
USAGE_TOTALS = ("total_hours", "total_local_gb_usage", "total_memory_mb_usage", "total_vcpus_usage")


def tenant_usages(api: ComputeView, request: Request, **_: str) -> HttpResponse:
    """`/os-simple-tenant-usage[/{project}]`: every pod's usage added up."""
    return api.totalled(request, api.api_path, combine=add_tenant_usages)


def add_usage(total: JsonDict, part: JsonDict) -> JsonDict:
    """One project's usage in another pod: the totals add up, the servers are listed together
    (a project with no server in a pod has an empty usage there)."""
    if not total:
        total.update(part)
        return total
    for key in USAGE_TOTALS:
        if key in part:
            total[key] = total.get(key, 0) + part[key]
    if "server_usages" in part:
        total["server_usages"] = total.get("server_usages", []) + part["server_usages"]
    return total


def add_tenant_usages(total: JsonDict, part: JsonDict) -> JsonDict:
    """A pod's os-simple-tenant-usage answer added to the running total: per project for the
    list. Paging links are the pods' own and are not passed on."""
    if "tenant_usage" in part:
        add_usage(total.setdefault("tenant_usage", {}), part["tenant_usage"])
        return total
    usages = total.setdefault("tenant_usages", [])
    by_project = {usage.get("tenant_id"): usage for usage in usages}
    for usage in part.get("tenant_usages", []):
        project = usage.get("tenant_id")
        if project in by_project:
            add_usage(by_project[project], usage)
        else:
            usages.append(usage)
            by_project[project] = usage
    return total
