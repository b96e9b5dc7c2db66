"""Chaos run against the lab: a mixed workload through Tricircle while pod services are stopped
and started and the Celery worker is killed; then the jobs settle, what the run made is deleted,
and the drift audit must find nothing.

    .venv/bin/python bench/chaos.py [--minutes 10] [--seed 1] [--clients 4] [--fault-every 45]
                                    [--settle 300]

Needs the lab, every service up (`python3.11 tests/lab/lab.py up`; checked with `lab.py
status`); starts its own Tricircle on 127.0.0.1:19999 (tests/lab/tricircle_server.py, waiting
for the port as the benchmarks do) with the scheduled audit off, so that no repair hides drift.
It stops lab services: nothing else may use the lab meanwhile.

- Workload: --clients threads (at most 8), each the lab's demo user calling the gateway URLs
  (/compute/v2.1, /volume/v3, /networking) with a think time of 0.2-1 s: boots and deletes in
  every zone (on the run's networks, with the client's security group), networks with a subnet
  made and deleted, interfaces added to and removed from one router of the run, volumes
  created, attached, detached and deleted, security-group rules added and deleted, and lists.
  Each client keeps at most 3 servers, 3 volumes and 3 networks.
- Faults: every --fault-every seconds one of: a pod's Nova API, its Neutron server (API and
  RPC), its Cinder API, or the whole pod (every process of it) stopped with `lab.py stop` for
  10-40 s, then `lab.py up`; once in the run the Celery worker (with beat) is killed with
  SIGKILL, left dead for 10-40 s and started again as the harness starts it. A fault is always
  undone, also on an error or Ctrl-C (a Ctrl-C during the workload ends it early and goes on
  with the clean-up; one after it abandons the run, still undoing the fault and stopping
  Tricircle).
- Every answer is classified: success (2xx); clean 4xx (a 4xx with the API's fault body);
  503 naming a pod (a fault body whose message names a pod's region or zone, or the central
  Neutron); other (anything else: a 5xx, a 503 naming nothing, a body that is not a fault,
  a timeout, a refused connection). Each "other" is printed with its method, path and a
  snippet of the answer.
- After the workload: the last fault undone, the jobs settle (--settle seconds at most: no
  job NEW, RUNNING, or FAIL with a retry due); everything the run made (named chaos-<tag>-...)
  is deleted through the gateway; the jobs settle again; `manage.py audit` audits every pod
  (no repair) and the findings are counted per class. Findings the audit already had before
  the workload (other sessions' leftovers) are counted apart.

Choices (operations, their targets, the faults, their durations, the worker's kill) come from
random generators seeded with --seed; the timing of the answers does not. The last lines are a
summary of `key: value` lines; the exit status is 1 when a figure that must be 0 is not:
answers other, jobs never settled, faults not undone, audit runs skipped, and the audit's
orphan, dangling_route and missing_copy findings new since the workload began."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import requests  # noqa: E402
from keystoneauth1 import exceptions as ks_exceptions  # noqa: E402

from tests.lab.http_client import user_session  # noqa: E402
from tests.lab.lab import lab_paths  # noqa: E402
from tests.lab.tricircle_server import TricircleServer  # noqa: E402

LAB_TOOL = REPO / "tests" / "lab" / "lab.py"
MAX_CLIENTS = 8
CALL_TIMEOUT = 90.0  # seconds; a call not answered by then is an "other"
THINK = (0.2, 1.0)  # seconds between two calls of a client
FAULT_SECONDS = (10.0, 40.0)  # how long a fault lasts
PER_CLIENT = {"servers": 3, "volumes": 3, "networks": 3}
CLEANUP_SECONDS = 600.0  # at most, for deleting what the run made
STUCK_SECONDS = 180.0  # a volume that cannot be deleted for that long is reset to error
PROGRESS_EVERY = 60.0
SHOWN_OTHERS = 200  # "other" answers printed in full, per phase
CLASSES = ("success", "clean 4xx", "503 naming a pod", "other")
MUST_BE_ZERO_CLASSES = ("orphan", "dangling_route", "missing_copy")
COMPUTE = "/compute/v2.1"
NETWORK = "/networking/v2.0"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- answers -------------------------------------------------------------------------------


def fault_message(text: str) -> str | None:
    """The message of an OpenStack fault body ({"itemNotFound": {"message": ...}} as Nova and
    Cinder answer, {"NeutronError": {"message": ...}} as Neutron does), else None."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or len(body) != 1:
        return None
    (inner,) = body.values()
    if isinstance(inner, dict) and isinstance(inner.get("message"), str):
        return str(inner["message"])
    return None


