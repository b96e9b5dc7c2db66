"""The dashboard's drift audit page: per pod, its last run and its findings per class; the
findings (filtered by pod, class, type), each with a Repair button where a repair exists; and
"Audit now". The same service functions as the admin API (gateway.audit)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gateway.audit import repair, run
from gateway.audit.summary import pod_summaries
from gateway.models import AuditClass, AuditFinding
from tricircle_site.dashboard.pages import staff_required
from tricircle_site.exceptions import TricircleError

FILTERS = ("pod", "class", "type")
PAGE_SIZE = 200


@staff_required
def audit_page(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET[name] for name in FILTERS if request.GET.get(name)}
    findings = AuditFinding.objects.select_related("pod").order_by("-id")
    if "pod" in filters:
        findings = findings.filter(pod__region_name=filters["pod"])
    if "class" in filters:
        findings = findings.filter(audit_class=filters["class"])
    if "type" in filters:
        findings = findings.filter(resource_type=filters["type"])
    classes = [choice.value for choice in AuditClass]
    summaries = pod_summaries()
    for summary in summaries:
        summary["cells"] = [summary["totals"].get(name, 0) for name in classes]
    return render(
        request,
        "dashboard/audit.html",
        {
            "summaries": summaries,
            "classes": classes,
            "findings": findings[:PAGE_SIZE],
            "types": sorted(
                AuditFinding.objects.values_list("resource_type", flat=True).distinct()
            ),
            "filters": filters,
            "section": "audit",
        },
    )


@staff_required
@require_POST
def audit_now(request: HttpRequest) -> HttpResponse:
    try:
        pod = run.find_pod(request.POST["pod"]) if request.POST.get("pod") else None
        jobs = run.request_audits(pod)
    except TricircleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Audit requested: {len(jobs)} pod_audit job(s).")
    return redirect("dashboard-audit")


@staff_required
@require_POST
def repair_finding(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = AuditFinding.objects.select_related("pod").filter(pk=finding_id).first()
    if finding is None:
        messages.error(request, f"Audit finding {finding_id} is unknown.")
        return redirect("dashboard-audit")
    try:
        repaired = repair.repair(finding)
    except TricircleError as exc:
        messages.error(request, exc.message)
    else:
        text = f"Finding {finding_id}: {repaired.status}, {repaired.repair_note}"
        if repaired.status == "repair_failed":
            messages.error(request, text)
        else:
            messages.success(request, text)
    return redirect("dashboard-audit")
