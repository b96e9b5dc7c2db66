"""A failing handler is retried with backoff by a real worker and ends FAIL with its error after
the last attempt; redo through the API then succeeds."""

import pytest

from jobs import services
from jobs.models import Job, JobStatus
from tests.conftest import DEMO_PROJECT
from tests.jobs_support.broker import wait_for
from tests.jobs_support.job_types import read_runs

pytestmark = pytest.mark.broker


def test_retried_with_backoff_then_fail_then_redo_succeeds(broker_workers, admin):
    workers = broker_workers
    (workers.directory / "fail").touch()
    workers.start_worker("w1")
    workers.start_beat()
    workers.wait_ready("w1", "beat")
    job = services.request_job("test_record", DEMO_PROJECT, {"item_id": "flaky"})

    def failed_for_good() -> bool:
        job.refresh_from_db()
        return job.status == JobStatus.FAIL and job.attempts == 3 and job.next_run_at is None

    wait_for(failed_for_good, 30, "three failed attempts")
    assert "RuntimeError: told to fail by the flag file" in job.last_error
    runs = read_runs(workers.directory)
    starts = [run["t"] for run in runs if run["event"] == "start"]
    ends = [run["t"] for run in runs if run["event"] == "end"]
    assert len(starts) == 3
    # Backoff 0.5 s then 1 s (a little slack for clock reads in different processes).
    assert starts[1] - ends[0] >= 0.45
    assert starts[2] - ends[1] >= 0.95

    (workers.directory / "fail").unlink()
    response = admin.put(f"/v1.0/jobs/{job.pk}")
    assert response.status_code == 202, response.content
    wait_for(lambda: Job.objects.get(pk=job.pk).status == JobStatus.SUCCESS, 20, "the redone job")
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.last_error == ""
