"""A failing handler: FAIL with its error, retried with exponential backoff, no retry after the
last attempt; a success settles older failures of the same work."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import services
from jobs.models import Job, JobStatus
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing(tmp_path, monkeypatch):
    monkeypatch.setenv("TRICIRCLE_TEST_JOBS_DIR", str(tmp_path))
    (tmp_path / "fail").touch()
    return tmp_path


def test_backoff_doubles_up_to_the_maximum(settings):
    settings.JOBS_BACKOFF_SECONDS = 5
    settings.JOBS_BACKOFF_MAX_SECONDS = 30
    assert [services.backoff_seconds(n) for n in range(1, 6)] == [5, 10, 20, 30, 30]


def test_a_failure_is_recorded_and_retried_after_the_backoff(settings, failing, sent_jobs):
    settings.JOBS_BACKOFF_SECONDS = 5
    job = JobFactory()
    before = timezone.now()
    assert services.run(job.pk, "w1").startswith("FAIL")
    job.refresh_from_db()
    assert job.status == JobStatus.FAIL
    assert job.attempts == 1
    assert "RuntimeError: told to fail by the flag file" in job.last_error
    assert job.worker == ""
    assert job.lease_expires_at is None
    delay = (job.next_run_at - before).total_seconds()
    assert 5 <= delay < 6
    # Sent again with the backoff as countdown; the sweep is the backstop.
    assert sent_jobs == [(str(job.pk), 5)]
    # Not before it is due.
    assert services.run(job.pk, "w1").startswith("skipped")


def test_after_the_last_attempt_the_job_stays_fail(settings, failing):
    settings.JOBS_MAX_ATTEMPTS = 3
    job = JobFactory()
    for attempt in range(1, 4):
        Job.objects.filter(pk=job.pk).update(next_run_at=timezone.now() - timedelta(seconds=1))
        services.run(job.pk, "w1")
        job.refresh_from_db()
        assert job.attempts == attempt
    assert job.status == JobStatus.FAIL
    assert job.next_run_at is None
    assert "told to fail" in job.last_error
    assert services.run(job.pk, "w1").startswith("skipped")


def test_a_pod_that_does_not_answer_is_waited_for_beyond_the_last_attempt(settings, failing):
    settings.JOBS_MAX_ATTEMPTS = 2
    settings.JOBS_BACKOFF_SECONDS = 5
    settings.JOBS_BACKOFF_MAX_SECONDS = 30
    (failing / "fail").write_text("unanswered")
    job = JobFactory()
    for attempt in range(1, 6):
        Job.objects.filter(pk=job.pk).update(next_run_at=timezone.now() - timedelta(seconds=1))
        assert services.run(job.pk, "w1").startswith("FAIL (retry in")
        job.refresh_from_db()
        assert job.attempts == attempt
        assert "ServiceUnavailable: Pod1 is not answering." in job.last_error
    assert job.next_run_at - timezone.now() <= timedelta(seconds=30)
    (failing / "fail").unlink()
    Job.objects.filter(pk=job.pk).update(next_run_at=timezone.now() - timedelta(seconds=1))
    assert services.run(job.pk, "w1") == "SUCCESS"


def test_redo_resets_attempts_and_then_succeeds(settings, failing, sent_jobs):
    settings.JOBS_MAX_ATTEMPTS = 1
    job = JobFactory()
    services.run(job.pk, "w1")
    (failing / "fail").unlink()
    job = services.redo(Job.objects.get(pk=job.pk))
    assert job.status == JobStatus.NEW
    assert job.attempts == 0
    assert services.run(job.pk, "w1") == "SUCCESS"
    job.refresh_from_db()
    assert job.last_error == ""
    assert job.finished_at is not None


def test_a_success_settles_older_failures_of_the_same_work():
    due = timezone.now() + timedelta(seconds=30)
    old = JobFactory(resource={"item_id": "x"}, status=JobStatus.FAIL, next_run_at=due)
    other = JobFactory(resource={"item_id": "y"}, status=JobStatus.FAIL, next_run_at=due)
    new = JobFactory(resource={"item_id": "x"})
    assert services.run(new.pk, "w1") == "SUCCESS"
    old.refresh_from_db()
    other.refresh_from_db()
    assert old.status == JobStatus.FAIL
    assert old.next_run_at is None
    assert other.next_run_at == due
