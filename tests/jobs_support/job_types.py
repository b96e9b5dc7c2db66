"""Job types for the tests and the benchmark, never for production: registered in the test
process by tests/conftest.py and in worker processes through TRICIRCLE_JOBS_TYPE_MODULES.

`test_record` leaves a trace a test can check across processes: in the directory named by
TRICIRCLE_TEST_JOBS_DIR it appends one JSON line when a run starts and one when it ends (with
time, pid and attempt) to runs.jsonl, sleeps the seconds written in the file `sleep` (if any), and
fails while the file `fail` exists (as a pod that does not answer when the file says
`unanswered`)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from jobs.models import Job
from jobs.registry import job_type
from routing.services import routed_resources_belong
from tricircle_site.exceptions import ServiceUnavailable

RUNS_FILE = "runs.jsonl"


@job_type("test_noop", resource_fields=("item_id",), belongs_to=routed_resources_belong)
def noop(job: Job) -> None:
    """Does nothing: the benchmark's job."""


@job_type(
    "test_network", resource_fields=("network_id", "pod_id"), belongs_to=routed_resources_belong
)
def network_noop(job: Job) -> None:
    """Does nothing; its network_id is checked against the routing table (the ownership check
    networking's types use)."""


@job_type(
    "test_owned",
    resource_fields=("thing_id",),
    belongs_to=lambda project_id, resource: resource["thing_id"].startswith(project_id),
)
def owned_noop(job: Job) -> None:
    """Does nothing; a thing belongs to the projects its id starts with."""


def _trace_dir() -> Path | None:
    value = os.environ.get("TRICIRCLE_TEST_JOBS_DIR")
    return Path(value) if value else None


def _trace(directory: Path, job: Job, event: str, **extra: object) -> None:
    line = json.dumps(
        {
            "job": str(job.pk),
            "event": event,
            "t": time.time(),
            "pid": os.getpid(),
            "attempt": job.attempts,
            **extra,
        }
    )
    # One write of a short line with O_APPEND: lines from several processes do not interleave.
    with open(directory / RUNS_FILE, "a") as runs:
        runs.write(line + "\n")


@job_type("test_record", resource_fields=("item_id",), belongs_to=routed_resources_belong)
def record(job: Job) -> None:
    """Records its run, sleeps as told and fails while told to (see the module docstring)."""
    directory = _trace_dir()
    if directory is None:
        return
    _trace(directory, job, "start")
    sleep_file = directory / "sleep"
    if sleep_file.exists():
        time.sleep(float(sleep_file.read_text()))
    fail_file = directory / "fail"
    if fail_file.exists():
        _trace(directory, job, "end", ok=False)
        if fail_file.read_text() == "unanswered":
            raise ServiceUnavailable("Pod1 is not answering.")
        raise RuntimeError("told to fail by the flag file")
    _trace(directory, job, "end", ok=True)


def read_runs(directory: Path) -> list[dict]:
    path = directory / RUNS_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
