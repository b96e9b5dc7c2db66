"""Jobs completed per second for a no-op job type, with one and with two worker processes.

    .venv/bin/python bench/bench_jobs.py [--jobs 300]

Each run starts N `celery worker --pool solo` processes, requests --jobs jobs of the tests'
`test_noop` type (distinct resources, so nothing merges) and times from the first request to
the last SUCCESS: row written, task sent, claimed, run, finished. The broker is RabbitMQ at
TRICIRCLE_TEST_BROKER_URL (default amqp://guest:guest@127.0.0.1:5672//) when it answers, else
the embedded SQLite-file broker; the database is a fresh SQLite file in a temporary directory,
or DATABASE_URL when set (use an empty database: the bench creates jobs in it)."""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    os.environ["TRICIRCLE_JOBS_TYPE_MODULES"] = "tests.jobs_support.job_types"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

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
    print(f"broker: {broker_url.split('@')[-1]}  database: {os.environ['DATABASE_URL']}")
    for count in (1, 2):
        run_dir = work / f"workers-{count}"
        run_dir.mkdir()
        workers = Workers(run_dir, broker_url=broker_url)
        names = [f"bench{n}" for n in range(count)]
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
            f"{done / elapsed:.1f} jobs/s"
        )


if __name__ == "__main__":
    main()
