"""A worker killed with SIGKILL in the middle of a job: the job completes after another worker
takes the expired claim, and never runs twice at the same time (real RabbitMQ, real workers)."""

import time

import pytest

from jobs import services
from jobs.models import Job, JobStatus
from tests.conftest import DEMO_PROJECT
from tests.jobs_support.broker import wait_for
from tests.jobs_support.job_types import read_runs

pytestmark = pytest.mark.broker


# solo: one job per process; threads: the settings' pool (CELERY_WORKER_POOL), several jobs per
# process, all lost with it.
@pytest.mark.parametrize("pool", ["solo", "threads"])
def test_a_killed_workers_job_is_taken_over_and_completes_once_at_a_time(broker_workers, pool):
    workers = broker_workers
    (workers.directory / "sleep").write_text("3")
    for name in ("w1", "w2"):
        workers.start_worker(name, "--pool", pool)
    workers.start_beat()
    workers.wait_ready("w1", "w2", "beat")
    job = services.request_job("test_record", DEMO_PROJECT, {"item_id": "killed"})

    (first,) = wait_for(lambda: read_runs(workers.directory), 20, "the job to start")
    victim = next(name for name, proc in workers.processes.items() if proc.pid == first["pid"])
    time.sleep(0.5)
    killed_at = time.time()
    workers.kill(victim)

    wait_for(
        lambda: Job.objects.get(pk=job.pk).status == JobStatus.SUCCESS,
        30,
        "the job to complete on the other worker",
    )
    job.refresh_from_db()
    runs = read_runs(workers.directory)
    starts = [run for run in runs if run["event"] == "start"]
    ends = [run for run in runs if run["event"] == "end"]
    assert [run["attempt"] for run in starts] == [1, 2]
    assert len(ends) == 1
    survivor = workers.processes["w2" if victim == "w1" else "w1"]
    assert starts[1]["pid"] == ends[0]["pid"] == survivor.pid
    # The first run ended when its worker died; the second began after that, once the lease
    # (2 s, renewed while the worker lived) had expired.
    assert starts[1]["t"] > killed_at + 1
    assert job.attempts == 2
    assert job.worker == ""
    assert job.last_error == ""
