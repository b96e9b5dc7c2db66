"""Real broker and real worker processes for the broker tests (marker `broker`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from kombu import Connection

from tricircle_site.celery import app as celery_app

BROKER_URL = os.environ.get("TRICIRCLE_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
REPO = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


@contextmanager
def celery_sending_to(broker_url: str, queue: str) -> Iterator[None]:
    """Make this process's Celery app send to another broker and queue, then restore it."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_default_queue

    def reset() -> None:
        # The app caches its connection pool and its queue/routing objects.
        celery_app._pool = None
        celery_app.__dict__.pop("amqp", None)

    conf.broker_url, conf.task_default_queue = broker_url, queue
    reset()
    try:
        yield
    finally:
        conf.broker_url, conf.task_default_queue = saved
        reset()


def broker_unreachable_reason(url: str = BROKER_URL) -> str | None:
    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return f"RabbitMQ not reachable at {url} (TRICIRCLE_TEST_BROKER_URL): {exc}"
    return None


def delete_queue(queue: str, url: str = BROKER_URL) -> None:
    with Connection(url, connect_timeout=3) as conn:
        conn.default_channel.queue_delete(queue)


def database_url() -> str:
    """The URL of the database this test uses (the test database), for worker processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}")


class Workers:
    """Celery worker (solo pool: one process = one worker) and beat processes on a queue of
    their own, sharing the test's database; stopped when the test ends."""

    def __init__(self, directory: Path, broker_url: str = BROKER_URL, **env: str) -> None:
        self.directory = directory
        self.queue = f"tricircle-test-{uuid.uuid4().hex[:12]}"
        self.broker_url = broker_url
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tricircle_site.settings",
            "DATABASE_URL": database_url(),
            "TRICIRCLE_BROKER_URL": broker_url,
            "TRICIRCLE_TASK_QUEUE": self.queue,
            "TRICIRCLE_JOBS_TYPE_MODULES": "tests.jobs_support.job_types",
            "TRICIRCLE_TEST_JOBS_DIR": str(directory),
            "TRICIRCLE_LOG_LEVEL": "INFO",
            **env,
        }

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        with open(self.log(name), "w") as log:
            process = subprocess.Popen(
                [CELERY, "-A", "tricircle_site", *args],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one
            )
        self.processes[name] = process
        return process

    def start_worker(self, name: str, *extra: str) -> subprocess.Popen:
        return self._start(
            name,
            [
                "worker",
                "--pool",
                "solo",
                "--queues",
                self.queue,
                "--hostname",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
                *extra,
            ],
        )

    def start_beat(self) -> subprocess.Popen:
        return self._start(
            "beat",
            [
                "beat",
                "--schedule",
                str(self.directory / "beat-schedule"),
                "--max-interval",
                "1",
                "--loglevel",
                "INFO",
            ],
        )

    def wait_ready(self, *names: str, timeout: float = 30) -> None:
        for name in names:
            process = self.processes[name]

            def ready(name: str = name, process: subprocess.Popen = process) -> bool:
                if process.poll() is not None:
                    raise AssertionError(f"{name} exited: {self.log(name).read_text()[-3000:]}")
                text = self.log(name).read_text()
                return " ready." in text or "beat: Starting" in text

            wait_for(ready, timeout, f"{name} to start")

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
