"""The periodic sweep resends what may have been lost, and only that."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import services
from jobs.models import Job, JobStatus
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


def backdate(job: Job, seconds: float) -> Job:
    Job.objects.filter(pk=job.pk).update(created_at=ago(seconds))
    return job


def test_sweep_resends_lost_work_only(settings, sent_jobs):
    settings.JOBS_RESEND_AFTER_SECONDS = 60
    settings.JOBS_MAX_ATTEMPTS = 5
    resend = {
        backdate(JobFactory(dispatched_at=None), 10),  # never sent
        JobFactory(dispatched_at=ago(120)),  # sent long ago, still NEW
        JobFactory(status=JobStatus.FAIL, next_run_at=ago(5), attempts=1),  # retry due
        JobFactory(status=JobStatus.RUNNING, lease_expires_at=ago(1), attempts=1),  # worker died
    }
    leave = {
        JobFactory(dispatched_at=None),  # just created: its send follows the commit
        JobFactory(dispatched_at=ago(5)),  # sent recently
        JobFactory(status=JobStatus.FAIL, next_run_at=ago(-30), attempts=1),  # not due
        JobFactory(status=JobStatus.FAIL, next_run_at=None, attempts=5),  # out of attempts
        JobFactory(status=JobStatus.RUNNING, lease_expires_at=ago(-30), attempts=1),
        JobFactory(status=JobStatus.SUCCESS),
    }
    counts = services.sweep()
    assert counts == {"new": 2, "retry": 1, "expired": 1, "abandoned": 0}
    assert {job_id for job_id, _ in sent_jobs} == {str(job.pk) for job in resend}
    assert not {str(job.pk) for job in leave} & {job_id for job_id, _ in sent_jobs}


def test_a_job_whose_worker_died_on_the_last_attempt_ends_fail(settings, sent_jobs):
    settings.JOBS_MAX_ATTEMPTS = 2
    job = JobFactory(status=JobStatus.RUNNING, lease_expires_at=ago(1), attempts=2, worker="w")
    assert services.sweep()["abandoned"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAIL
    assert job.next_run_at is None
    assert "worker was lost" in job.last_error
    assert sent_jobs == []


def test_sweep_works_in_batches(settings, sent_jobs):
    settings.JOBS_SWEEP_BATCH = 3
    for _ in range(5):
        JobFactory(dispatched_at=ago(3600))
    assert services.sweep()["new"] == 3
    assert len(sent_jobs) == 3
    # The ones sent were stamped, so the next sweep takes the rest.
    assert services.sweep()["new"] == 2