class Classifier:
    """The class of an answer; a 503 names a pod when its message names one of the lab's pod
    regions or zones (the lab has one pod per zone: "No pod is available in az2" is the answer
    when Tricircle's health check already marked that pod down) or the central Neutron."""

    def __init__(self, regions: list[str], zones: list[str]) -> None:
        names = "|".join(re.escape(name) for name in [*regions, *zones])
        self.pod_named = re.compile(rf"\b(?:{names})\b|central Neutron")

    def classify(self, status: int, text: str) -> str:
        if 200 <= status < 300:
            return "success"
        message = fault_message(text)
        if message is None:
            return "other"
        if 400 <= status < 500:
            return "clean 4xx"
        if status == 503 and self.pod_named.search(message):
            return "503 naming a pod"
        return "other"


class Tally:
    """Answers by class, the "other" ones in full, the 503s' messages; one per phase."""

    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.others: list[str] = []
        self.unavailable: Counter[str] = Counter()

    def add(self, method: str, path: str, status: int, text: str, error: str = "") -> str:
        kind = "other" if error else self.classifier.classify(status, text)
        with self.lock:
            self.counts[kind] += 1
            if kind == "other":
                what = error or f"HTTP {status} {' '.join(text.split())[:300]!r}"
                self.others.append(f"{method} {path}: {what}")
            elif kind == "503 naming a pod":
                self.unavailable[fault_message(text) or ""] += 1
        return kind

    @property
    def calls(self) -> int:
        return sum(self.counts.values())


class Gateway:
    """Plain HTTP to Tricircle as one lab user; every answer goes to a tally. One per thread."""

    def __init__(self, lab: dict[str, Any], user: str, tally: Tally) -> None:
        self.session = user_session(lab, user)
        self.project_id = self.session.get_project_id()
        self.base = lab["tricircle_url"]
        self.http = requests.Session()
        self.tally = tally

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """(status, JSON body or None); status 0 when there was no answer."""
        shown = path.removeprefix(self.base)
        try:
            token = self.session.get_token()
            response = self.http.request(
                method,
                path if path.startswith("http") else self.base + path,
                json=body,
                headers={"X-Auth-Token": token},
                timeout=CALL_TIMEOUT,
            )
        except (requests.RequestException, ks_exceptions.ClientException) as exc:
            self.tally.add(method, shown, 0, "", error=f"{type(exc).__name__}: {exc}")
            return 0, None
        self.tally.add(method, shown, response.status_code, response.text)
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None
        return response.status_code, data

    def listing(self, path: str, key: str) -> list[dict[str, Any]] | None:
        status, body = self.call("GET", path)
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get(key), list):
            return None
        return list(body[key])


# --- the workload --------------------------------------------------------------------------


@dataclass
class Shared:
    """What every client uses."""

    prefix: str
    router_id: str
    zones: list[str]
    image_id: str
    flavor_id: str
    deadline: float
    stop: threading.Event


@dataclass
class Made:
    """What one client made and believes is there (the clean-up lists by name instead)."""

    group_id: str
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> subnet, on_router
    servers: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> zone, network
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> zone, server
    rules: list[str] = field(default_factory=list)


