"""The gateway's periodic Celery task (found by the Celery app's autodiscovery): beat sends it
every settings.AUDIT_INTERVAL seconds (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from gateway.audit.run import request_audits


@shared_task(name="gateway.audit_pods")
def audit_pods() -> int:
    """Ask a pod_audit job for every pod; the jobs do the work (one at a time per pod)."""
    return len(request_audits())
