"""50 concurrent requests for the same (type, resource) end in a few merged runs, never two at
once, and every request is covered by a run that started after it.

The bound: a request merges into the NEW job when there is one; otherwise it makes the NEW job
that runs after the RUNNING one. So at most one job runs per handler duration while requests
keep arriving, plus the one that covers the last requests: runs <= 2 + window / duration."""

import itertools
import math
import threading
import time

import pytest
from django.db import connection

from jobs import registry, services
from jobs.models import Job, JobStatus
from tests.conftest import DEMO_PROJECT
from tests.jobs_support.broker import wait_for
from tests.jobs_support.job_types import read_runs

pytestmark = pytest.mark.broker

REQUESTS = 50
DURATION = 0.5


def test_concurrent_requests_merge_and_never_run_twice_at_once(broker_workers):
    workers = broker_workers
    (workers.directory / "sleep").write_text(str(DURATION))
    for name in ("w1", "w2"):
        workers.start_worker(name)
    workers.start_beat()
    workers.wait_ready("w1", "w2", "beat")
    resource = {"item_id": "busy"}
    barrier = threading.Barrier(REQUESTS)
    answers: list[tuple[float, str, float]] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            barrier.wait(timeout=30)
            began = time.time()
            job = services.request_job("test_record", DEMO_PROJECT, resource)
            answers.append((began, str(job.pk), time.time()))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(answers) == REQUESTS
    # From the first request made to the last one answered.
    window = max(done for _, _, done in answers) - min(began for began, _, _ in answers)

    key = registry.resource_key("test_record", resource)
    wait_for(
        lambda: not Job.objects.filter(resource_key=key).exclude(status=JobStatus.SUCCESS).exists(),
        30,
        "every merged job to finish",
    )
    jobs = list(Job.objects.filter(resource_key=key))
    assert sum(job.request_count for job in jobs) == REQUESTS
    runs = read_runs(workers.directory)
    starts = {run["job"]: run for run in runs if run["event"] == "start"}
    ends = {run["job"]: run for run in runs if run["event"] == "end"}
    # Each job ran exactly once, and the runs did not overlap.
    assert len([run for run in runs if run["event"] == "start"]) == len(jobs)
    assert set(starts) == set(ends) == {str(job.pk) for job in jobs}
    intervals = sorted((starts[job_id]["t"], ends[job_id]["t"]) for job_id in starts)
    for (_, end), (next_start, _) in itertools.pairwise(intervals):
        assert next_start >= end
    # No request was lost: the run of the job it merged into started after it was made.
    for began, job_id, _ in answers:
        assert starts[job_id]["t"] >= began
    assert len(jobs) <= 2 + math.ceil(window / DURATION)
    print(f"{REQUESTS} requests over {window:.2f}s -> {len(jobs)} run(s)")