class Client(threading.Thread):
    def __init__(
        self, index: int, lab: dict[str, Any], shared: Shared, tally: Tally, made: Made, seed: int
    ) -> None:
        super().__init__(name=f"client-{index}", daemon=True)
        self.index = index
        self.gateway = Gateway(lab, "demo", tally)
        self.volumes = f"/volume/v3/{self.gateway.project_id}/volumes"
        self.shared = shared
        self.made = made
        self.rng = random.Random(seed * 1000 + index)
        self.numbers = 0
        self.crash = ""
        self.operations: list[tuple[Callable[[], None], int]] = [
            (self.boot, 4),
            (self.delete_server, 2),
            (self.make_network, 1),
            (self.delete_network, 1),
            (self.add_interface, 2),
            (self.remove_interface, 1),
            (self.make_volume, 2),
            (self.attach_volume, 2),
            (self.detach_volume, 1),
            (self.delete_volume, 1),
            (self.add_rule, 2),
            (self.delete_rule, 1),
            (self.list_something, 2),
        ]

    def run(self) -> None:
        operations = [operation for operation, _ in self.operations]
        weights = [weight for _, weight in self.operations]
        try:
            while not self.shared.stop.is_set() and time.monotonic() < self.shared.deadline:
                self.rng.choices(operations, weights)[0]()
                self.shared.stop.wait(self.rng.uniform(*THINK))
        except Exception:  # a bug of this script, not an answer: reported, the run fails
            self.crash = traceback.format_exc()

    def new_name(self, kind: str) -> str:
        self.numbers += 1
        return f"{self.shared.prefix}-c{self.index}-{kind}{self.numbers}"

    def pick(self, items: list[str]) -> str | None:
        return self.rng.choice(sorted(items)) if items else None

    # servers
    def boot(self) -> None:
        networks = [net for net, info in self.made.networks.items() if info["subnet"]]
        if not networks:
            self.make_network()
            return
        if len(self.made.servers) >= PER_CLIENT["servers"]:
            return
        zone = self.rng.choice(self.shared.zones)
        network = self.rng.choice(sorted(networks))
        body = {
            "server": {
                "name": self.new_name("server"),
                "flavorRef": self.shared.flavor_id,
                "imageRef": self.shared.image_id,
                "networks": [{"uuid": network}],
                "availability_zone": zone,
                "security_groups": [{"name": self.made.group_id}],
            }
        }
        status, answer = self.gateway.call("POST", f"{COMPUTE}/servers", body)
        if status == 202:
            self.made.servers[answer["server"]["id"]] = {"zone": zone, "network": network}

    def delete_server(self) -> None:
        server = self.pick(list(self.made.servers))
        if server is None:
            return
        status, _ = self.gateway.call("DELETE", f"{COMPUTE}/servers/{server}")
        if status in (204, 404):
            del self.made.servers[server]
            for volume in self.made.volumes.values():
                if volume["server"] == server:
                    volume["server"] = None

    # networks and the router
    def make_network(self) -> None:
        if len(self.made.networks) >= PER_CLIENT["networks"]:
            return
        status, answer = self.gateway.call(
            "POST", f"{NETWORK}/networks", {"network": {"name": self.new_name("net")}}
        )
        if status != 201:
            return
        network = answer["network"]["id"]
        self.made.networks[network] = {"subnet": None, "on_router": False}
        cidr = f"10.{200 + self.index}.{self.numbers % 250}.0/24"
        body = {"subnet": {"network_id": network, "cidr": cidr, "ip_version": 4}}
        status, answer = self.gateway.call("POST", f"{NETWORK}/subnets", body)
        if status == 201:
            self.made.networks[network]["subnet"] = answer["subnet"]["id"]

    def delete_network(self) -> None:
        used = {server["network"] for server in self.made.servers.values()}
        network = self.pick(
            [
                net
                for net, info in self.made.networks.items()
                if not info["on_router"] and net not in used
            ]
        )
        if network is None:
            return
        status, _ = self.gateway.call("DELETE", f"{NETWORK}/networks/{network}")
        if status in (204, 404):
            del self.made.networks[network]

    def add_interface(self) -> None:
        network = self.pick(
            [
                net
                for net, info in self.made.networks.items()
                if info["subnet"] and not info["on_router"]
            ]
        )
        if network is None:
            return
        subnet = self.made.networks[network]["subnet"]
        status, _ = self.gateway.call(
            "PUT",
            f"{NETWORK}/routers/{self.shared.router_id}/add_router_interface",
            {"subnet_id": subnet},
        )
        if status == 200:
            self.made.networks[network]["on_router"] = True

    def remove_interface(self) -> None:
        network = self.pick([net for net, info in self.made.networks.items() if info["on_router"]])
        if network is None:
            return
        subnet = self.made.networks[network]["subnet"]
        status, _ = self.gateway.call(
            "PUT",
            f"{NETWORK}/routers/{self.shared.router_id}/remove_router_interface",
            {"subnet_id": subnet},
        )
        if status in (200, 404):
            self.made.networks[network]["on_router"] = False

    # volumes
    def make_volume(self) -> None:
        if len(self.made.volumes) >= PER_CLIENT["volumes"]:
            return
        zone = self.rng.choice(self.shared.zones)
        body = {"volume": {"size": 1, "availability_zone": zone, "name": self.new_name("vol")}}
        status, answer = self.gateway.call("POST", self.volumes, body)
        if status == 202:
            self.made.volumes[answer["volume"]["id"]] = {"zone": zone, "server": None}

    def attach_volume(self) -> None:
        volume = self.pick([v for v, info in self.made.volumes.items() if info["server"] is None])
        if volume is None:
            return
        zone = self.made.volumes[volume]["zone"]
        server = self.pick([s for s, info in self.made.servers.items() if info["zone"] == zone])
        if server is None:
            return
        status, shown = self.gateway.call("GET", f"{COMPUTE}/servers/{server}")
        if status != 200 or shown["server"]["status"] != "ACTIVE":
            return
        status, shown = self.gateway.call("GET", f"{self.volumes}/{volume}")
        if status != 200 or shown["volume"]["status"] != "available":
            return
        status, _ = self.gateway.call(
            "POST",
            f"{COMPUTE}/servers/{server}/os-volume_attachments",
            {"volumeAttachment": {"volumeId": volume}},
        )
        if status == 200:
            self.made.volumes[volume]["server"] = server

    def detach_volume(self) -> None:
        volume = self.pick([v for v, info in self.made.volumes.items() if info["server"]])
        if volume is None:
            return
        server = self.made.volumes[volume]["server"]
        status, _ = self.gateway.call(
            "DELETE", f"{COMPUTE}/servers/{server}/os-volume_attachments/{volume}"
        )
        if status in (202, 404):
            self.made.volumes[volume]["server"] = None

    def delete_volume(self) -> None:
        volume = self.pick([v for v, info in self.made.volumes.items() if info["server"] is None])
        if volume is None:
            return
        status, _ = self.gateway.call("DELETE", f"{self.volumes}/{volume}")
        if status in (202, 404):
            del self.made.volumes[volume]

    # security group rules
    def add_rule(self) -> None:
        port = self.rng.randrange(1024, 65536)
        body = {
            "security_group_rule": {
                "security_group_id": self.made.group_id,
                "direction": "ingress",
                "ethertype": "IPv4",
                "protocol": self.rng.choice(["tcp", "udp"]),
                "port_range_min": port,
                "port_range_max": port,
            }
        }
        status, answer = self.gateway.call("POST", f"{NETWORK}/security-group-rules", body)
        if status == 201:
            self.made.rules.append(answer["security_group_rule"]["id"])

    def delete_rule(self) -> None:
        rule = self.pick(self.made.rules)
        if rule is None:
            return
        status, _ = self.gateway.call("DELETE", f"{NETWORK}/security-group-rules/{rule}")
        if status in (204, 404):
            self.made.rules.remove(rule)

    def list_something(self) -> None:
        path = self.rng.choice(
            [
                f"{COMPUTE}/servers/detail",
                f"{self.volumes}/detail",
                f"{NETWORK}/networks",
                f"{NETWORK}/routers",
                f"{NETWORK}/security-groups",
            ]
        )
        self.gateway.call("GET", path)


