"""A message dropped on purpose (the job row is written, the task never sent): the periodic
sweep (Celery beat) sends it and a worker runs it."""

import pytest

from jobs import services
from jobs.models import Job, JobStatus
from tests.conftest import DEMO_PROJECT
from tests.jobs_support.broker import wait_for

pytestmark = pytest.mark.broker


def test_the_sweep_runs_a_job_whose_message_was_lost(broker_workers, monkeypatch):
    workers = broker_workers
    workers.start_worker("w1")
    workers.start_beat()
    monkeypatch.setattr(services, "dispatch", lambda *args, **kwargs: None)
    job = services.request_job("test_record", DEMO_PROJECT, {"item_id": "dropped"})
    monkeypatch.undo()
    job.refresh_from_db()
    assert job.dispatched_at is None
    assert job.task_id == ""
    workers.wait_ready("w1", "beat")

    wait_for(
        lambda: Job.objects.get(pk=job.pk).status == JobStatus.SUCCESS, 30, "the sweep to run it"
    )
    job.refresh_from_db()
    assert job.dispatched_at is not None
    # The sweep's task is linked from the job (django-celery-results).
    result = wait_for(lambda: job.task_result, 10, "the task result")
    assert result.task_name == "jobs.run"
    assert "beat: Starting" in workers.log("beat").read_text()
