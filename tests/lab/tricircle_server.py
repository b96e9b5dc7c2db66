"""Tricircle itself as the lab tests use it: a real gunicorn and Celery worker on 127.0.0.1:19999
(the address the lab's catalog gives the top region), with a database of their own under
tricircle/ in the lab's data folder, fresh for each test session.

One Tricircle per lab at a time, recorded in a share file beside the lab's folder: the workers
of one pytest-xdist run (same PYTEST_XDIST_TESTRUNUID) use the one the first of them started,
and the last to finish stops it; other sessions (another run, a benchmark) wait their turn. A
share whose sessions all died is taken over (its processes stopped).

The steps of one `.ci/test` run share one Tricircle too: they name the same run
(TRICIRCLE_LAB_RUN), and a step run with TRICIRCLE_LAB_KEEP=1 leaves it running for the next
step to join, which saves starting and preparing another (other sessions wait for that step,
at most KEEP_SECONDS). `python -m tests.lab.tricircle_server
release` stops one that no session holds (the last step ran no test)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEMO_PORT = 19999  # where `bash .ci/start` runs Tricircle
KEEP_SECONDS = 600  # how long a kept Tricircle waits for its run's next step


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except (OSError, IndexError):
        return False


class TricircleServer:
    def __init__(self, lab: dict):
        self.lab = lab
        self.home = Path(lab["lab_dir"]) / "tricircle"
        self.logs = self.home / "logs"
        self.processes: list[subprocess.Popen] = []
        self.process_groups: list[int] = []
        self.restore_demo = False
        self.run = (
            os.environ.get("TRICIRCLE_LAB_RUN")
            or os.environ.get("PYTEST_XDIST_TESTRUNUID")
            or uuid.uuid4().hex
        )
        self.keep = os.environ.get("TRICIRCLE_LAB_KEEP") == "1"
        # One per lab (a second lab has its own folder and its own Tricircle port).
        lab_dir = Path(lab["lab_dir"])
        self.share_file = lab_dir.parent / f".{lab_dir.name}-tricircle.json"
        self.url = lab["tricircle_url"]
        self.port = urlsplit(self.url).port or 80
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

    @contextmanager
    def share(self) -> Iterator[dict | None]:
        """The share file's content under its lock; what the block leaves in `self.shared`
        is written back (None removes the file)."""
        with open(self.share_file.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                shared = json.loads(self.share_file.read_text())
            except (OSError, ValueError):
                shared = None
            if shared is not None:
                shared["holders"] = [pid for pid in shared["holders"] if _alive(pid)]
            self.shared = shared
            yield shared
            if self.shared is None:
                self.share_file.unlink(missing_ok=True)
            else:
                self.share_file.write_text(json.dumps(self.shared))

    def start(self) -> None:
        """Starts and prepares Tricircle, or joins the one another worker of this test run
        started (once it is prepared: both happen under the share's lock)."""
        deadline = time.monotonic() + 1800
        while True:
            with self.share() as shared:
                # Kept for its run's next step: that step joins it, other sessions wait (a
                # while: a next step that never comes leaves it to be taken over).
                kept = (
                    shared is not None
                    and shared.get("kept")
                    and (shared["run"] == self.run or time.time() < shared["kept_until"])
                )
                if shared is not None and not shared["holders"] and not kept:
                    self.process_groups = shared["process_groups"]  # its sessions died
                    self.kill()
                    shared = self.shared = None
                if shared is None:
                    try:
                        self.launch()
                        self.prepare()
                    except BaseException:
                        self.kill()
                        raise
                    self.shared = {
                        "run": self.run,
                        "holders": [os.getpid()],
                        "process_groups": self.process_groups,
                        "restore_demo": self.restore_demo,
                    }
                    return
                if shared["run"] == self.run:
                    shared["holders"].append(os.getpid())
                    shared["kept"] = False
                    self.process_groups = shared["process_groups"]
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("Another test session holds the lab's Tricircle.")
            time.sleep(2)

    def launch(self) -> None:
        if self.port == DEMO_PORT and _port_open(self.port) and self.demo_running():
            # `bash .ci/start`'s Tricircle of this checkout: stopped now, started again when
            # the tests end (stop()).
            self.restore_demo = True
            subprocess.run(
                ["bash", ".ci/start", "--stop-tricircle"], cwd=REPO, check=True, timeout=120
            )
        deadline = time.monotonic() + 120
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(2)
        if _port_open(self.port):
            raise RuntimeError(
                f"Port {self.port} is taken: the lab tests start their own Tricircle there. "
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
                f"127.0.0.1:{self.port}",
            ],
        )
        if (REPO / "jobs" / "tasks.py").exists():
            self.spawn_worker()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"Tricircle did not start; see {self.logs / 'gunicorn.log'}")

    def spawn_worker(self) -> int:
        """Starts a Celery worker with beat (the settings' pool and concurrency, 8 threads:
        server cleanup jobs wait for their pods' deletes, and router and port jobs of the next
        tests need not wait behind them); returns its process group. bench/chaos.py starts
        one again this way after killing one."""
        self.spawn(
            "celery",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "tricircle_site",
                "worker",
                "--beat",
                "--schedule",
                str(self.home / "celerybeat-schedule"),
                "--loglevel",
                "INFO",
            ],
        )
        return self.process_groups[-1]

    @property
    def onboarded(self) -> str:
        """What `manage.py onboard_pod` printed for the lab's pods."""
        return (self.logs / "onboard_pod.log").read_text()

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
        from tests.lab.http_client import user_session

        for pod in self.lab["pods"]:
            bus = ["--transport-url", pod["transport_url"]] if pod.get("transport_url") else []
            result = self.manage(
                "onboard_pod", pod["region_name"], "--az", pod["az_name"], *bus, check=False
            )
            if result.returncode != 0:
                raise RuntimeError(f"onboard_pod {pod['region_name']} failed:\n{result.stderr}")
            with (self.logs / "onboard_pod.log").open("a") as log:
                log.write(result.stdout)
        self.repair_orphans()
        admin = user_session(self.lab, "admin")
        # Test runs make many networks and security groups (and their copies in the pods):
        # Neutron's default quotas (10 security groups) would end them, not a Tricircle bug.
        unlimited = {
            "quota": dict.fromkeys(
                ("security_group", "security_group_rule", "network", "subnet", "port", "router"),
                -1,
            )
        }
        projects = [
            admin.get(
                "/projects", endpoint_filter={"service_type": "identity"}, params={"name": name}
            ).json()["projects"][0]["id"]
            for name in ("demo", "alt_demo", "admin")
        ]
        regions = [self.lab["top_region"], *(pod["region_name"] for pod in self.lab["pods"])]
        with ThreadPoolExecutor(max_workers=len(regions) * len(projects)) as pool:
            calls = [
                pool.submit(
                    admin.put,
                    f"/v2.0/quotas/{project}",
                    json=unlimited,
                    endpoint_filter={"service_type": "network", "region_name": region},
                )
                for region in regions
                for project in projects
            ]
            for call in calls:
                call.result()
        for flavor in self.lab["flavors"]:
            admin.post(
                "/flavors",
                json={
                    "flavor": {key: flavor[key] for key in ("id", "name", "ram", "vcpus", "disk")}
                },
                endpoint_filter={"service_type": "compute", "region_name": self.lab["top_region"]},
            )

    def spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one, by any worker
        )
        self.processes.append(process)
        self.process_groups.append(process.pid)

    def repair_orphans(self) -> None:
        """Each session's Tricircle starts with an empty database, so cleanup jobs pending when
        an earlier session ended are lost with it, and their bottom copies stay in the pods
        with their segments, which the central Neutron hands out again ("VLAN 2894 on physnet1
        is in use"). The drift audit finds them (bottom copies named after top ids that no
        longer exist) and repairs them through the cleanup jobs, which then settle."""
        result = self.manage("audit", "--repair", "--classes", "orphan", check=False)
        with (self.logs / "leftovers.log").open("w") as log:
            log.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py audit --repair failed:\n{result.stderr}")
        left = self.settle_jobs()
        with (self.logs / "leftovers.log").open("a") as log:
            log.write(f"jobs not settled after the repair: {left}\n")

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
        """Leaves the Tricircle; the last of its run to leave stops it (after its jobs settle)
        and starts `.ci/start`'s Tricircle again if it had stopped it."""
        with self.share() as shared:
            if shared is not None:
                shared["holders"] = [pid for pid in shared["holders"] if pid != os.getpid()]
                if shared["holders"]:
                    return
                if self.keep:
                    # For the run's next step; other sessions wait for it, but not forever.
                    shared["kept"] = True
                    shared["kept_until"] = time.time() + KEEP_SECONDS
                    return
                self.process_groups = shared["process_groups"]
                self.restore_demo = shared["restore_demo"]
                self.shared = None
            if any(_alive(group) for group in self.process_groups):
                left = self.settle_jobs()
                with (self.logs / "leftovers.log").open("a") as log:
                    log.write(f"jobs not settled when the session ended: {left}\n")
            self.kill()
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

    def kill(self) -> None:
        """Stops the process groups (SIGTERM, then SIGKILL after 30 s)."""
        for group in self.process_groups:
            with suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while any(_alive(group) for group in self.process_groups):
            if time.monotonic() > deadline:
                for group in self.process_groups:
                    with suppress(ProcessLookupError):
                        os.killpg(group, signal.SIGKILL)
                break
            for process in self.processes:
                process.poll()  # reaps our own children
            time.sleep(0.2)
        for process in self.processes:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        self.processes.clear()
        self.process_groups = []


if __name__ == "__main__":
    if sys.argv[1:] != ["release"]:
        sys.exit("usage: python -m tests.lab.tricircle_server release")
    from tests.lab.lab import lab_paths

    os.environ.pop("TRICIRCLE_LAB_KEEP", None)
    TricircleServer(json.loads((lab_paths().root / "lab.json").read_text())).stop()