# --- faults --------------------------------------------------------------------------------


def lab_command(*args: str) -> None:
    """`lab.py <args>`, in a session of its own (a Ctrl-C does not cut a stop or an up short)."""
    result = subprocess.run(
        [sys.executable, str(LAB_TOOL), *args],
        capture_output=True,
        text=True,
        timeout=900,
        start_new_session=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"lab.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")


def lab_services() -> list[str]:
    """The services the lab started (its pid files)."""
    return sorted(path.stem for path in lab_paths().pids.glob("*.pid"))


def pod_faults(lab: dict[str, Any], running: list[str]) -> list[tuple[str, list[str]]]:
    """(what, lab services) of each fault a pod can have."""
    faults = []
    for pod in lab["pods"]:
        region, key = pod["region_name"], pod["region_name"].lower()
        mine = [name for name in running if name.startswith(f"{key}-")]
        faults += [
            (f"{region} Nova API", [f"{key}-nova-api"]),
            (f"{region} Neutron server", [f"{key}-neutron-api", f"{key}-neutron-rpc"]),
            (f"{region} Cinder API", [f"{key}-cinder-api"]),
            (f"all of {region}", mine),
        ]
    return [(what, names) for what, names in faults if names and set(names) <= set(running)]


def process_is_celery(pid: int) -> bool:
    try:
        return b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@dataclass
class Fault:
    what: str
    started: float  # seconds since the workload began
    seconds: float  # how long it lasted
    undo_seconds: float = 0.0  # how long undoing it took (`lab.py up`, a worker start)
    error: str = ""


