"""Who may take a job: one conditional UPDATE decides, and the partial unique index keeps a
second job for the same resource from RUNNING."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import services
from jobs.models import JobStatus
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_a_new_job_is_claimed_once_with_a_lease(settings):
    settings.JOBS_LEASE_SECONDS = 60
    job = JobFactory()
    claimed = services.claim(job.pk, "w1")
    assert claimed is not None
    assert claimed.status == JobStatus.RUNNING
    assert claimed.worker == "w1"
    assert claimed.attempts == 1
    lease = (claimed.lease_expires_at - timezone.now()).total_seconds()
    assert 55 < lease <= 60
    assert services.claim(job.pk, "w2") is None


def test_an_expired_lease_is_taken_over_by_another_worker():
    past = timezone.now() - timedelta(seconds=1)
    job = JobFactory(status=JobStatus.RUNNING, worker="dead", lease_expires_at=past, attempts=1)
    claimed = services.claim(job.pk, "w2")
    assert claimed.worker == "w2"
    assert claimed.attempts == 2


def test_an_expired_lease_after_the_last_attempt_is_not_taken(settings):
    settings.JOBS_MAX_ATTEMPTS = 3
    past = timezone.now() - timedelta(seconds=1)
    job = JobFactory(status=JobStatus.RUNNING, worker="dead", lease_expires_at=past, attempts=3)
    assert services.claim(job.pk, "w2") is None


@pytest.mark.parametrize(
    ("status", "next_run_in", "claimable"),
    [
        (JobStatus.FAIL, -1, True),
        (JobStatus.FAIL, 60, False),
        (JobStatus.FAIL, None, False),
        (JobStatus.SUCCESS, None, False),
    ],
)
def test_fail_is_claimable_only_when_its_retry_is_due(status, next_run_in, claimable):
    next_run_at = None
    if next_run_in is not None:
        next_run_at = timezone.now() + timedelta(seconds=next_run_in)
    job = JobFactory(status=status, next_run_at=next_run_at, attempts=1)
    assert (services.claim(job.pk, "w1") is not None) is claimable


def test_a_second_job_for_the_same_resource_cannot_run_at_the_same_time():
    running = JobFactory(resource={"item_id": "x"})
    assert services.claim(running.pk, "w1") is not None
    due = timezone.now() - timedelta(seconds=1)
    failed = JobFactory(resource={"item_id": "x"}, status=JobStatus.FAIL, next_run_at=due)
    waiting = JobFactory(resource={"item_id": "x"})
    assert services.claim(failed.pk, "w2") is None
    assert services.claim(waiting.pk, "w2") is None
    waiting.refresh_from_db()
    assert waiting.status == JobStatus.NEW


def test_an_unknown_job_id_is_not_claimed():
    assert services.claim("0190a0a0-0000-7000-8000-000000000000", "w1") is None


def test_a_finish_after_losing_the_claim_does_not_overwrite_the_new_holder():
    job = JobFactory()
    first = services.claim(job.pk, "w1")
    JobFactory._meta.model.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    second = services.claim(job.pk, "w2")
    assert services._finish(first, "").startswith("lost the claim")
    second.refresh_from_db()
    assert second.status == JobStatus.RUNNING
    assert second.worker == "w2"
