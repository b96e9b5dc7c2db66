"""Jobs completed per second for a no-op job type, with 1, 2 and 4 worker processes.

    .venv/bin/python bench/bench_jobs.py [--jobs 300] [--workers 1,2,4] [--repeat 1]
        [--pool threads] [--concurrency 8] [--prefetch-multiplier 1] [--sqlite] [--preload]

Each run starts N `celery -A tricircle_site worker` processes (by default as the project starts
them: the settings' pool, concurrency and prefetch, see WORKER_ARGS; --pool, --concurrency and
--prefetch-multiplier try others), requests
--jobs jobs of the tests' `test_noop` type (distinct resources, so nothing merges) and times
from the first request to the last SUCCESS: row written, task sent, claimed, run, finished.

- Database: a PostgreSQL database of its own, created for the run and dropped after it, on the
  server at TRICIRCLE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/tricircle;
  the database name is replaced) when it answers; else (or with --sqlite) a fresh SQLite file in
  a temporary directory, and the first line says so. DATABASE_URL, when set, is used as it is
  (an empty database: the bench creates jobs in it).
- Broker: RabbitMQ at TRICIRCLE_TEST_BROKER_URL (default amqp://guest:guest@127.0.0.1:5672//)
  when it answers, on a queue of each run's own (deleted after it); else the embedded
  SQLite-file broker, and the first line says so.
- Queries: the workers count every SQL statement their processes send
  (tests/jobs_support/query_count.py); the bench counts those of its own requests.

Per run it prints (bench/run_all.py parses the part up to "jobs/s" and the queries):

    N worker(s): done/total jobs in Xs = Y jobs/s; requests Rs; workers busy Bs = W jobs/s;
        Q queries/job in workers, P per request

"requests" is how long the requests took (this process sends them one after the other while the
workers run); "workers busy" is from the first claim to the last finish (the rows' started_at and
finished_at), the workers' own rate while they had work. --preload requests every job before
the workers start, so the workers' rate is not bounded by the requests' rate."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.procstat import cpu_seconds, group_processes, named_processes  # noqa: E402

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tricircle"
# How the project starts a worker (deploy/tricircle-worker@.service; pool, concurrency and
# prefetch from the settings: CELERY_WORKER_*), less what each run sets (queue, hostname, log
# level, and the --pool solo of tests.jobs_support.broker.Workers, undone here).
WORKER_ARGS = ("--without-gossip", "--without-mingle")


def postgres_database(server_url: str) -> tuple[str, Callable[[], None]] | None:
    """A new, empty database on the server of `server_url`: its URL and how to drop it. None
    when the server does not answer."""
    import psycopg  # only the benchmark needs it here; the settings read DATABASE_URL

    base = server_url.rsplit("/", 1)[0]
    name = f"tricircle_bench_jobs_{os.getpid()}"
    try:
        with psycopg.connect(f"{base}/postgres", connect_timeout=3, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable at {base} ({exc}); falling back to SQLite")
        return None

    def drop() -> None:
        from django.db import connections  # Django is set up by then

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", connect_timeout=3, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    """Counts the statements this process sends on the default connection."""
    from django.db import connection  # Django is set up by then

    counted = [0]

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        counted[0] += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        yield counted


def request_all(services: Any, batch: str, jobs: int) -> tuple[float, int]:
    """Requests the jobs one after the other: when it ended, and the statements it sent."""
    with counting_queries() as counted:
        for n in range(jobs):
            services.request_job("test_noop", "bench", {"item_id": f"{batch}-{n}"})
    return time.monotonic(), counted[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4", help="worker processes per run, e.g. 1,2,4")
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count")
    parser.add_argument("--pool", help="worker pool (solo, prefork, threads)")
    parser.add_argument("--concurrency", type=int, help="slots per worker process")
    parser.add_argument("--prefetch-multiplier", type=int)
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL answers")
    parser.add_argument("--preload", action="store_true", help="request before workers start")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run at most")
    args = parser.parse_args()
    counts = [int(count) for count in args.workers.split(",") if count.strip()]

    work = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    drop_database: Callable[[], None] | None = None
    if "DATABASE_URL" not in os.environ:
        created = None
        if not args.sqlite:
            server = os.environ.get("TRICIRCLE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
            created = postgres_database(server)
        if created is not None:
            os.environ["DATABASE_URL"], drop_database = created
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["TRICIRCLE_JOBS_TYPE_MODULES"] = "tests.jobs_support.job_types"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")
    import django

    django.setup()
    try:
        run_all(args, counts, work)
    finally:
        if drop_database is not None:
            drop_database()
        shutil.rmtree(work, ignore_errors=True)


def run_all(args: argparse.Namespace, counts: list[int], work: Path) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Max, Min

    from jobs import services
    from jobs.models import Job, JobStatus
    from tests.jobs_support.broker import (
        BROKER_URL,
        Workers,
        broker_unreachable_reason,
        celery_sending_to,
        delete_queue,
    )
    from tests.jobs_support.query_count import read_total

    call_command("migrate", verbosity=0)
    reason = broker_unreachable_reason()
    if reason is not None:
        print(f"{reason}; falling back to the embedded SQLite-file broker")
    broker_url = BROKER_URL if reason is None else f"sqla+sqlite:///{work / 'broker.sqlite3'}"
    database = os.environ["DATABASE_URL"].split("@")[-1]
    worker_args = list(WORKER_ARGS)
    for option, value in (
        ("--pool", args.pool or settings.CELERY_WORKER_POOL),
        ("--concurrency", args.concurrency or settings.CELERY_WORKER_CONCURRENCY),
        (
            "--prefetch-multiplier",
            args.prefetch_multiplier or settings.CELERY_WORKER_PREFETCH_MULTIPLIER,
        ),
    ):
        worker_args += [option, str(value)]
    print(f"broker: {broker_url.split('@')[-1]}  database: {database}")
    print(f"worker: celery -A tricircle_site worker {' '.join(worker_args)}; {args.jobs} jobs")
    runs = [count for count in counts for _ in range(args.repeat)]
    for number, count in enumerate(runs):
        run_dir = work / f"run-{number}-workers-{count}"
        run_dir.mkdir()
        workers = Workers(
            run_dir,
            broker_url=broker_url,
            TRICIRCLE_JOBS_TYPE_MODULES="tests.jobs_support.job_types,tests.jobs_support.query_count",
            TRICIRCLE_BENCH_QUERIES_DIR=str(run_dir),
        )
        names = [f"bench{n}" for n in range(count)]
        batch = uuid.uuid4().hex[:8]
        jobs = Job.objects.filter(resource_key__contains=batch)
        succeeded = jobs.filter(status=JobStatus.SUCCESS)  # never evaluated: counted anew
        try:
            with celery_sending_to(broker_url, workers.queue):
                if args.preload:
                    requested_at, request_queries = request_all(services, batch, args.jobs)
                for name in names:
                    workers.start_worker(name, *worker_args)
                workers.wait_ready(*names)
                started = time.monotonic()
                cpu_before, done_before = cpu_by_part(workers), succeeded.count()
                if not args.preload:
                    requested_at, request_queries = request_all(services, batch, args.jobs)
                deadline = started + args.timeout
                done = 0
                while time.monotonic() < deadline:
                    done = succeeded.count()
                    if done >= args.jobs:
                        break
                    time.sleep(0.02)
                elapsed = time.monotonic() - started
                cpu_after = cpu_by_part(workers)
        finally:
            workers.stop_all()
            if reason is None:
                delete_queue(workers.queue)
        span = jobs.aggregate(first=Min("started_at"), last=Max("finished_at"))
        busy = (span["last"] - span["first"]).total_seconds() if span["last"] else 0.0
        worker_queries = read_total(str(run_dir))
        requests = 0.0 if args.preload else requested_at - started
        print(
            f"{count} worker(s): {done}/{args.jobs} jobs in {elapsed:.2f}s = "
            f"{done / elapsed:.1f} jobs/s; requests {requests:.2f}s; workers busy {busy:.2f}s = "
            f"{done / busy if busy else 0:.1f} jobs/s; "
            f"{worker_queries / max(done, 1):.2f} queries/job in workers, "
            f"{request_queries / args.jobs:.2f} per request",
            flush=True,
        )
        print(cpu_line(count, cpu_before, cpu_after, done - done_before), flush=True)


def cpu_by_part(workers: Any) -> dict[str, float]:
    """CPU seconds used so far by the workers' processes, PostgreSQL's, RabbitMQ's and this
    one's (its polls of the jobs' rows)."""
    worker_processes = [
        process for worker in workers.processes.values() for process in group_processes(worker.pid)
    ]
    return {
        "workers": cpu_seconds(worker_processes),
        "PostgreSQL": cpu_seconds(named_processes("postgres")),
        "RabbitMQ": cpu_seconds(named_processes("beam.smp")),
        "this process": time.process_time(),
    }


def cpu_line(count: int, before: dict[str, float], after: dict[str, float], jobs: int) -> str:
    """The CPU each part spent per job while the workers had work, and the rate the machine's
    cores allow at that cost (every part busy on them, nothing else)."""
    per_job = {part: (after[part] - before[part]) * 1000 / max(jobs, 1) for part in before}
    total = sum(per_job.values())
    cores = os.cpu_count() or 1
    parts = ", ".join(f"{part} {ms:.2f}" for part, ms in per_job.items())
    bound = cores * 1000 / total if total else 0.0
    return (
        f"{count} worker(s): CPU ms per job over {jobs} jobs: {parts}; total {total:.2f}; "
        f"{cores} cores allow at most {bound:.0f} jobs/s"
    )


if __name__ == "__main__":
    main()