class Injector(threading.Thread):
    """One fault at a time until the workload's end; a fault is always undone (restore())."""

    WORKER = "the Celery worker (SIGKILL)"

    def __init__(
        self,
        server: TricircleServer,
        faults: list[tuple[str, list[str]]],
        rng: random.Random,
        every: float,
        began: float,
        end: float,
        stop: threading.Event,
    ) -> None:
        super().__init__(name="injector", daemon=True)
        self.server, self.faults, self.rng = server, faults, rng
        self.every, self.began, self.end, self.stop = every, began, end, stop
        # The worker is killed at the first fault due after this moment.
        self.worker_at = began + rng.uniform(0.2, 0.6) * (end - began)
        self.done: list[Fault] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.stopped_services: list[str] = []  # stopped and not started again yet
        self.worker_dead = False

    def run(self) -> None:
        try:
            self.inject()
        except Exception:
            self.errors.append(traceback.format_exc())
        finally:
            self.restore()

    def inject(self) -> None:
        next_at = self.began + self.rng.uniform(self.every / 4, self.every)
        while next_at < self.end:
            if self.stop.wait(max(0.0, next_at - time.monotonic())):
                return
            now = time.monotonic()
            last_chance = next_at + self.every >= self.end
            kill_worker = not any(fault.what == self.WORKER for fault in self.done) and (
                now >= self.worker_at or last_chance
            )
            what, services = (self.WORKER, []) if kill_worker else self.rng.choice(self.faults)
            seconds = self.rng.uniform(*FAULT_SECONDS)
            fault = Fault(what, now - self.began, seconds)
            self.done.append(fault)
            say(f"fault {len(self.done)}: {what} down for {seconds:.0f} s")
            try:
                if kill_worker:
                    self.kill_worker()
                else:
                    with self.lock:
                        self.stopped_services = services
                    lab_command("stop", *services)
                self.stop.wait(seconds)
            except Exception as exc:
                fault.error = str(exc)
                self.errors.append(f"{what}: {exc}")
            finally:
                undo_started = time.monotonic()
                self.restore()
                fault.undo_seconds = time.monotonic() - undo_started
                say(f"fault {len(self.done)}: {what} undone in {fault.undo_seconds:.0f} s")
            next_at = max(next_at + self.every, time.monotonic() + 5)

    def kill_worker(self) -> None:
        groups = [group for group in self.server.process_groups if process_is_celery(group)]
        if not groups:
            raise RuntimeError("no Celery worker among the Tricircle's process groups")
        with self.lock:
            self.worker_dead = True
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            self.server.process_groups.remove(group)
        for process in list(self.server.processes):
            if process.pid in groups:
                process.wait(timeout=30)  # reaps our own child
                self.server.processes.remove(process)
        self.record_groups()

    def record_groups(self) -> None:
        """The Tricircle's process groups in its share file (what stops it at the end)."""
        with self.server.share() as shared:
            if shared is not None:
                shared["process_groups"] = list(self.server.process_groups)

    def restore(self) -> None:
        """Starts what is down again: the stopped services (`lab.py up`), a killed worker.
        Safe to call any number of times, from any thread."""
        with self.lock:
            if self.stopped_services:
                try:
                    lab_command("up")
                    self.stopped_services = []
                except Exception as exc:
                    self.errors.append(f"undoing {self.stopped_services}: {exc}")
            if self.worker_dead:
                self.server.spawn_worker()
                self.record_groups()
                self.worker_dead = False

    @property
    def not_undone(self) -> int:
        return len(self.stopped_services) + int(self.worker_dead)


# --- after the workload --------------------------------------------------------------------


def pages(admin: Gateway, path: str, key: str) -> list[dict[str, Any]] | None:
    """Every item of an admin API list (limit/marker, `<key>_links`); None when it fails."""
    items: list[dict[str, Any]] = []
    url = path
    while url:
        status, body = admin.call("GET", url)
        if status != 200 or not isinstance(body, dict):
            return None
        items += body[key]
        links = body.get(f"{key}_links") or []
        url = links[0]["href"] if links else ""
    return items


def unsettled_jobs(admin: Gateway) -> list[dict[str, Any]] | None:
    """Jobs NEW, RUNNING, or FAIL with a retry due."""
    left = []
    for status in ("NEW", "RUNNING", "FAIL"):
        jobs = pages(admin, f"/v1.0/jobs/detail?status={status}&limit=1000", "jobs")
        if jobs is None:
            return None
        left += [job for job in jobs if status != "FAIL" or job["next_run_at"]]
    return left


def settle(admin: Gateway, seconds: float) -> list[dict[str, Any]]:
    """Waits until every job settled, at most `seconds`; the jobs left."""
    deadline = time.monotonic() + seconds
    while True:
        left = unsettled_jobs(admin)
        if left == [] or time.monotonic() > deadline:
            return left if left is not None else [{"id": "?", "type": "jobs API failed"}]
        time.sleep(2)


def failed_for_good(admin: Gateway) -> list[dict[str, Any]]:
    """FAIL jobs with no retry left whose work no job did since: the engine settles the
    failures of a work created before a success of it started (informational)."""
    failed = pages(admin, "/v1.0/jobs/detail?status=FAIL&limit=1000", "jobs") or []
    last_start: dict[tuple[str, str], str] = {}
    for job_type in sorted({job["type"] for job in failed}):
        path = f"/v1.0/jobs/detail?status=SUCCESS&type={job_type}&limit=1000"
        for job in pages(admin, path, "jobs") or []:
            work = (job["type"], json.dumps(job["resource"], sort_keys=True))
            last_start[work] = max(last_start.get(work, ""), job["started_at"] or "")
    return [
        job
        for job in failed
        if not job["next_run_at"]
        and last_start.get((job["type"], json.dumps(job["resource"], sort_keys=True)), "")
        < job["created_at"]
    ]


