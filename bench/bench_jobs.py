"""Jobs completed per second for a no-op job type, with 1, 2 and 4 worker processes.

    .venv/bin/python bench/bench_jobs.py [--jobs 300] [--workers 1,2,4] [--database postgres]

Each run starts N `celery worker --pool solo` processes, requests --jobs jobs of the tests'
`test_noop` type (distinct resources, so nothing merges) and times from the first request to
the last SUCCESS: row written, task sent, claimed, run, finished. The broker is RabbitMQ at
TRICIRCLE_TEST_BROKER_URL (default amqp://guest:guest@127.0.0.1:5672//) when it answers, else
the embedded SQLite-file broker. The database: with `--database sqlite` (the default) a fresh
SQLite file in a temporary directory, or DATABASE_URL when set (use an empty database: the
bench creates jobs in it); with `--database postgres` a fresh database made for the run on the
PostgreSQL server of TRICIRCLE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/),
dropped at the end. Needs no lab."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run at most")
    parser.add_argument("--workers", default="1,2,4", help="worker processes of each run")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    server_url = os.environ.get(
        "TRICIRCLE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tricircle"
    ).rsplit("/", 1)[0]
    database = f"tricircle_bench_jobs_{uuid.uuid4().hex[:8]}"
    if args.database == "postgres":
        import psycopg  # only with --database postgres

        try:
            with psycopg.connect(
                f"{server_url}/postgres", autocommit=True, connect_timeout=5
            ) as pg:
                pg.execute(f'CREATE DATABASE "{database}"')
        except psycopg.Error as exc:
            print(f"PostgreSQL not reachable at {server_url} ({exc}): SQLite instead", flush=True)
            args.database = "sqlite"
    if args.database == "postgres":
        os.environ["DATABASE_URL"] = f"{server_url}/{database}"
        try:
            run(args, work)
        finally:
            from django.db import connections  # Django is set up in run(), if it got there

            with contextlib.suppress(Exception):  # Django may not have got as far as set up
                connections.close_all()
            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(f"{server_url}/postgres", autocommit=True) as pg,
            ):
                pg.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    else:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
        run(args, work)


def run(args: argparse.Namespace, work: Path) -> None:
    os.environ["TRICIRCLE_JOBS_TYPE_MODULES"] = "tests.jobs_support.job_types"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jobs import services
    from jobs.models import Job, JobStatus
    from tests.jobs_support.broker import (
        BROKER_URL,
        Workers,
        broker_unreachable_reason,
        celery_sending_to,
        delete_queue,
    )

    call_command("migrate", verbosity=0)
    reason = broker_unreachable_reason()
    broker_url = BROKER_URL if reason is None else f"sqla+sqlite:///{work / 'broker.sqlite3'}"
    database_kind = "SQLite" if connection.vendor == "sqlite" else "PostgreSQL"
    print(
        f"broker: {'RabbitMQ' if reason is None else 'embedded SQLite'} "
        f"({broker_url.split('@')[-1]})  database: {database_kind} "
        f"({os.environ['DATABASE_URL'].split('@')[-1]})",
        flush=True,
    )
    for count in (int(part) for part in args.workers.split(",")):
        run_dir = work / f"workers-{count}"
        run_dir.mkdir()
        workers = Workers(run_dir, broker_url=broker_url)
        # Named apart from other runs' on the same broker (a worker's pidbox queue is exclusive).
        run_tag = uuid.uuid4().hex[:6]
        names = [f"bench{n}-{run_tag}" for n in range(count)]
        try:
            for name in names:
                workers.start_worker(name)
            workers.wait_ready(*names)
            batch = uuid.uuid4().hex[:8]
            with celery_sending_to(broker_url, workers.queue):
                started = time.monotonic()
                for n in range(args.jobs):
                    services.request_job("test_noop", "bench", {"item_id": f"{batch}-{n}"})
                deadline = started + args.timeout
                done = 0
                while time.monotonic() < deadline:
                    done = Job.objects.filter(
                        status=JobStatus.SUCCESS, resource_key__contains=batch
                    ).count()
                    if done >= args.jobs:
                        break
                    time.sleep(0.05)
                elapsed = time.monotonic() - started
        finally:
            workers.stop_all()
            if reason is None:
                delete_queue(workers.queue)
        print(
            f"{count} worker(s): {done}/{args.jobs} jobs in {elapsed:.2f}s = "
            f"{done / elapsed:.1f} jobs/s",
            flush=True,
        )


if __name__ == "__main__":
    main()
