"""Auditing one pod: read the routing table, then the pod, then the top; classify; record the
findings (they replace the pod's previous ones); repair the classes the operator turned on.

A pod (or the central Neutron) that does not answer, times out or fails with a 5xx makes the
run SKIPPED: nothing is concluded from a pod that could not be read, and its previous findings
stand. A 4xx to one list (a service a pod does not run) leaves that type out, noted."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gateway.audit import compute, network, repair, volume
from gateway.audit.findings import Finding
from gateway.audit.listing import Lister
from gateway.audit.routes import read_routes
from gateway.job_names import POD_AUDIT
from gateway.models import AuditFinding, AuditRun, AuditRunStatus
from jobs.models import Job
from jobs.services import request_job
from pods.clients import central_neutron, pod_neutron
from pods.models import Pod
from tricircle_site.exceptions import NotFound, ServiceUnavailable

LOG = logging.getLogger(__name__)
# The types each run looks at, in the order findings are listed.
AUDITED_TYPES = [*network.TYPES, *compute.TYPES, *volume.TYPES]
# Jobs of the audit are the cloud's, not a project's: recorded under the service project.
AUDIT_PROJECT = "cloud"


def audited_pods() -> list[Pod]:
    """Every pod but the top region's own record."""
    return list(Pod.objects.exclude(az_name="").order_by("region_name"))


def find_pod(name_or_id: str) -> Pod:
    pods = Pod.objects.exclude(az_name="")
    pod = pods.filter(region_name=name_or_id).first()
    if pod is None:
        try:
            pod = pods.filter(pk=name_or_id).first()
        except Exception:  # not a UUID (a ValidationError of the id field): no such pod
            pod = None
    if pod is None:
        raise NotFound(f"Pod {name_or_id} is unknown.")
    return pod


def request_audits(pod: Pod | None = None, project_id: str = AUDIT_PROJECT) -> list[Job]:
    """pod_audit jobs for one pod or every pod (what beat and POST /v1.0/audit ask)."""
    pods = [pod] if pod is not None else audited_pods()
    return [request_job(POD_AUDIT, project_id, {"pod_id": str(item.pk)}) for item in pods]


def collect(pod: Pod, pod_lister: Lister, top_lister: Lister) -> list[Finding]:
    """Every finding of the pod; ServiceUnavailable when the pod or the top does not answer."""
    routes = read_routes(pod)
    pod_network = network.read(pod_neutron(pod), pod_lister)
    pod_compute = compute.read(pod, pod_lister, routes, compute.keystone_users(top_lister))
    pod_volume = volume.read(pod, pod_lister)
    top_network = network.read(central_neutron(), top_lister)
    return [
        *network.classify(pod_network, top_network, routes),
        *compute.classify(pod_compute, routes),
        *volume.classify(pod_volume, routes),
    ]


def run_pod_audit(pod: Pod, repair_classes: Iterable[str] = ()) -> AuditRun:
    """Audit the pod and record the run; then repair the findings of `repair_classes`."""
    run = AuditRun.objects.create(pod=pod)
    pod_lister = Lister(settings.AUDIT_PAGE_SIZE)
    top_lister = Lister(settings.AUDIT_PAGE_SIZE)
    try:
        found = collect(pod, pod_lister, top_lister)
    except ServiceUnavailable as exc:
        LOG.warning("Audit of %s skipped: %s", pod.region_name, exc)
        run.status, run.note = AuditRunStatus.SKIPPED, str(exc)
        run.api_calls, run.finished_at = pod_lister.calls, timezone.now()
        run.save()
        return run
    _record(run, found, pod_lister, [*pod_lister.refused, *top_lister.refused])
    classes = set(repair_classes)
    if classes:
        repair.repair_all(run.findings.filter(audit_class__in=classes))
    return run


def _record(run: AuditRun, found: list[Finding], lister: Lister, refused: list[str]) -> None:
    counts: dict[str, Counter[str]] = {}
    for finding in found:
        counts.setdefault(str(finding.audit_class), Counter())[str(finding.resource_type)] += 1
    with transaction.atomic():
        AuditFinding.objects.bulk_create(
            AuditFinding(
                run=run,
                pod=run.pod,
                audit_class=finding.audit_class,
                resource_type=finding.resource_type,
                top_id=finding.top_id,
                bottom_id=finding.bottom_id,
                project_id=finding.project_id[:64],
                name=finding.name[:255],
                detail=finding.detail,
                repair_action=finding.repair_action,
                repair_args=finding.repair_args,
            )
            for finding in found
        )
        # The pod's current findings are this run's; earlier runs' go.
        AuditFinding.objects.filter(pod=run.pod).exclude(run=run).delete()
        run.status = AuditRunStatus.DONE
        run.counts = {name: dict(types) for name, types in counts.items()}
        run.note = "; ".join(f"not listed: {refusal}" for refusal in refused)
        run.api_calls, run.finished_at = lister.calls, timezone.now()
        run.save()
