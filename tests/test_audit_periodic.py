"""Beat runs the audit periodically: its task asks one pod_audit job per pod (the top region's
own record aside), and a second request before a job starts merges into it."""

import pytest
from django.conf import settings

from gateway.tasks import audit_pods
from jobs.models import Job
from pods.models import Pod

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_audit_task():
    assert settings.CELERY_BEAT_SCHEDULE["audit-pods"]["task"] == "gateway.audit_pods"


def test_the_task_asks_a_pod_audit_job_per_pod(audit_cloud):
    Pod.objects.create(region_name="CentralRegion", az_name="")
    assert audit_pods() == 2
    assert audit_pods() == 2
    jobs = Job.objects.all()
    assert {job.resource["pod_id"] for job in jobs} == {
        str(audit_cloud.pod("Pod1").pk),
        str(audit_cloud.pod("Pod2").pk),
    }
    assert {(job.type, job.request_count) for job in jobs} == {("pod_audit", 2)}
