"""Tricircle itself as the lab tests use it: a real gunicorn and Celery worker on 127.0.0.1:19999
(the address the lab's catalog gives the top region), with a database of their own under
tricircle/ in the lab's data folder, fresh for each test session."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PORT = 19999


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class TricircleServer:
    def __init__(self, lab: dict):
        self.lab = lab
        self.home = Path(lab["lab_dir"]) / "tricircle"
        self.logs = self.home / "logs"
        self.processes: list[subprocess.Popen] = []
        self.onboarded = ""
        self.restore_demo = False
        self.url = lab["tricircle_url"]
        self.env = {
            **os.environ,
            "TRICIRCLE_ENV_FILE": str(Path(lab["lab_dir"]) / "tricircle.env"),
            "TRICIRCLE_VAR_DIR": str(self.home),
            "TRICIRCLE_JOBS_SWEEP_INTERVAL": "5",
            "TRICIRCLE_JOBS_RESEND_AFTER_SECONDS": "5",
            "TRICIRCLE_JOBS_BACKOFF_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("DATABASE_URL", None)
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=check,
        )

    def start(self) -> None:
        # One Tricircle per lab at a time: test sessions side by side take turns.
        self.lock = open(Path(self.lab["lab_dir"]).parent / ".tricircle-server.lock", "w")  # noqa: SIM115
        deadline = time.monotonic() + 1800
        while True:
            try:
                fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError("Another test session holds the lab's Tricircle.") from None
                time.sleep(2)
        if _port_open(PORT) and self.demo_running():
            # `bash .ci/start`'s Tricircle of this checkout: stopped now, started again when
            # the tests end (stop()).
            self.restore_demo = True
            subprocess.run(
                ["bash", ".ci/start", "--stop-tricircle"], cwd=REPO, check=True, timeout=120
            )
        deadline = time.monotonic() + 120
        while _port_open(PORT) and time.monotonic() < deadline:
            time.sleep(2)
        if _port_open(PORT):
            raise RuntimeError(
                f"Port {PORT} is taken: the lab tests start their own Tricircle there. "
                "Stop the other one (`bash .ci/start --stop-tricircle` in its checkout)."
            )
        shutil.rmtree(self.home, ignore_errors=True)
        self.logs.mkdir(parents=True)
        self.manage("migrate", "--noinput")
        self.spawn(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "tricircle_site.wsgi:application",
                "--config",
                "python:tricircle_site.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{PORT}",
            ],
        )
        if (REPO / "jobs" / "tasks.py").exists():
            self.spawn(
                "celery",
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "tricircle_site",
                    "worker",
                    "--beat",
                    # Server cleanup jobs wait for their pods' deletes: with more slots, router
                    # and port jobs of the next tests need not wait behind them.
                    "--concurrency",
                    "4",
                    "--schedule",
                    str(self.home / "celerybeat-schedule"),
                    "--loglevel",
                    "INFO",
                ],
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"Tricircle did not start; see {self.logs / 'gunicorn.log'}")

    @staticmethod
    def demo_running() -> bool:
        """Whether `bash .ci/start` of this checkout runs a Tricircle (its gunicorn pid file
        names a live process)."""
        try:
            pid = int((REPO / "var" / "run" / "gunicorn.pid").read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return False
        return True

    def prepare(self) -> None:
        """What an operator does once: onboard the lab's pods with `manage.py onboard_pod` and
        make the lab's flavors at the top (flavors are Tricircle's own)."""
        from tests.lab.cli import OpenStackCLI
        from tests.lab.leftovers import remove_orphaned_copies

        removed = remove_orphaned_copies(self.lab)
        (self.logs / "leftovers.log").write_text(f"orphaned bottom copies removed: {removed}\n")
        for pod in self.lab["pods"]:
            result = self.manage(
                "onboard_pod", pod["region_name"], "--az", pod["az_name"], check=False
            )
            if result.returncode != 0:
                raise RuntimeError(f"onboard_pod {pod['region_name']} failed:\n{result.stderr}")
            self.onboarded += result.stdout
        cli = OpenStackCLI(self.lab)
        # Test runs make many networks and security groups (and their copies in the pods):
        # Neutron's default quotas (10 security groups) would end them, not a Tricircle bug.
        unlimited = [
            "--secgroups",
            "-1",
            "--secgroup-rules",
            "-1",
            "--networks",
            "-1",
            "--subnets",
            "-1",
            "--ports",
            "-1",
            "--routers",
            "-1",
        ]
        for region in [None, *(pod["region_name"] for pod in self.lab["pods"])]:
            for project in ("demo", "alt_demo", "admin"):
                cli("lab-admin", "quota", "set", *unlimited, project, region=region)
        for flavor in self.lab["flavors"]:
            cli(
                "lab-admin",
                "flavor",
                "create",
                flavor["name"],
                "--id",
                flavor["id"],
                "--ram",
                str(flavor["ram"]),
                "--vcpus",
                str(flavor["vcpus"]),
                "--disk",
                str(flavor["disk"]),
            )

    def spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.processes.append(
            subprocess.Popen(
                argv,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def settle_jobs(self, timeout: float = 120) -> int:
        """Waits until no job is waiting, running or due for a retry (the cleanup jobs of the
        session's last tests), at most `timeout` seconds; returns how many are left."""
        database = self.home / "tricircle.sqlite3"
        deadline = time.monotonic() + timeout
        while True:
            try:
                with closing(sqlite3.connect(database, timeout=10)) as db:
                    (left,) = db.execute(
                        "SELECT count(*) FROM jobs_job WHERE status IN ('NEW', 'RUNNING') "
                        "OR (status = 'FAIL' AND next_run_at IS NOT NULL)"
                    ).fetchone()
            except sqlite3.Error:
                return -1
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(1)

    def stop(self) -> None:
        if any(process.poll() is None for process in self.processes):
            left = self.settle_jobs()
            with (self.logs / "leftovers.log").open("a") as log:
                log.write(f"jobs not settled when the session ended: {left}\n")
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()
        if self.restore_demo:
            with (self.logs / "restart-demo.log").open("w") as log:
                subprocess.run(
                    ["bash", ".ci/start"],
                    cwd=REPO,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=900,
                    check=False,
                )
        if getattr(self, "lock", None):
            self.lock.close()  # releases the flock
