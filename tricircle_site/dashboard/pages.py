"""The operator dashboard: thin views over the apps' service functions (pods, routing, jobs,
networking), for a logged-in Keystone admin (KeystoneLoginBackend makes them superusers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jobs import registry as job_registry
from jobs import services as job_services
from jobs.models import JobStatus
from networking import placement
from pods import services as pod_services
from routing import services as routing_services
from routing.models import ResourceType
from tricircle_site.dashboard import topology
from tricircle_site.exceptions import TricircleError

View = Callable[..., HttpResponse]
ACTIVE_STATUSES = {JobStatus.NEW, JobStatus.RUNNING}
JOB_FILTERS = ("status", "type", "project_id")
# A routing entry id is at most this long (ResourceRouting.top_id); longer is not an id.
MAX_ID_LENGTH = 127


def staff_required(view: View) -> View:
    """Logged in and an admin; anyone else goes to /login (not a 403 page: logging in as an
    admin is the way in)."""
    return login_required(user_passes_test(lambda user: user.is_superuser)(view))


# --- overview and pods --------------------------------------------------------------------------
@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    counts = routing_services.counts_by_pod()
    zones = []
    for az_name, pods in sorted(pod_services.availability_zones().items()):
        rows = []
        for pod in pods:
            pod_counts = counts.get(pod.id, {})
            rows.append(
                {
                    "pod": pod,
                    "servers": pod_counts.get(ResourceType.SERVER, 0),
                    "volumes": pod_counts.get(ResourceType.VOLUME, 0),
                    "networks": pod_counts.get(ResourceType.NETWORK, 0),
                    "entries": sum(pod_counts.values()),
                }
            )
        zones.append({"name": az_name, "rows": rows})
    return render(
        request,
        "dashboard/overview.html",
        {
            "zones": zones,
            "job_counts": job_services.status_counts(),
            "failures": job_services.newest_failures(),
            "section": "overview",
        },
    )


@staff_required
@require_POST
def check_pods(request: HttpRequest) -> HttpResponse:
    """Check every pod's health now (what `manage.py list_pods` does)."""
    for pods in pod_services.availability_zones().values():
        for pod in pods:
            pod_services.check_pod(pod)
    messages.success(request, "Pod health checked.")
    return redirect("dashboard-overview")


@staff_required
def onboard_pod(request: HttpRequest) -> HttpResponse:
    """Onboard a pod with the same checks as `manage.py onboard_pod`."""
    values = {
        name: request.POST.get(name, "").strip()
        for name in ("region_name", "az_name", "pod_az_name", "dc_name")
    }
    error = ""
    if request.method == "POST":
        try:
            pod, latencies = pod_services.onboard_pod(**values)
        except TricircleError as exc:
            error = exc.message
        else:
            answers = ", ".join(f"{name} {ms:.0f} ms" for name, ms in latencies.items())
            messages.success(
                request, f"Pod {pod.region_name} onboarded in {pod.az_name} ({answers})."
            )
            return redirect("dashboard-overview")
    return render(
        request,
        "dashboard/onboard.html",
        {"values": values, "error": error, "section": "onboard"},
        status=400 if error else 200,
    )


def _set_enabled(request: HttpRequest, pod_id: UUID, enabled: bool) -> HttpResponse:
    try:
        pod = pod_services.set_enabled(pod_services.get_pod(str(pod_id)), enabled)
    except TricircleError as exc:
        messages.error(request, exc.message)
    else:
        state = "enabled for" if enabled else "disabled for"
        messages.success(request, f"Pod {pod.region_name} {state} new placements.")
    return redirect("dashboard-overview")


@staff_required
@require_POST
def enable_pod(request: HttpRequest, pod_id: UUID) -> HttpResponse:
    return _set_enabled(request, pod_id, True)


@staff_required
@require_POST
def disable_pod(request: HttpRequest, pod_id: UUID) -> HttpResponse:
    return _set_enabled(request, pod_id, False)


# --- topology -------------------------------------------------------------------------------------
@staff_required
def topology_page(request: HttpRequest) -> HttpResponse:
    selected = request.GET.get("resource", "")[:MAX_ID_LENGTH]
    picture = topology.build(selected)
    context: dict[str, Any] = {"topology": picture, "section": "topology", "selected": selected}
    if selected:
        node = next((node for node in picture.resources if node.top_id == selected), None)
        context.update(
            selected_node=node,
            entries=routing_services.entries_of_top_id(selected),
            jobs=job_services.jobs_mentioning(selected),
            hints=placement.hints_of([selected]).get(selected, []),
        )
    return render(request, "dashboard/topology.html", context)


# --- jobs -----------------------------------------------------------------------------------------
def _jobs_context(request: HttpRequest) -> dict[str, Any]:
    filters = {name: request.GET[name] for name in JOB_FILTERS if request.GET.get(name)}
    jobs = job_services.list_jobs(filters)
    return {
        "jobs": jobs,
        "filters": filters,
        "active": any(job.status in ACTIVE_STATUSES for job in jobs),
        "query": request.GET.urlencode(),
    }


@staff_required
def jobs_page(request: HttpRequest) -> HttpResponse:
    context = _jobs_context(request)
    context.update(
        section="jobs",
        statuses=JobStatus.values,
        types=sorted(job_type.name for job_type in job_registry.all_types()),
    )
    return render(request, "dashboard/jobs.html", context)


@staff_required
def jobs_rows(request: HttpRequest) -> HttpResponse:
    """The jobs table's body alone, fetched by the page's refresh script while jobs run."""
    return render(request, "dashboard/_jobs_rows.html", _jobs_context(request))


def _job_or_redirect(request: HttpRequest, job_id: UUID) -> Any:
    try:
        return job_services.get_job(job_id)
    except TricircleError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard-jobs")


@staff_required
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = _job_or_redirect(request, job_id)
    if isinstance(job, HttpResponseRedirect):
        return job
    return render(
        request,
        "dashboard/job_detail.html",
        {"job": job, "active": job.status in ACTIVE_STATUSES, "section": "jobs"},
    )


@staff_required
def job_status(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """The detail page's status block alone, for its refresh script."""
    job = _job_or_redirect(request, job_id)
    if isinstance(job, HttpResponseRedirect):
        return HttpResponse(status=404)
    return render(
        request,
        "dashboard/_job_status.html",
        {"job": job, "active": job.status in ACTIVE_STATUSES},
    )


@staff_required
@require_POST
def job_redo(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = _job_or_redirect(request, job_id)
    if isinstance(job, HttpResponseRedirect):
        return job
    try:
        job_services.redo(job)
    except TricircleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Job {job.pk} sent again.")
    return redirect("dashboard-job", job_id=job.pk)


@staff_required
@require_POST
def job_delete(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = _job_or_redirect(request, job_id)
    if isinstance(job, HttpResponseRedirect):
        return job
    try:
        job_services.delete(job)
    except TricircleError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard-job", job_id=job.pk)
    messages.success(request, f"Job {job.pk} deleted.")
    return redirect("dashboard-jobs")
