"""Requests for the same (type, resource) merge into the NEW job; the row is written first and
the task is sent after the commit."""

import pytest

from jobs import services
from jobs.models import Job, JobStatus
from tests.conftest import DEMO_PROJECT
from tricircle_site.exceptions import BadRequest

pytestmark = pytest.mark.django_db


def request(item: str = "a") -> Job:
    return services.request_job("test_record", DEMO_PROJECT, {"item_id": item})


def test_the_task_is_sent_after_the_commit(django_capture_on_commit_callbacks, sent_jobs):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = request()
    assert sent_jobs == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent_jobs == [(str(job.pk), None)]
    job.refresh_from_db()
    assert job.task_id
    assert job.dispatched_at is not None


def test_a_second_request_merges_into_the_new_job(django_capture_on_commit_callbacks, sent_jobs):
    with django_capture_on_commit_callbacks(execute=True):
        first = request()
        second = request()
        third = request()
    assert first.pk == second.pk == third.pk
    assert third.request_count == 3
    assert Job.objects.count() == 1
    assert len(sent_jobs) == 1


def test_different_resources_do_not_merge():
    assert request("a").pk != request("b").pk


def test_a_request_while_running_makes_one_new_job_that_runs_after(
    django_capture_on_commit_callbacks, sent_jobs
):
    running = request()
    services.claim(running.pk, "w1")
    with django_capture_on_commit_callbacks(execute=True):
        waiting = request()
        merged = request()
    assert waiting.pk != running.pk
    assert merged.pk == waiting.pk
    assert merged.request_count == 2
    # The waiting job's own message finds the resource busy ...
    assert services.run(waiting.pk, "w2").startswith("skipped")
    sent_jobs.clear()
    # ... and is sent again when the running one finishes.
    with django_capture_on_commit_callbacks(execute=True):
        services._finish(Job.objects.get(pk=running.pk), "")
    assert (str(waiting.pk), None) in sent_jobs
    assert services.run(waiting.pk, "w2") == "SUCCESS"


def test_a_failed_job_does_not_absorb_new_requests():
    failed = request()
    Job.objects.filter(pk=failed.pk).update(status=JobStatus.FAIL)
    assert request().pk != failed.pk


@pytest.mark.parametrize(
    ("type_name", "resource", "message"),
    [
        ("spaceship", {"item_id": "a"}, "Unknown job type 'spaceship'"),
        ("test_record", {}, "missing: item_id"),
        ("test_record", {"item_id": "a", "extra": "b"}, "unknown: extra"),
        ("test_record", {"item_id": ""}, "resource.item_id must be a non-empty id"),
        ("test_record", {"item_id": 5}, "resource.item_id must be a non-empty id"),
        ("test_record", ["a"], "resource must be an object"),
    ],
)
def test_bad_requests_say_what_is_wrong(type_name, resource, message):
    with pytest.raises(BadRequest, match=message):
        services.request_job(type_name, DEMO_PROJECT, resource)
    assert not Job.objects.exists()
