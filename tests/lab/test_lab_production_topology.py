"""The production topology, run from the unit files under deploy/: PostgreSQL and RabbitMQ (the
ones on this machine), two API instances on two ports sharing them, two Celery workers and one
beat. A server booted through one instance is listed and deleted through the other; a worker
SIGKILLed while it runs a router_setup job leaves it to the other worker; the beat stopped and
started again resumes the sweep; both instances' /metrics are scraped.

It uses the lab's project `top_only` (no other lab test makes routers there): this Tricircle
has a database of its own, and two Tricircles must not share a project's bridge network."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.jobs_support.broker import BROKER_URL, broker_unreachable_reason, delete_queue
from tests.lab.http_client import Client
from tests.lab.waiting import eventually

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
POSTGRES_URL = os.environ.get(
    "TRICIRCLE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tricircle"
)
API_PORTS = (19997, 19998)
NOVA, NET = "/compute/v2.1", "/networking/v2.0"


def unit_command(unit: str, env: dict[str, str], instance: str = "") -> list[str]:
    """The unit's ExecStart as systemd would run it from this checkout: %i the instance, %h the
    host name, ${NAME} from the environment file; /opt/tricircle is here."""
    text = (DEPLOY / unit).read_text()
    (line,) = [row for row in text.splitlines() if row.startswith("ExecStart=")]
    command = line.removeprefix("ExecStart=").replace("/opt/tricircle", str(REPO))
    command = (
        command.replace("%%", "\0").replace("%i", instance).replace("%h", socket.gethostname())
    )
    command = re.sub(r"\$\{(\w+)\}", lambda match: env[match.group(1)], command)
    return [word.replace("\0", "%") for word in shlex.split(command)]


def reachable() -> str | None:
    try:
        psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}"
    return broker_unreachable_reason(BROKER_URL)


class Topology:
    def __init__(self, lab: dict[str, Any], home: Path) -> None:
        self.home = home
        self.database = f"tricircle_topology_{uuid.uuid4().hex[:8]}"
        self.queue = f"tricircle-topology-{uuid.uuid4().hex[:8]}"
        self.database_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{self.database}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OS_", "DJANGO"))},
            "TRICIRCLE_ENV_FILE": str(Path(lab["lab_dir"]) / "tricircle.env"),
            "DATABASE_URL": self.database_url,
            "TRICIRCLE_BROKER_URL": BROKER_URL,
            "TRICIRCLE_TASK_QUEUE": self.queue,
            "TRICIRCLE_VAR_DIR": str(home),
            "TRICIRCLE_JOBS_LEASE_SECONDS": "6",
            "TRICIRCLE_JOBS_SWEEP_INTERVAL": "2",
            "TRICIRCLE_JOBS_RESEND_AFTER_SECONDS": "2",
            "TRICIRCLE_JOBS_BACKOFF_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def admin_db(self) -> psycopg.Connection:
        return psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True)

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout

    def start(self, name: str, command: list[str]) -> None:
        with open(self.home / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        return (self.home / f"{name}.log").read_text(errors="replace")

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def up(self) -> None:
        with self.admin_db() as db:
            db.execute(f'CREATE DATABASE "{self.database}"')
        self.manage("migrate", "--noinput")
        for port in API_PORTS:
            self.start(f"api-{port}", unit_command("tricircle-api@.service", self.env, str(port)))
        for worker in ("1", "2"):
            self.start(
                f"worker{worker}", unit_command("tricircle-worker@.service", self.env, worker)
            )
        self.start("beat", unit_command("tricircle-beat.service", self.env))

    def down(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        with self.admin_db() as db:
            db.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        delete_queue(self.queue)

    def job(self, job_type: str, resource_id: str) -> tuple[str, str, str] | None:
        """(id, status, worker) of the newest job of the type about the resource."""
        with psycopg.connect(self.database_url) as db:
            return db.execute(
                "SELECT id::text, status, worker FROM jobs_job WHERE type = %s "
                "AND resource::text LIKE %s ORDER BY created_at DESC LIMIT 1",
                (job_type, f"%{resource_id}%"),
            ).fetchone()


@pytest.fixture
def topology(lab: dict[str, Any], tmp_path: Path) -> Iterator[Topology]:
    reason = reachable()
    if reason:
        pytest.skip(reason)
    topology = Topology(lab, tmp_path)
    try:
        topology.up()
        for port in API_PORTS:
            assert eventually(lambda port=port: port_open(port), timeout=60), topology.log(
                f"api-{port}"
            )
        for pod in lab["pods"]:
            topology.manage("onboard_pod", pod["region_name"], "--az", pod["az_name"])
        yield topology
    finally:
        topology.down()


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_two_api_instances_two_workers_and_a_beat(lab: dict[str, Any], topology: Topology) -> None:
    first, second = (f"http://127.0.0.1:{port}" for port in API_PORTS)
    user_a, user_b = Client(lab, "top_only", first), Client(lab, "top_only", second)
    admin_a, admin_b = Client(lab, "admin", first), Client(lab, "admin", second)
    for flavor in lab["flavors"]:
        fields = {key: flavor[key] for key in ("id", "name", "ram", "vcpus", "disk")}
        admin_a.ok("POST", f"{NOVA}/flavors", {"flavor": fields})

    name = f"labtest-topology-{uuid.uuid4().hex[:8]}"
    network = user_a.ok("POST", f"{NET}/networks", {"network": {"name": name}})["network"]
    subnet = user_a.ok(
        "POST",
        f"{NET}/subnets",
        {"subnet": {"network_id": network["id"], "cidr": "10.231.0.0/24", "ip_version": 4}},
    )["subnet"]
    router = user_a.ok("POST", f"{NET}/routers", {"router": {"name": name}})["router"]
    server_id = ""
    try:
        boot = {
            "server": {
                "name": name,
                "flavorRef": lab["flavors"][0]["id"],
                "imageRef": lab["image_id"],
                "networks": [{"uuid": network["id"]}],
                "availability_zone": lab["pods"][0]["az_name"],
            }
        }
        server_id = user_a.ok("POST", f"{NOVA}/servers", boot)["server"]["id"]
        assert eventually(
            lambda: user_b.ok("GET", f"{NOVA}/servers/{server_id}")["server"]["status"] == "ACTIVE",
            timeout=180,
        )
        listed = user_b.ok("GET", f"{NOVA}/servers/detail")["servers"]
        assert server_id in {server["id"] for server in listed}

        # A worker dies while it runs the router's job: the other one finishes it.
        user_a.ok(
            "PUT", f"{NET}/routers/{router['id']}/add_router_interface", {"subnet_id": subnet["id"]}
        )
        killed = ""
        deadline = time.monotonic() + 60
        while not killed and time.monotonic() < deadline:
            job = topology.job("router_setup", router["id"])
            if job and job[1] == "RUNNING" and job[2]:
                pid = int(job[2].rsplit(":", 1)[1])
                for worker in ("worker1", "worker2"):
                    if os.getpgid(pid) == topology.processes[worker].pid:
                        topology.stop(worker, signal.SIGKILL)
                        killed = worker
                        break  # the job's process is gone (a threads pool runs it in the worker)
            elif job and job[1] == "SUCCESS":
                break
            time.sleep(0.05)
        assert killed, f"no router_setup job was seen running: {job}"
        survivor = "worker2" if killed == "worker1" else "worker1"
        assert eventually(
            lambda: topology.job("router_setup", router["id"])[1] == "SUCCESS", timeout=120
        ), topology.log(survivor)[-3000:]
        job_id = topology.job("router_setup", router["id"])[0]
        jobs = admin_b.ok("GET", "/v1.0/jobs?limit=1000")["jobs"]
        assert {job["id"]: job["status"] for job in jobs}[job_id] == "SUCCESS"

        # The beat stopped and started again: the sweep is sent again.
        topology.stop("beat")
        restarted = len(topology.log("beat"))
        topology.start("beat", unit_command("tricircle-beat.service", topology.env))
        assert eventually(
            lambda: "Sending due task jobs-sweep" in topology.log("beat")[restarted:], timeout=30
        ), topology.log("beat")[-2000:]

        for admin in (admin_a, admin_b):
            metrics = admin.request("GET", "/metrics")
            assert metrics.status_code == 200
            samples = {
                (sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(metrics.text)
                for sample in family.samples
            }
            boots = ("pod", "Pod1"), ("service", "compute"), ("status_class", "2xx")
            assert samples[("tricircle_pod_request_seconds_count", boots)] >= 1
            done = ("status", "SUCCESS"), ("type", "router_setup")
            assert samples[("tricircle_jobs", done)] >= 1
    finally:
        if server_id:
            user_b.request("DELETE", f"{NOVA}/servers/{server_id}")
            eventually(
                lambda: user_b.request("GET", f"{NOVA}/servers/{server_id}").status_code == 404,
                timeout=120,
            )
        user_b.request(
            "PUT",
            f"{NET}/routers/{router['id']}/remove_router_interface",
            {"subnet_id": subnet["id"]},
        )
        user_b.request("DELETE", f"{NET}/routers/{router['id']}")
        eventually(
            lambda: (
                user_b.request("DELETE", f"{NET}/networks/{network['id']}").status_code
                in {204, 404}
            ),
            timeout=60,
        )
