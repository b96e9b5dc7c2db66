"""The job engine's hot path in the fewest statements: a claim, a finish and a merge are one
statement each (UPDATE ... RETURNING, no transaction around it), a new request two and its send
one, a run of a short job no lease renewal. Outside any transaction, as in a worker."""

import pytest
from django.utils import timezone

from jobs import services
from jobs.models import Job, JobStatus
from tests.conftest import DEMO_PROJECT
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_claim_is_one_statement_and_returns_the_claimed_row(django_assert_num_queries):
    job = JobFactory()
    with django_assert_num_queries(1):
        claimed = services.claim(job.pk, "w1")
    assert claimed.pk == job.pk
    assert (claimed.status, claimed.worker, claimed.attempts) == (JobStatus.RUNNING, "w1", 1)
    assert claimed.resource == job.resource
    assert claimed.lease_expires_at is not None
    with django_assert_num_queries(1):
        assert services.claim(job.pk, "w2") is None


def test_a_success_is_one_statement_and_settles_older_failures(django_assert_num_queries):
    old = JobFactory(
        resource={"item_id": "x"}, status=JobStatus.FAIL, next_run_at=timezone.now(), attempts=1
    )
    job = services.claim(JobFactory(resource={"item_id": "x"}).pk, "w1")
    with django_assert_num_queries(1):
        assert services._finish(job, "") == JobStatus.SUCCESS
    job.refresh_from_db()
    old.refresh_from_db()
    assert (job.status, job.worker, job.lease_expires_at) == (JobStatus.SUCCESS, "", None)
    assert job.finished_at is not None
    assert (old.status, old.next_run_at) == (JobStatus.FAIL, None)


def test_a_failure_is_one_statement_and_its_retry_one_send(django_assert_num_queries, sent_jobs):
    job = services.claim(JobFactory().pk, "w1")
    # The statement, then the send's record of the task id.
    with django_assert_num_queries(2):
        assert services._finish(job, "RuntimeError: no").startswith("FAIL (retry in")
    job.refresh_from_db()
    assert (job.status, job.last_error, job.worker) == (JobStatus.FAIL, "RuntimeError: no", "")
    assert job.next_run_at is not None
    assert [job_id for job_id, _ in sent_jobs] == [str(job.pk)]


def test_the_job_waiting_for_a_finished_one_is_sent_by_the_same_statement(
    django_assert_num_queries, sent_jobs
):
    running = services.claim(JobFactory(resource={"item_id": "y"}).pk, "w1")
    waiting = JobFactory(resource={"item_id": "y"})
    # The finish (which reads the waiting job's id), then the send's record of the task id.
    with django_assert_num_queries(2):
        services._finish(running, "")
    assert sent_jobs == [(str(waiting.pk), None)]


def test_a_finish_after_losing_the_claim_changes_nothing(django_assert_num_queries, sent_jobs):
    job = services.claim(JobFactory(resource={"item_id": "z"}).pk, "w1")
    JobFactory(resource={"item_id": "z"})  # waiting, but not for us: we lost the job
    Job.objects.filter(pk=job.pk).update(worker="w2")
    with django_assert_num_queries(1):
        assert services._finish(job, "").startswith("lost the claim")
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    assert sent_jobs == []


def test_a_short_job_runs_in_two_statements(django_assert_num_queries):
    job = JobFactory(type="test_noop", resource={"item_id": "quick"})
    with django_assert_num_queries(2):
        assert services.run(job.pk, "w1") == JobStatus.SUCCESS


def test_a_new_request_is_two_statements_and_its_send_one(django_assert_num_queries, sent_jobs):
    with django_assert_num_queries(3):
        job = services.request_job("test_owned", DEMO_PROJECT, {"thing_id": f"{DEMO_PROJECT}-1"})
    assert sent_jobs == [(str(job.pk), None)]
    # Merged into the NEW job: one statement, nothing sent.
    with django_assert_num_queries(1):
        again = services.request_job("test_owned", DEMO_PROJECT, {"thing_id": f"{DEMO_PROJECT}-1"})
    assert (again.pk, again.request_count) == (job.pk, 2)
    assert len(sent_jobs) == 1