class Cleanup:
    """Deletes everything named after the run through the gateway, retrying what the pods
    refuse for now (a network whose ports are being released, a volume still attached)."""

    def __init__(self, demo: Gateway, admin: Gateway, prefix: str) -> None:
        self.demo, self.admin, self.prefix = demo, admin, prefix
        self.volumes = f"/volume/v3/{demo.project_id}/volumes"
        self.deadline = time.monotonic() + CLEANUP_SECONDS
        self.left: list[str] = []

    def mine(self, path: str, key: str) -> list[dict[str, Any]] | None:
        items = self.demo.listing(path, key)
        if items is None:
            return None
        return [item for item in items if (item.get("name") or "").startswith(self.prefix)]

    def sweep(
        self,
        what: str,
        path: str,
        key: str,
        delete: Callable[[dict[str, Any], float], None],
        again_after: float = 30.0,
    ) -> None:
        """Deletes the listed items, asking again for any still listed `again_after` seconds
        later, until none is listed or the deadline."""
        asked: dict[str, float] = {}
        first_seen: dict[str, float] = {}
        while True:
            items = self.mine(path, key)
            if items == []:
                return
            if time.monotonic() > self.deadline:
                if items is None:
                    self.left.append(f"{what}: the list failed")
                else:
                    self.left += [
                        f"{what} {item['id']} ({item.get('status', '')})" for item in items
                    ]
                return
            now = time.monotonic()
            for item in items or []:
                first_seen.setdefault(item["id"], now)
                if now - asked.get(item["id"], -again_after) >= again_after:
                    asked[item["id"]] = now
                    delete(item, now - first_seen[item["id"]])
            time.sleep(3)

    def server(self, item: dict[str, Any], _age: float) -> None:
        self.demo.call("DELETE", f"{COMPUTE}/servers/{item['id']}")

    def volume(self, item: dict[str, Any], age: float) -> None:
        status, _ = self.demo.call("DELETE", f"{self.volumes}/{item['id']}")
        if status == 400 and age > STUCK_SECONDS:
            # Left attaching/creating by a service stopped mid-way: an operator's reset.
            self.admin.call(
                "POST",
                f"{self.volumes}/{item['id']}/action",
                {"os-reset_status": {"status": "error", "attach_status": "detached"}},
            )

    def router(self, item: dict[str, Any], _age: float) -> None:
        ports = self.demo.listing(f"{NETWORK}/ports?device_id={item['id']}", "ports") or []
        for port in ports:
            if port["device_owner"] != "network:router_interface":
                continue
            for fixed in port["fixed_ips"]:
                self.demo.call(
                    "PUT",
                    f"{NETWORK}/routers/{item['id']}/remove_router_interface",
                    {"subnet_id": fixed["subnet_id"]},
                )
        self.demo.call("DELETE", f"{NETWORK}/routers/{item['id']}")

    def network(self, item: dict[str, Any], _age: float) -> None:
        self.demo.call("DELETE", f"{NETWORK}/networks/{item['id']}")

    def group(self, item: dict[str, Any], _age: float) -> None:
        self.demo.call("DELETE", f"{NETWORK}/security-groups/{item['id']}")

    def run(self) -> list[str]:
        self.sweep("server", f"{COMPUTE}/servers/detail", "servers", self.server)
        self.sweep("volume", f"{self.volumes}/detail", "volumes", self.volume)
        self.sweep("router", f"{NETWORK}/routers", "routers", self.router)
        self.sweep("network", f"{NETWORK}/networks", "networks", self.network, 10.0)
        self.sweep("security group", f"{NETWORK}/security-groups", "security_groups", self.group)
        return self.left


Key = tuple[str, str, str, str]  # region, class, type, top id or bottom id


def findings(admin: Gateway) -> dict[Key, dict[str, Any]] | None:
    items = pages(admin, "/v1.0/audit/findings?limit=1000", "findings")
    if items is None:
        return None
    return {
        (
            item["region_name"],
            item["class"],
            item["resource_type"],
            item["top_id"] or item["bottom_id"],
        ): item
        for item in items
    }


