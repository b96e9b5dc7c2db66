"""Per pod: its last audit run and the counts of its current findings by class and type (the
admin API's GET /v1.0/audit, the dashboard and `manage.py audit` show the same)."""

from __future__ import annotations

from django.db.models import Count

from gateway.audit.run import audited_pods
from gateway.models import AuditFinding, AuditRun
from pods.models import Pod
from tricircle_site.jsontypes import JsonDict


def run_body(run: AuditRun | None) -> JsonDict | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "note": run.note,
        "api_calls": run.api_calls,
    }


def counts_by_pod() -> dict[object, dict[str, dict[str, int]]]:
    """{pod id: {class: {type: findings}}} of the current findings (one grouped query)."""
    counts: dict[object, dict[str, dict[str, int]]] = {}
    rows = (
        AuditFinding.objects.values("pod_id", "audit_class", "resource_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        by_class = counts.setdefault(row["pod_id"], {}).setdefault(row["audit_class"], {})
        by_class[row["resource_type"]] = row["n"]
    return counts


def pod_summaries(pods: list[Pod] | None = None) -> list[JsonDict]:
    counts = counts_by_pod()
    summaries = []
    for pod in pods if pods is not None else audited_pods():
        last = AuditRun.objects.filter(pod=pod).order_by("-id").first()
        last_done = AuditRun.objects.filter(pod=pod, status="done").order_by("-id").first()
        by_class = counts.get(pod.pk, {})
        summaries.append(
            {
                "pod_id": str(pod.pk),
                "region_name": pod.region_name,
                "last_run": run_body(last),
                "last_complete_run": run_body(last_done),
                "counts": by_class,
                "totals": {name: sum(types.values()) for name, types in by_class.items()},
            }
        )
    return summaries