def audit(server: TricircleServer, admin: Gateway) -> tuple[dict[Key, dict[str, Any]], int]:
    """`manage.py audit` of every pod (no repair); its findings and how many pods' runs were
    skipped (a pod or the top did not answer: nothing concluded)."""
    result = server.manage("audit", check=False)
    print(result.stdout.rstrip(), flush=True)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py audit failed:\n{result.stderr[-2000:]}")
    status, body = admin.call("GET", "/v1.0/audit")
    if status != 200:
        raise RuntimeError(f"GET /v1.0/audit answered {status}")
    skipped = sum(1 for pod in body["audit"] if (pod["last_run"] or {}).get("status") != "done")
    found = findings(admin)
    if found is None:
        raise RuntimeError("GET /v1.0/audit/findings failed")
    return found, skipped


# --- the run -------------------------------------------------------------------------------


def lab_all_up() -> bool:
    result = subprocess.run(
        [sys.executable, str(LAB_TOOL), "status"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.returncode == 0


def setup(lab: dict[str, Any], demo: Gateway, prefix: str, clients: int) -> tuple[str, list[Made]]:
    """The run's router and a security group per client; RuntimeError when one fails."""
    status, body = demo.call("POST", f"{NETWORK}/routers", {"router": {"name": f"{prefix}-r"}})
    if status != 201:
        raise RuntimeError(f"the router was not made: HTTP {status} {body}")
    router_id = body["router"]["id"]
    made = []
    for index in range(clients):
        status, body = demo.call(
            "POST",
            f"{NETWORK}/security-groups",
            {"security_group": {"name": f"{prefix}-c{index}-sg"}},
        )
        if status != 201:
            raise RuntimeError(f"a security group was not made: HTTP {status} {body}")
        made.append(Made(group_id=body["security_group"]["id"]))
    return router_id, made


def print_tally(title: str, tally: Tally) -> None:
    print(f"\n{title}: {tally.calls} calls")
    for kind in CLASSES:
        print(f"  {kind:<18} {tally.counts[kind]}")
    for message, count in tally.unavailable.most_common(10):
        print(f"  503 x{count}: {message}")
    for other in tally.others[:SHOWN_OTHERS]:
        print(f"  other: {other}")
    if len(tally.others) > SHOWN_OTHERS:
        print(f"  ... and {len(tally.others) - SHOWN_OTHERS} more other answers")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="workload time (10)")
    parser.add_argument("--seed", type=int, default=1, help="seed of every random choice (1)")
    parser.add_argument(
        "--clients", type=int, default=4, help=f"client threads, 1 to {MAX_CLIENTS} (4)"
    )
    parser.add_argument(
        "--fault-every", type=float, default=45.0, help="seconds from one fault to the next (45)"
    )
    parser.add_argument(
        "--settle", type=float, default=300.0, help="seconds the jobs get to settle (300)"
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    if args.minutes <= 0 or args.fault_every < 5 or args.settle < 0:
        parser.error("--minutes > 0, --fault-every >= 5 and --settle >= 0, please")

    lab_json = lab_paths().root / "lab.json"
    if not lab_json.exists():
        sys.exit(f"No lab ({lab_json}): run `python3.11 tests/lab/lab.py up` first.")
    lab = json.loads(lab_json.read_text())
    if not lab_all_up():
        sys.exit("Not every lab service is up: run `python3.11 tests/lab/lab.py up` first.")
    faults = pod_faults(lab, lab_services())
    regions = [pod["region_name"] for pod in lab["pods"]]
    zones = sorted({pod["az_name"] for pod in lab["pods"]})
    classifier = Classifier(regions, zones)
    workload, cleanup_tally, admin_tally = Tally(classifier), Tally(classifier), Tally(classifier)
    rng = random.Random(args.seed)
    prefix = f"chaos-{uuid.uuid4().hex[:6]}"
    summary: dict[str, Any] = {"seed": args.seed, "minutes": args.minutes}
    summary |= {"clients": args.clients, "names": f"{prefix}-..."}

    server = TricircleServer(lab)
    # No scheduled audit during the run: its repairs would hide the drift the run is after.
    server.env["TRICIRCLE_AUDIT_INTERVAL"] = "0"
    say("starting Tricircle (waits while another session holds it)")
    server.start()
    injector: Injector | None = None
    interrupted = False
    try:
        admin = Gateway(lab, "admin", admin_tally)
        demo = Gateway(lab, "demo", workload)
        baseline, _ = audit(server, admin)
        say(f"audit before the workload: {len(baseline)} findings (counted apart later)")
        try:
            router_id, made = setup(lab, demo, prefix, args.clients)
        except BaseException:
            Cleanup(demo, admin, prefix).run()  # what setup made before it failed
            raise

        began = time.monotonic()
        end = began + args.minutes * 60
        stop = threading.Event()
        shared = Shared(
            prefix, router_id, zones, lab["image_id"], lab["flavors"][0]["id"], end, stop
        )
        clients = [
            Client(index, lab, shared, workload, made[index], args.seed)
            for index in range(args.clients)
        ]
        injector = Injector(server, faults, rng, args.fault_every, began, end, stop)
        say(
            f"workload: {args.clients} clients for {args.minutes:g} min, a fault every "
            f"{args.fault_every:g} s among {len(faults)} + the Celery worker"
        )
        for thread in [*clients, injector]:
            thread.start()
        try:
            next_report = began + PROGRESS_EVERY
            while any(thread.is_alive() for thread in [*clients, injector]):
                time.sleep(1)
                if time.monotonic() >= next_report:
                    next_report += PROGRESS_EVERY
                    counts = ", ".join(f"{kind} {workload.counts[kind]}" for kind in CLASSES)
                    say(f"{workload.calls} calls: {counts}")
        except KeyboardInterrupt:
            interrupted = True
            say("interrupted: ending the workload, undoing the fault, cleaning up")
            stop.set()
            for thread in [*clients, injector]:
                thread.join()
        injector.restore()
        crashes = [client.crash for client in clients if client.crash]

        say(f"workload done; jobs settling (at most {args.settle:g} s)")
        first_left = settle(admin, args.settle)
        say(f"jobs not settled after the workload: {len(first_left)}")
        cleanup_gateway = Gateway(lab, "demo", cleanup_tally)
        cleanup_admin = Gateway(lab, "admin", cleanup_tally)
        say("deleting what the run made")
        leftovers = Cleanup(cleanup_gateway, cleanup_admin, prefix).run()
        say(f"jobs settling again (at most {args.settle:g} s)")
        left = settle(admin, args.settle)
        gave_up = failed_for_good(admin)
        say("auditing every pod")
        found, skipped = audit(server, admin)
    finally:
        if injector is not None:
            injector.restore()
        server.stop()

    print_tally("Answers during the workload", workload)
    print_tally("Answers during the clean-up", cleanup_tally)
    if admin_tally.counts["other"]:
        print_tally("Admin API answers (settling, audit)", admin_tally)
    print("\nFaults:")
    for fault in injector.done:
        error = f"  ERROR {fault.error}" if fault.error else ""
        print(
            f"  at {fault.started:6.0f} s  {fault.what:<34} down {fault.seconds:4.0f} s, "
            f"undone in {fault.undo_seconds:4.0f} s{error}"
        )
    for problem in injector.errors:
        print(f"  injector error: {problem}")
    for crash in crashes:
        print(f"  client crashed:\n{crash}")
    for job in left:
        print(
            f"  job not settled: {job.get('type')} {job.get('status')} {job.get('resource')} "
            f"attempts {job.get('attempts')}: {str(job.get('last_error', ''))[:200]}"
        )
    for job in gave_up:
        print(f"  job failed for good: {job['type']} {job['resource']}: {job['last_error'][:200]}")
    for leftover in leftovers:
        print(f"  not deleted: {leftover}")
    new = {key: item for key, item in found.items() if key not in baseline}
    for (region, kind, rtype, ident), finding in sorted(new.items()):
        if kind in MUST_BE_ZERO_CLASSES:
            print(f"  finding: {region} {kind} {rtype} {ident} {finding['detail']}")

    by_class = Counter(key[1] for key in found)
    new_by_class = Counter(key[1] for key in new)
    summary |= {
        "faults injected": len(injector.done),
        "faults not undone": injector.not_undone,
        "calls made": workload.calls,
        **{f"answers {kind}": workload.counts[kind] for kind in CLASSES},
        "clean-up calls": cleanup_tally.calls,
        "clean-up answers other": cleanup_tally.counts["other"],
        "resources not deleted": len(leftovers),
        "client crashes": len(crashes),
        "jobs not settled after the workload (before the clean-up)": len(first_left),
        "jobs never settled": len(left),
        "jobs failed for good (no retry, no later success)": len(gave_up),
        "audit runs skipped": skipped,
    }
    for kind in (*MUST_BE_ZERO_CLASSES, "unknown"):
        summary[f"audit {kind}"] = new_by_class[kind]
        summary[f"audit {kind} (incl. before the run)"] = by_class[kind]
    must_be_zero = [
        "faults not undone",
        "answers other",
        "clean-up answers other",
        "client crashes",
        "jobs never settled",
        "audit runs skipped",
        *(f"audit {kind}" for kind in MUST_BE_ZERO_CLASSES),
    ]
    failed = [key for key in must_be_zero if summary[key]]
    summary["result"] = "interrupted" if interrupted else ("FAIL" if failed else "PASS")
    if failed:
        summary["not 0"] = ", ".join(failed)
    print("\n== chaos summary")
    for key, value in summary.items():
        print(f"{key}: {value}")
    return 1 if failed or interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
