#!/usr/bin/env python3.11
"""Tricircle's lab: a real multi-region OpenStack (2026.1) on 127.0.0.1 to test Tricircle against.

    python3.11 tests/lab/lab.py up [--pods N]   start (or complete) the lab; idempotent
    python3.11 tests/lab/lab.py up --dataplane  the same with a data plane (kept until
                                                `up --no-dataplane`): see "Data-plane lab" below
    python3.11 tests/lab/lab.py status          what runs, and whether it answers (exit 0 = all)
    python3.11 tests/lab/lab.py down            stop what the lab started; keeps the data
    python3.11 tests/lab/lab.py wipe            down, then drop the lab's databases/vhosts and data

Layout: one shared Keystone (top region CentralRegion, whose compute/volume/network endpoints are
Tricircle's gateway at 127.0.0.1:19999, not started here), one shared Glance, a central Neutron
reached by URL only (not in the catalog), and pods Pod1..PodN (one Keystone region each) with
Nova (fake virt driver), Placement, Neutron (ML2 openvswitch + a fake OVS agent) and Cinder (fake
volume driver).

Stdlib only: the OpenStack services run from a cached virtualenv (LAB_CACHE, default
~/.cache/tricircle-lab) and everything the lab writes goes to LAB_DIR (default
~/.local/share/tricircle-lab: one lab per machine, shared by every checkout). MariaDB and
RabbitMQ already listening on their standard ports are reused with the lab's own databases
(lab_*), vhosts (lab_*) and user (lab); where there are none, the lab runs its own on other
ports (LAB_INFRA=own forces that, LAB_INFRA=shared forbids it).

Data-plane lab (`up --dataplane`): packets instead of API state alone. Each pod becomes one
"compute node": a network namespace <instance>-podN holding the pod's own Open vSwitch
(ovs-vswitchd with the userspace `netdev` datapath, the kernel has no OVS module; its ovsdb-server,
database, sockets and logs under LAB_DIR), the real neutron-openvswitch-agent (br-int, br-tun,
vxlan from the pod's tunnel address 198.18.0.N on br-underlay, physnet1 on br-physnet1, the
openvswitch firewall) and the real neutron-l3-agent (router namespaces kept in a private
/run/netns of its own, so that one pod's agent never sees, nor cleans up, another's), both with
the host of the pod's nova-compute. A namespace <instance>-fabric joins the pods: one Linux
bridge for the underlay (tunnels) and one for physnet1 (a VLAN spans every pod). Nothing is
addressed or routed in the machine's own namespace; the agents reach RabbitMQ through
tests/lab/netns_forward.py. tests/lab/dataplane.py plugs "VMs" (namespaces) into a pod's br-int.
`down` removes every namespace named <instance>-*.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------
# Fixed facts of the lab
# --------------------------------------------------------------------------------------------

HOST = "127.0.0.1"
PASSWORD = "secret"
TOP_REGION = "CentralRegion"
TOP_ONLY_GROUP = "top-region-only"  # Keystone endpoint group: the top region's endpoints

# LAB_PORT_SHIFT=N (default 0) moves every port the lab listens on by N and names its databases,
# vhosts and users labN_*, so that a second lab (own LAB_DIR) can run beside the usual one.
PORT_SHIFT = int(os.environ.get("LAB_PORT_SHIFT", "0"))
INSTANCE = "lab" if PORT_SHIFT == 0 else f"lab{PORT_SHIFT}"
# Tricircle's gateway (moved with LAB_PORT_SHIFT too); the lab only puts it in the catalog
TRICIRCLE_URL = f"http://{HOST}:{19999 + PORT_SHIFT}"

KEYSTONE_PORT = 5000 + PORT_SHIFT
GLANCE_PORT = 9292 + PORT_SHIFT
CENTRAL_NEUTRON_PORT = 20696 + PORT_SHIFT
MEMCACHED_PORT = 21211 + PORT_SHIFT
# Used only when the lab runs its own infrastructure (none on the standard ports).
OWN_MARIADB_PORT = 23306 + PORT_SHIFT
OWN_EPMD_PORT = 24369 + PORT_SHIFT
OWN_RABBIT_PORT = 25673 + PORT_SHIFT
OWN_RABBIT_DIST_PORT = 25674 + PORT_SHIFT
# The data-plane lab (`up --dataplane`): namespaces <instance>-podN and <instance>-fabric, tunnel
# addresses in 198.18.0.0/24 (RFC 2544's benchmarking range) that exist only inside them.
DATAPLANE_UNDERLAY = "198.18.0"
DATAPLANE_PHYSNET = "physnet1"
DATAPLANE_BRIDGES = {"integration": "br-int", "tunnel": "br-tun", "physnet": "br-physnet1"}
DATAPLANE_UNDERLAY_BRIDGE = "br-underlay"
# command -> Debian package the data plane needs (OVS, and what the L3 agent runs in routers)
DATAPLANE_PACKAGES = {
    "ovs-vswitchd": "openvswitch-switch",
    "iptables": "iptables",
    "conntrack": "conntrack",
    "arping": "iputils-arping",
    "ping": "iputils-ping",
    "sudo": "sudo",  # the agents' root helper
}
NETNS_FORWARDER = "dataplane-mq-forward"
# the lab's own infrastructure processes, in the order `down` stops them (after the services)
INFRA_NAMES = ("rabbitmq", "epmd", "mariadb", "memcached")
SHARED_MARIADB_PORT = 3306
SHARED_RABBIT_PORT = 5672

# Pod K listens on these ports + (K-1) * POD_PORT_STEP; 5 pods keep every port below 65536.
# novnc: only the port of the console URLs Nova hands out; no proxy is started
POD_BASE_PORTS = {"nova": 8774, "cinder": 8776, "placement": 8778, "neutron": 9696, "novnc": 6080}
POD_PORT_STEP = 10000
MAX_PODS = 5
DEFAULT_PODS = 2

KEYSTONE_URL = f"http://{HOST}:{KEYSTONE_PORT}/v3"
GLANCE_URL = f"http://{HOST}:{GLANCE_PORT}"
CENTRAL_NEUTRON_URL = f"http://{HOST}:{CENTRAL_NEUTRON_PORT}"

DB_USER = INSTANCE
MQ_USER = INSTANCE
RABBIT_NODE = f"{INSTANCE}-rabbit@localhost"
IMAGE_NAME = "lab-tiny"
IMAGE_SIZE = 16 * 1024  # bytes of zeros: the fake virt driver never reads the image
FLAVORS = [  # id, name, RAM MB, vCPUs, disk GB
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
]
# user: (project, roles), all in domain Default with PASSWORD
USERS: dict[str, tuple[str, list[str]]] = {
    "admin": ("admin", ["admin"]),
    "demo": ("demo", ["member", "reader"]),
    "alt_demo": ("alt_demo", ["member", "reader"]),
    # A project whose catalog Keystone filters to the top region (OS-EP-FILTER), as the README
    # recommends for every project: its users never see a pod.
    "top_only": ("top_only", ["member", "reader"]),
    "tricircle": ("service", ["admin"]),  # Tricircle's own service account
}
SERVICE_USERS = ["nova", "neutron", "cinder", "placement", "glance"]
SERVICE_USER_ROLES = ["admin", "service"]

# The OpenStack release, pinned by the constraints file (openstack/requirements stable/2026.1).
PACKAGES = [
    "keystone==29.1.0",
    "nova==33.0.2",
    "neutron==28.0.2",
    "cinder==28.0.0",
    "openstack-placement==15.0.0",
    "glance==32.0.0",
    "python-openstackclient",
    "osc-placement",
    "openstacksdk",
    "PyMySQL",
    "uwsgi",
    "python-memcached",  # Keystone's memcached cache backend needs it
    "pymemcache",
]

# uwsgi options shared by every API (the recipe's measured set)
UWSGI_FLAGS = [
    *("--master", "--enable-threads", "--lazy-apps", "--die-on-term"),
    *("--exit-on-reload", "--need-app"),
    *("--threads", "1", "--buffer-size", "65535"),
    *("--hook-master-start", "unix_signal:15 gracefully_kill_them_all"),
    # keep-alive connections through uwsgi's http-socket hang clients now and then
    *("--add-header", "Connection: close"),
]

SOURCE_DIR = Path(__file__).resolve().parent
REPO_ROOT = SOURCE_DIR.parent.parent
CONSTRAINTS_FILE = SOURCE_DIR / "uc-2026.1.txt"
FAKE_AGENT = SOURCE_DIR / "fake_ovs_agent.py"
NETNS_FORWARD = SOURCE_DIR / "netns_forward.py"

HTTP_TIMEOUT = 240  # seconds a service gets to answer after its start (2 cores, many services)
STOP_GRACE = 10  # seconds between SIGTERM and SIGKILL (nova-compute ignores SIGTERM for > 60 s)

T0 = time.monotonic()


class LabError(Exception):
    """A failure with a message meant for the person running the lab."""


def say(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return "\n".join("    " + line for line in text[-lines:])


# --------------------------------------------------------------------------------------------
# Paths and persistent state
# --------------------------------------------------------------------------------------------


@dataclass
class Paths:
    root: Path

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pids(self) -> Path:
        return self.root / "pids"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def ovs_run(self, pod_key: str) -> Path:
        """A data-plane pod's Open vSwitch sockets (db.sock, the daemons' control sockets)."""
        return self.run / f"ovs-{pod_key}"

    def ovsdb(self, pod_key: str) -> str:
        return f"unix:{self.ovs_run(pod_key) / 'db.sock'}"

    def private_netns(self, pod_key: str) -> Path:
        """The /run/netns a data-plane pod's L3 agent sees (its router namespaces only)."""
        return self.run / f"netns-{pod_key}"

    def make(self) -> None:
        for folder in (self.etc, self.data, self.logs, self.pids, self.run):
            folder.mkdir(parents=True, exist_ok=True)


def default_lab_dir() -> Path:
    """One lab per machine (its ports are the machine's): every checkout of the project, and
    CI's clean clones, find the same lab and its data instead of starting a second one."""
    data_home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return data_home / "tricircle-lab"


def lab_paths() -> Paths:
    return Paths(Path(os.environ.get("LAB_DIR", default_lab_dir())).resolve())


def venv_dir() -> Path:
    """The cached venv, named after what decides its content (constraints + package list)."""
    digest = hashlib.sha256(CONSTRAINTS_FILE.read_bytes())
    digest.update("\n".join(PACKAGES).encode())
    cache = Path(os.environ.get("LAB_CACHE", Path.home() / ".cache" / "tricircle-lab"))
    return cache / f"venv-{digest.hexdigest()[:12]}"


@dataclass
class State:
    """What must survive between runs: infrastructure choices, pod count, finished init steps."""

    db_mode: str = ""  # "shared" (existing MariaDB) or "own" (the lab's mariadbd)
    mq_mode: str = ""  # "shared" (existing RabbitMQ) or "own"
    pods: int = 0
    hide_pods: bool = False  # demo and alt_demo's catalogs filtered to the top region too
    dataplane: bool = False  # real OVS + L3 agents on a userspace Open vSwitch per pod
    done: list[str] = field(default_factory=list)  # finished one-time steps (db syncs, ...)

    @classmethod
    def load(cls, paths: Paths) -> State:
        try:
            return cls(**json.loads(paths.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return cls()

    def save(self, paths: Paths) -> None:
        paths.state_file.write_text(json.dumps(self.__dict__, indent=2) + "\n")

    @property
    def db_port(self) -> int:
        return SHARED_MARIADB_PORT if self.db_mode == "shared" else OWN_MARIADB_PORT

    @property
    def mq_port(self) -> int:
        return SHARED_RABBIT_PORT if self.mq_mode == "shared" else OWN_RABBIT_PORT


# --------------------------------------------------------------------------------------------
# Pods
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pod:
    number: int

    @property
    def region(self) -> str:
        return f"Pod{self.number}"

    @property
    def key(self) -> str:  # used in file, process, database and vhost names
        return f"pod{self.number}"

    @property
    def az(self) -> str:
        return "az1" if self.number % 2 else "az2"

    @property
    def compute_host(self) -> str:
        return f"{self.key}-compute"

    def port(self, service: str) -> int:
        return POD_BASE_PORTS[service] + (self.number - 1) * POD_PORT_STEP + PORT_SHIFT

    def url(self, service: str) -> str:
        return f"http://{HOST}:{self.port(service)}"

    # ---- the data-plane lab

    @property
    def netns(self) -> str:  # the pod's "compute node": its OVS and agents
        return f"{INSTANCE}-{self.key}"

    @property
    def tunnel_ip(self) -> str:
        return f"{DATAPLANE_UNDERLAY}.{self.number}"

    @property
    def nova_url(self) -> str:
        return self.url("nova") + "/v2.1"

    @property
    def cinder_url(self) -> str:
        # Cinder accepts URLs without the project id since microversion 3.67.
        return self.url("cinder") + "/v3"


def pods_of(count: int) -> list[Pod]:
    return [Pod(number) for number in range(1, count + 1)]


FABRIC_NETNS = f"{INSTANCE}-fabric"  # the data-plane lab's underlay and physnet1 switches


# --------------------------------------------------------------------------------------------
# Processes: started in their own session, recorded as "pid starttime" so a reused pid is never
# mistaken for ours; stopped with their whole process tree.
# --------------------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may contain spaces: split after its closing parenthesis
    return raw[raw.rindex(")") + 2 :].split()


def start_time_of(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[19] if fields else None  # field 22 of /proc/PID/stat


def all_parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                parents[int(entry.name)] = int(fields[1])
    return parents


def all_groups() -> dict[int, set[int]]:
    """Process group -> its processes. A service runs in a group of its own (its pid): daemons
    it spawns that leave its tree (the agents' privsep helpers, reparented to init) stay in it."""
    groups: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                groups.setdefault(int(fields[2]), set()).add(int(entry.name))
    return groups


def process_tree(root: int, parents: dict[int, int] | None = None) -> set[int]:
    parents = parents if parents is not None else all_parents()
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return {pid for pid in tree if pid == root or pid in parents}


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@dataclass
class Service:
    """One long-running process of the lab."""

    name: str  # also names its pid file and log file
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    check_url: str | None = None  # must answer HTTP (any status below 500) once up


def config_stamp(service: Service, etc: Path) -> str:
    """What a service runs with: its command, environment and the files under etc that they
    name (a named folder: every file in it). `up` restarts a running service whose stamp
    changed, so a changed configuration takes effect without `down`."""
    digest = hashlib.sha256(json.dumps([service.argv, sorted(service.env.items())]).encode())
    words = [*service.argv, *service.env.values()]
    for path in sorted(etc.rglob("*")):
        if path.is_file() and any(str(path) in word or str(path.parent) == word for word in words):
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class Processes:
    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    def pidfile(self, name: str) -> Path:
        return self.paths.pids / f"{name}.pid"

    def stampfile(self, name: str) -> Path:
        return self.paths.pids / f"{name}.stamp"

    def stamp(self, name: str) -> str | None:
        """The config stamp the running service was started with (None: unknown)."""
        try:
            return self.stampfile(name).read_text().strip()
        except OSError:
            return None

    def pid(self, name: str) -> int | None:
        """The pid of a running service the lab started, or None."""
        try:
            pid_text, started = self.pidfile(name).read_text().split()
            pid = int(pid_text)
        except (OSError, ValueError):
            return None
        fields = _stat_fields(pid)
        # a zombie is a dead child of this very run (not reaped yet): not running
        alive = fields is not None and fields[19] == started and fields[0] != "Z"
        return pid if alive else None

    def recorded(self) -> list[str]:
        return sorted(path.stem for path in self.paths.pids.glob("*.pid"))

    def start(self, service: Service) -> int:
        log = self.paths.log(service.name)
        env = {**os.environ, **service.env}
        with log.open("ab") as out:
            out.write(f"\n===== {time.ctime()} starting {' '.join(service.argv)}\n".encode())
            out.flush()
            proc = subprocess.Popen(
                service.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.paths.root,
                start_new_session=True,  # own process group: signals reach the whole service
            )
        self.pidfile(service.name).write_text(f"{proc.pid} {start_time_of(proc.pid)}\n")
        self.stampfile(service.name).write_text(config_stamp(service, self.paths.etc) + "\n")
        return proc.pid

    def stop(self, names: Iterable[str]) -> list[str]:
        """SIGTERM the process groups, SIGKILL what is left after STOP_GRACE. Returns names."""
        parents, groups = all_parents(), all_groups()
        trees: dict[str, set[int]] = {}
        for name in names:
            pid = self.pid(name)
            if pid is not None:
                trees[name] = process_tree(pid, parents) | groups.get(pid, set())
                for target in trees[name]:
                    self._signal(target, signal.SIGTERM)
            self.pidfile(name).unlink(missing_ok=True)
            self.stampfile(name).unlink(missing_ok=True)
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline and any(
            self._alive(p) for t in trees.values() for p in t
        ):
            time.sleep(0.2)
        for tree in trees.values():
            for target in tree:
                self._signal(target, signal.SIGKILL)
        return sorted(trees)

    @staticmethod
    def _alive(pid: int) -> bool:
        fields = _stat_fields(pid)
        return fields is not None and fields[0] != "Z"

    @staticmethod
    def _signal(pid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def memory_mib(self) -> tuple[float, int]:
        parents, groups = all_parents(), all_groups()
        pids: set[int] = set()
        for name in self.recorded():
            pid = self.pid(name)
            if pid is not None:
                pids |= process_tree(pid, parents) | groups.get(pid, set())
        return sum(rss_kib(pid) for pid in pids) / 1024, len(pids)


# --------------------------------------------------------------------------------------------
# Small HTTP client for the OpenStack APIs (stdlib only)
# --------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any


def http(
    method: str,
    url: str,
    *,
    token: str | None = None,
    json_body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> Response:
    all_headers = {"Accept": "application/json", **(headers or {})}
    if token:
        all_headers["X-Auth-Token"] = token
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            status, reply_headers, raw = reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        status, reply_headers, raw = error.code, dict(error.headers), error.read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    return Response(status, reply_headers, body)


def answers(url: str) -> bool:
    try:
        return http("GET", url, timeout=5).status < 500
    except (OSError, urllib.error.URLError):
        return False


def expect(response: Response, what: str, *ok: int) -> Any:
    if response.status not in (ok or (200, 201, 202, 204)):
        raise LabError(f"{what}: HTTP {response.status}: {str(response.body)[:500]}")
    return response.body


def get_token(user: str = "admin", project: str = "admin") -> tuple[str, list[dict[str, Any]]]:
    """A project-scoped token and the service catalog that comes with it."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"id": "default"}, "password": PASSWORD}
                },
            },
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }
    }
    response = http("POST", f"{KEYSTONE_URL}/auth/tokens", json_body=body)
    expect(response, f"Keystone token for {user}", 201)
    return response.headers["X-Subject-Token"], response.body["token"]["catalog"]


# --------------------------------------------------------------------------------------------
# Configuration files
# --------------------------------------------------------------------------------------------

Sections = dict[str, dict[str, Any]]


def ini(sections: Sections) -> str:
    out = []
    for section, options in sections.items():
        out.append(f"[{section}]")
        for key, value in options.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            out.append(f"{key} = {value}")
        out.append("")
    return "\n".join(out)


def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def service_auth(user: str, region: str | None) -> dict[str, Any]:
    """keystoneauth options of a section a service uses to call another one."""
    options = {
        "auth_type": "password",
        "auth_url": KEYSTONE_URL,
        "project_name": "service",
        "project_domain_name": "Default",
        "user_domain_name": "Default",
        "username": user,
        "password": PASSWORD,
    }
    if region:
        options["region_name"] = region
    return options


def authtoken(user: str, region: str, service_type: str) -> dict[str, Any]:
    return {
        **service_auth(user, region),
        "www_authenticate_uri": KEYSTONE_URL,
        "memcached_servers": f"{HOST}:{MEMCACHED_PORT}",
        "service_token_roles_required": True,
        "service_type": service_type,
    }


class Config:
    """Writes every configuration file of the lab under LAB_DIR/etc."""

    def __init__(self, paths: Paths, state: State, venv: Path) -> None:
        self.paths = paths
        self.state = state
        self.venv = venv

    def db_url(self, database: str) -> str:
        return (
            f"mysql+pymysql://{DB_USER}:{PASSWORD}@{HOST}:{self.state.db_port}/{database}"
            "?charset=utf8mb4"
        )

    def database(self, name: str) -> dict[str, Any]:
        # Small pools: in shared mode the lab's ~30 processes share the server's max_connections
        # (151 by default) with everybody else.
        return {"connection": self.db_url(name), "max_pool_size": 2, "max_overflow": 10}

    def transport_url(self, vhost: str) -> str:
        return f"rabbit://{MQ_USER}:{PASSWORD}@{HOST}:{self.state.mq_port}/{vhost}"

    def copy_paste_ini(self, source: str, target: Path) -> None:
        write_if_changed(target, (self.venv / "etc" / source).read_text())

    def common(self, data_dir: Path) -> Sections:
        (data_dir / "locks").mkdir(parents=True, exist_ok=True)
        return {
            "oslo_concurrency": {"lock_path": data_dir / "locks"},
            "oslo_messaging_notifications": {"driver": "noop"},
        }

    # ---- shared services

    def keystone(self) -> Path:
        etc = self.paths.etc / "keystone"
        keys = self.paths.data / "keystone"
        write_if_changed(
            etc / "keystone.conf",
            ini(
                {
                    "DEFAULT": {"debug": False},
                    "database": self.database(f"{INSTANCE}_keystone"),
                    "identity": {"password_hash_rounds": 4},  # bcrypt's minimum: fast tokens
                    "token": {"provider": "fernet"},
                    "fernet_tokens": {"key_repository": keys / "fernet-keys"},
                    "fernet_receipts": {"key_repository": keys / "fernet-keys"},
                    "credential": {"key_repository": keys / "credential-keys"},
                    "cache": {
                        "enabled": True,
                        "backend": "dogpile.cache.memcached",
                        "memcache_servers": f"{HOST}:{MEMCACHED_PORT}",
                    },
                }
            ),
        )
        return etc

    def glance(self) -> Path:
        etc = self.paths.etc / "glance"
        data = self.paths.data / "glance"
        write_if_changed(
            etc / "glance-api.conf",
            ini(
                {
                    "DEFAULT": {
                        "debug": False,
                        "bind_host": HOST,
                        "bind_port": GLANCE_PORT,
                        "workers": 1,
                        "enabled_backends": "fs:file",
                    },
                    "glance_store": {"default_backend": "fs"},
                    "fs": {"filesystem_store_datadir": data / "images"},
                    "os_glance_staging_store": {"filesystem_store_datadir": data / "staging"},
                    "os_glance_tasks_store": {"filesystem_store_datadir": data / "tasks"},
                    "database": self.database(f"{INSTANCE}_glance"),
                    "paste_deploy": {"flavor": "keystone"},
                    "keystone_authtoken": authtoken("glance", TOP_REGION, "image"),
                    **self.common(data),
                }
            ),
        )
        self.copy_paste_ini("glance/glance-api-paste.ini", etc / "glance-api-paste.ini")
        return etc

    def ml2(self, mechanism_drivers: str) -> str:
        # The central Neutron and every pod's Neutron share type drivers and ranges, so that a
        # segment allocated centrally can be created with the same id in any pod.
        return ini(
            {
                "ml2": {
                    "type_drivers": "local,flat,vlan,vxlan",
                    "tenant_network_types": "vxlan,local",
                    "mechanism_drivers": mechanism_drivers,
                    "extension_drivers": "port_security",
                },
                "ml2_type_flat": {"flat_networks": "*"},
                "ml2_type_vlan": {"network_vlan_ranges": "physnet1:2000:2999"},
                "ml2_type_vxlan": {"vni_ranges": "1000:9999"},
                "securitygroup": {"enable_security_group": True},
            }
        )

    def neutron(self, key: str, region: str, pod: Pod | None) -> Path:
        """neutron.conf + ml2_conf.ini for a pod's Neutron, or the central one (pod None)."""
        etc = self.paths.etc / key / "neutron"
        data = self.paths.data / key / "neutron"
        default: dict[str, Any] = {
            "debug": False,
            "core_plugin": "ml2",
            "service_plugins": "router",
            "auth_strategy": "keystone",
            "transport_url": self.transport_url(f"{INSTANCE}_{key}"),
            "state_path": data,
            "api_paste_config": etc / "api-paste.ini",
            "dhcp_agent_notification": False,
            "rpc_workers": 1,
            "rpc_state_report_workers": 1,
            # Pods tell their Nova about port changes like a real cloud; the central Neutron has
            # no Nova behind it (Tricircle sits between).
            "notify_nova_on_port_status_changes": pod is not None,
            "notify_nova_on_port_data_changes": pod is not None,
            "router_scheduler_driver": "neutron.scheduler.l3_agent_scheduler.ChanceScheduler",
        }
        sections: Sections = {
            "DEFAULT": default,
            "database": self.database(f"{INSTANCE}_{key}_neutron"),
            "keystone_authtoken": authtoken("neutron", region, "network"),
            **self.common(data),
        }
        if pod is not None:
            sections["nova"] = service_auth("nova", region)
        write_if_changed(etc / "neutron.conf", ini(sections))
        # openvswitch everywhere: it binds ports to the fake agents in pods, and in the central
        # Neutron (no agents at all) it lets networks, subnets, ports and routers be created.
        write_if_changed(etc / "ml2_conf.ini", self.ml2("openvswitch"))
        self.copy_paste_ini("neutron/api-paste.ini", etc / "api-paste.ini")
        return etc

    def dataplane_agents(self, pod: Pod) -> tuple[Path, Path]:
        """openvswitch_agent.ini and l3_agent.ini of a data-plane pod (read after neutron.conf).

        Both agents run as root inside the pod's namespace, with the pod's own OVS database by
        its socket. Their root helper is sudo as everywhere (it keeps the command a child, as
        the agents expect), with the venv's PATH for privsep-helper and the pod's OVS_RUNDIR."""
        etc = self.paths.etc / pod.key / "agents"  # not the API's folder: it would restart
        path = f"{self.venv / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        root_helper = f"sudo env PATH={path} OVS_RUNDIR={self.paths.ovs_run(pod.key)}"
        common = {
            "agent": {"root_helper": root_helper, "report_interval": 10},
            "ovs": {
                "ovsdb_connection": self.paths.ovsdb(pod.key),
                "integration_bridge": DATAPLANE_BRIDGES["integration"],
                "datapath_type": "netdev",
            },
        }
        ovs_agent = {
            "DEFAULT": {"host": pod.compute_host, "debug": False},
            "agent": {
                **common["agent"],
                "tunnel_types": "vxlan",
                "l2_population": False,
                # ARP answered by br-tun needs l2population; VLAN segments never use it
                "arp_responder": False,
            },
            "ovs": {
                **common["ovs"],
                "tunnel_bridge": DATAPLANE_BRIDGES["tunnel"],
                "local_ip": pod.tunnel_ip,
                "bridge_mappings": f"{DATAPLANE_PHYSNET}:{DATAPLANE_BRIDGES['physnet']}",
                "of_listen_address": HOST,  # the pod namespace's own loopback
            },
            "securitygroup": {"enable_security_group": True, "firewall_driver": "openvswitch"},
        }
        l3_agent = {
            "DEFAULT": {
                "host": pod.compute_host,
                "debug": False,
                "interface_driver": "openvswitch",
                "agent_mode": "legacy",
                "enable_metadata_proxy": False,  # no Nova metadata in the lab (and no haproxy)
            },
            **common,
        }
        write_if_changed(etc / "openvswitch_agent.ini", ini(ovs_agent))
        write_if_changed(etc / "l3_agent.ini", ini(l3_agent))
        return etc / "openvswitch_agent.ini", etc / "l3_agent.ini"

    # ---- pods

    def placement(self, pod: Pod) -> Path:
        etc = self.paths.etc / pod.key / "placement"
        write_if_changed(
            etc / "placement.conf",
            ini(
                {
                    "DEFAULT": {"debug": False},
                    "placement_database": self.database(f"{INSTANCE}_{pod.key}_placement"),
                    "api": {"auth_strategy": "keystone"},
                    "keystone_authtoken": authtoken("placement", pod.region, "placement"),
                }
            ),
        )
        return etc

    def nova(self, pod: Pod) -> Path:
        """nova.conf for the API and control services; nova-compute.conf without databases."""
        etc = self.paths.etc / pod.key / "nova"
        data = self.paths.data / pod.key / "nova"
        sections: Sections = {
            "DEFAULT": {
                "debug": False,
                "host": pod.compute_host,
                "my_ip": HOST,
                "state_path": data,
                "instances_path": data / "instances",
                "transport_url": self.transport_url(f"{INSTANCE}_{pod.key}"),
                # tests/lab/lab_compute_driver.py: Nova's fake driver (FakeDriver proper refuses
                # to start twice with the same node; this one does not) with snapshots uploaded
                "compute_driver": "lab_compute_driver.LabComputeDriver",
                "heal_instance_info_cache_interval": -1,
                "default_availability_zone": pod.az,
                # each pod has one compute host: resize and cold migrate stay on it
                "allow_resize_to_same_host": True,
            },
            "api": {"auth_strategy": "keystone"},
            "api_database": self.database(f"{INSTANCE}_{pod.key}_nova_api"),
            "database": self.database(f"{INSTANCE}_{pod.key}_nova"),
            "scheduler": {"discover_hosts_in_cells_interval": 10, "workers": 1},
            "conductor": {"workers": 1},
            "vnc": {"enabled": True, "novncproxy_base_url": pod.url("novnc") + "/vnc_lite.html"},
            "wsgi": {"api_paste_config": etc / "api-paste.ini"},
            "service_user": {**service_auth("nova", None), "send_service_user_token": True},
            "keystone_authtoken": authtoken("nova", pod.region, "compute"),
            "placement": service_auth("placement", pod.region),
            # Nova calls Neutron, Glance and Cinder with the user's token, whose catalog may
            # show the top region alone (OS-EP-FILTER, `lab.py up --hide-pods`): the pod's own
            # endpoints are named here, not looked up in the user's catalog.
            "neutron": {
                **service_auth("neutron", pod.region),
                "endpoint_override": pod.url("neutron"),
            },
            "cinder": {
                **service_auth("cinder", pod.region),
                "os_region_name": pod.region,
                "endpoint_template": pod.cinder_url,
            },
            "glance": {"region_name": pod.region, "endpoint_override": GLANCE_URL},
            **self.common(data),
        }
        write_if_changed(etc / "nova.conf", ini(sections))
        compute_sections = {k: v for k, v in sections.items() if "database" not in k}
        write_if_changed(etc / "nova-compute.conf", ini(compute_sections))
        self.copy_paste_ini("nova/api-paste.ini", etc / "api-paste.ini")
        # Nova loads its driver from the nova.virt package only: the driver goes there, and a
        # copy under etc makes nova-compute restart when it changes (config_stamp).
        driver = Path(__file__).with_name("lab_compute_driver.py").read_text()
        write_if_changed(etc / "drivers" / "lab_compute_driver.py", driver)
        (virt,) = self.venv.glob("lib/python3*/site-packages/nova/virt")
        write_if_changed(virt / "lab_compute_driver.py", driver)
        return etc

    def cinder(self, pod: Pod) -> Path:
        etc = self.paths.etc / pod.key / "cinder"
        data = self.paths.data / pod.key / "cinder"
        write_if_changed(
            etc / "cinder.conf",
            ini(
                {
                    "DEFAULT": {
                        "debug": False,
                        "transport_url": self.transport_url(f"{INSTANCE}_{pod.key}"),
                        "auth_strategy": "keystone",
                        "my_ip": HOST,
                        "host": f"{pod.key}-cinder",
                        "state_path": data,
                        "api_paste_config": etc / "api-paste.ini",
                        "enabled_backends": "fake",
                        "glance_api_servers": GLANCE_URL,
                        "osapi_volume_workers": 1,
                        "storage_availability_zone": pod.az,
                        "default_availability_zone": pod.az,
                        # Which list filters users may give (name, status... from 3.33 on);
                        # without it Cinder refuses them all.
                        "resource_query_filters_file": etc / "resource_filters.json",
                    },
                    "database": self.database(f"{INSTANCE}_{pod.key}_cinder"),
                    "fake": {
                        # tests/lab/lab_volume_driver.py: Cinder's fake driver (LVM would need
                        # device-mapper and sudo) with images, extends and uploads working
                        "volume_driver": "lab_volume_driver.LabVolumeDriver",
                        "volume_backend_name": "fake",
                    },
                    "keystone_authtoken": authtoken("cinder", pod.region, "block-storage"),
                    "nova": {**service_auth("nova", pod.region), "interface": "public"},
                    "service_user": {
                        **service_auth("cinder", None),
                        "send_service_user_token": True,
                    },
                    **self.common(data),
                }
            ),
        )
        self.copy_paste_ini("cinder/api-paste.ini", etc / "api-paste.ini")
        self.copy_paste_ini("cinder/resource_filters.json", etc / "resource_filters.json")
        driver = Path(__file__).with_name("lab_volume_driver.py").read_text()
        write_if_changed(etc / "drivers" / "lab_volume_driver.py", driver)
        return etc


# --------------------------------------------------------------------------------------------
# The lab
# --------------------------------------------------------------------------------------------


def run(argv: list[str], log: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command to completion; on failure raise LabError naming the command and its log."""
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    if log is not None:
        with log.open("a") as out:
            out.write(f"\n===== {time.ctime()} $ {' '.join(argv)} (exit {result.returncode})\n")
            out.write(result.stdout + result.stderr)
    if result.returncode != 0:
        where = f"; log: {log}" if log else ""
        details = (result.stderr or result.stdout).strip()[-2000:]
        raise LabError(f"`{' '.join(argv[:4])} ...` failed{where}\n{details}")
    return result.stdout


class Lab:
    def __init__(self) -> None:
        self.paths = lab_paths()
        self.state = State.load(self.paths)
        self.venv = venv_dir()
        self.procs = Processes(self.paths)
        self.config = Config(self.paths, self.state, self.venv)

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    # ---- installation

    def ensure_venv(self) -> None:
        marker = self.venv / ".lab-installed"
        if marker.exists():
            return
        say(f"installing OpenStack 2026.1 into {self.venv} (a few minutes, once)")
        if self.venv.exists():
            shutil.rmtree(self.venv)  # left over from an interrupted install
        self.venv.parent.mkdir(parents=True, exist_ok=True)
        log = self.paths.log("install")
        python = shutil.which("python3.11") or sys.executable
        run([python, "-m", "venv", str(self.venv)], log)
        pip = [self.bin("python"), "-m", "pip", "install", "--quiet"]
        run([*pip, "--upgrade", "pip"], log)
        run([*pip, "-c", str(CONSTRAINTS_FILE), *PACKAGES], log)
        marker.write_text(" ".join(PACKAGES) + "\n")
        say("OpenStack installed")

    def ensure_debian_packages(self, needed: dict[str, str]) -> None:
        """Install the Debian packages of the commands in `needed` (command -> package)."""
        missing = sorted({pkg for cmd, pkg in needed.items() if not self.which(cmd)})
        if not missing:
            return
        if os.geteuid() != 0:
            raise LabError(f"missing Debian packages {missing}; install them (needs root)")
        say(f"apt-get install {' '.join(missing)}")
        log = self.paths.log("apt")
        # Keep the packages' maintainer scripts from starting the services on their standard
        # ports: the lab starts its own instances itself.
        policy = Path("/usr/sbin/policy-rc.d")
        own_policy = not policy.exists()
        if own_policy:
            policy.write_text("#!/bin/sh\nexit 101\n")
            policy.chmod(0o755)
        try:
            env = {"DEBIAN_FRONTEND": "noninteractive"}
            run(["apt-get", "update"], log, env)
            run(["apt-get", "install", "-y", "--no-install-recommends", *missing], log, env)
        finally:
            if own_policy:
                policy.unlink(missing_ok=True)

    @staticmethod
    def which(command: str) -> str | None:
        return shutil.which(command, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")

    # ---- infrastructure: MariaDB, RabbitMQ, memcached

    def choose_infra(self) -> None:
        """Decide once (until wipe) whether to reuse MariaDB/RabbitMQ or to run the lab's own."""
        wanted = os.environ.get("LAB_INFRA", "auto")
        if wanted not in ("auto", "shared", "own"):
            raise LabError("LAB_INFRA must be auto, shared or own")
        if not self.state.db_mode:
            shared = wanted != "own" and self.shared_mariadb_works()
            if wanted == "shared" and not shared:
                raise LabError("LAB_INFRA=shared but no MariaDB (root, no password) on :3306")
            self.state.db_mode = "shared" if shared else "own"
        if not self.state.mq_mode:
            shared = wanted != "own" and self.shared_rabbitmq_works()
            if wanted == "shared" and not shared:
                raise LabError("LAB_INFRA=shared but no RabbitMQ on :5672 that rabbitmqctl reaches")
            self.state.mq_mode = "shared" if shared else "own"
        self.state.save(self.paths)

    def shared_mariadb_works(self) -> bool:
        if not port_open(SHARED_MARIADB_PORT) or not self.which("mariadb"):
            return False
        try:
            self.sql("SELECT 1", mode="shared")
            return True
        except LabError:
            return False

    def shared_rabbitmq_works(self) -> bool:
        if not port_open(SHARED_RABBIT_PORT) or not self.which("rabbitmqctl"):
            return False
        try:
            self.rabbitmqctl(["-q", "list_vhosts"], mode="shared")
            return True
        except LabError:
            return False

    def sql(self, statements: str, mode: str | None = None) -> str:
        mode = mode or self.state.db_mode
        if mode == "shared":
            target = ["--protocol=tcp", f"--host={HOST}", f"--port={SHARED_MARIADB_PORT}"]
        else:
            target = [f"--socket={self.paths.run / 'mysqld.sock'}"]
        mariadb = self.which("mariadb") or "mariadb"
        return run(
            [mariadb, "--user=root", *target, "--batch", "--skip-column-names", "-e", statements]
        )

    def rabbitmq_env(self) -> dict[str, str]:
        """Environment of the lab's own RabbitMQ node (and of rabbitmqctl talking to it)."""
        data = self.paths.data / "rabbitmq"
        return {
            "RABBITMQ_NODENAME": RABBIT_NODE,
            "RABBITMQ_NODE_IP_ADDRESS": HOST,
            "RABBITMQ_NODE_PORT": str(OWN_RABBIT_PORT),
            "RABBITMQ_DIST_PORT": str(OWN_RABBIT_DIST_PORT),
            "ERL_EPMD_PORT": str(OWN_EPMD_PORT),
            "ERL_EPMD_ADDRESS": HOST,
            "RABBITMQ_MNESIA_BASE": str(data / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.paths.logs / "rabbitmq"),
            "RABBITMQ_CONFIG_FILE": str(self.paths.etc / "rabbitmq" / "rabbitmq"),
            "RABBITMQ_CONF_ENV_FILE": str(self.paths.etc / "rabbitmq" / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.paths.etc / "rabbitmq" / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.paths.run / "rabbitmq.pid"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def rabbitmqctl(self, args: list[str], mode: str | None = None) -> str:
        mode = mode or self.state.mq_mode
        ctl = self.which("rabbitmqctl") or "rabbitmqctl"
        if mode == "shared":
            return run([ctl, *args])
        return run([ctl, "-n", RABBIT_NODE, *args], env=self.rabbitmq_env())

    def infra_services(self) -> list[Service]:
        services = [
            Service(
                "memcached",
                [
                    *[self.which("memcached") or "memcached", "-l", HOST],
                    *["-p", str(MEMCACHED_PORT), "-U", "0", "-m", "64", "-u", "nobody"],
                ],
                port=MEMCACHED_PORT,
            )
        ]
        if self.state.db_mode == "own":
            mysql = self.paths.data / "mysql"
            services.append(
                Service(
                    "mariadb",
                    [
                        self.which("mariadbd") or "mariadbd",
                        "--no-defaults",
                        "--user=root",
                        f"--datadir={mysql}",
                        f"--bind-address={HOST}",
                        f"--port={OWN_MARIADB_PORT}",
                        f"--socket={self.paths.run / 'mysqld.sock'}",
                        f"--pid-file={self.paths.run / 'mysqld.pid'}",
                        "--max-connections=1000",
                        "--innodb-buffer-pool-size=256M",
                        "--character-set-server=utf8mb4",
                        "--collation-server=utf8mb4_general_ci",
                        "--skip-name-resolve",
                    ],
                    port=OWN_MARIADB_PORT,
                )
            )
        if self.state.mq_mode == "own":
            services.append(
                Service(
                    "epmd",
                    [self.which("epmd") or "epmd", "-address", HOST, "-port", str(OWN_EPMD_PORT)],
                    port=OWN_EPMD_PORT,
                )
            )
            services.append(
                Service(
                    "rabbitmq",
                    [self.which("rabbitmq-server") or "rabbitmq-server"],
                    env=self.rabbitmq_env(),
                    port=OWN_RABBIT_PORT,
                )
            )
        return services

    def start_infra(self) -> None:
        # qemu-img: the pods' Cinder driver makes images of a volume in the format asked for.
        needed = {"memcached": "memcached", "qemu-img": "qemu-utils"}
        if self.state.db_mode == "own":
            needed |= {"mariadbd": "mariadb-server", "mariadb": "mariadb-client"}
        if self.state.mq_mode == "own":
            needed |= {"rabbitmq-server": "rabbitmq-server"}
        self.ensure_debian_packages(needed)
        if self.state.db_mode == "own" and not (self.paths.data / "mysql" / "mysql").is_dir():
            (self.paths.data / "mysql").mkdir(parents=True, exist_ok=True)
            run(
                [
                    self.which("mariadb-install-db") or "mariadb-install-db",
                    "--no-defaults",
                    "--user=root",
                    f"--datadir={self.paths.data / 'mysql'}",
                    "--auth-root-authentication-method=normal",
                ],
                self.paths.log("mariadb-install"),
            )
        if self.state.mq_mode == "own":
            self.prepare_own_rabbitmq()
        for service in self.infra_services():
            if self.procs.pid(service.name) is not None:
                continue
            if service.port and port_open(service.port):
                raise LabError(
                    f"port {service.port} for the lab's {service.name} is taken by another process"
                )
            self.procs.start(service)
            if service.name == "epmd":
                # before RabbitMQ: the Erlang VM would otherwise spawn an epmd we do not track
                self.wait_port(service)
        for service in self.infra_services():
            self.wait_port(service)
        if self.state.mq_mode == "own":
            self.rabbitmqctl(["-q", "await_startup"])

    def prepare_own_rabbitmq(self) -> None:
        etc = self.paths.etc / "rabbitmq"
        etc.mkdir(parents=True, exist_ok=True)
        write_if_changed(etc / "rabbitmq.conf", f"listeners.tcp.default = {OWN_RABBIT_PORT}\n")
        write_if_changed(etc / "rabbitmq-env.conf", "")
        write_if_changed(etc / "enabled_plugins", "[].\n")
        # Debian's wrapper runs the node as user rabbitmq: it must own its folders.
        for folder in (self.paths.data / "rabbitmq", self.paths.logs / "rabbitmq"):
            folder.mkdir(parents=True, exist_ok=True)
            shutil.chown(folder, "rabbitmq", "rabbitmq")
            for sub in folder.rglob("*"):
                shutil.chown(sub, "rabbitmq", "rabbitmq")

    def wait_port(self, service: Service, timeout: float = 120) -> None:
        assert service.port is not None
        deadline = time.monotonic() + timeout
        while not port_open(service.port):
            if self.procs.pid(service.name) is None and service.name != "rabbitmq":
                raise LabError(self.failure(service.name, "exited"))
            if time.monotonic() > deadline:
                raise LabError(self.failure(service.name, f"no port {service.port} in {timeout}s"))
            time.sleep(0.3)

    def failure(self, name: str, what: str) -> str:
        log = self.paths.log(name)
        return f"{name} {what}; log: {log}\n{tail(log)}"

    # ---- the data-plane lab: namespaces, switches, each pod's Open vSwitch

    def start_dataplane(self) -> None:
        """Everything the agents need before they start: the fabric (underlay and physnet1
        switches), each pod's namespace linked to it, its Open vSwitch with br-underlay (the
        tunnel address) and br-physnet1, and the RabbitMQ forwarder into the pods."""
        self.ensure_debian_packages(DATAPLANE_PACKAGES)
        pods = pods_of(self.state.pods)
        self.ensure_netns(FABRIC_NETNS)
        for switch in ("underlay", DATAPLANE_PHYSNET):
            if not self.link_exists(FABRIC_NETNS, switch):
                run(["ip", "-n", FABRIC_NETNS, "link", "add", switch, "type", "bridge"])
            run(["ip", "-n", FABRIC_NETNS, "link", "set", switch, "up"])
        for pod in pods:
            self.ensure_netns(pod.netns)
            for switch, short in (("underlay", "ul"), (DATAPLANE_PHYSNET, "pn")):
                outside, inside = f"{short}-{pod.key}", f"to-{switch}"
                if not self.link_exists(FABRIC_NETNS, outside):
                    run(
                        [
                            *("ip", "-n", FABRIC_NETNS, "link", "add", outside, "type", "veth"),
                            *("peer", "name", inside, "netns", pod.netns),
                        ]
                    )
                run(["ip", "-n", FABRIC_NETNS, "link", "set", outside, "master", switch, "up"])
                run(["ip", "-n", pod.netns, "link", "set", inside, "up"])
            database = self.paths.data / pod.key / "ovs" / "conf.db"
            if not database.exists():
                database.parent.mkdir(parents=True, exist_ok=True)
                schema = "/usr/share/openvswitch/vswitch.ovsschema"
                run(["ovsdb-tool", "create", str(database), schema], self.paths.log("ovs-init"))
            self.paths.ovs_run(pod.key).mkdir(parents=True, exist_ok=True)
            private = self.paths.private_netns(pod.key)
            private.mkdir(parents=True, exist_ok=True)
            if self.procs.pid(f"{pod.key}-l3-agent") is None:  # names of a dead mount namespace
                for stale in private.iterdir():
                    stale.unlink()
        services = [self.forwarder_service(), *(s for p in pods for s in self.ovs_services(p))]
        self.start_missing(services)
        for pod in pods:
            self.configure_ovs(pod)
        say(f"data plane: Open vSwitch (netdev) in {', '.join(p.netns for p in pods)}")

    def configure_ovs(self, pod: Pod) -> None:
        socket_path = self.paths.ovs_run(pod.key) / "db.sock"
        deadline = time.monotonic() + 60
        while not socket_path.exists():
            if time.monotonic() > deadline:
                raise LabError(self.failure(f"{pod.key}-ovsdb-server", "made no db.sock in 60s"))
            time.sleep(0.2)
        vsctl = ["ovs-vsctl", f"--db={self.paths.ovsdb(pod.key)}", "--timeout=60"]
        log = self.paths.log("ovs-init")
        run([*vsctl, "--no-wait", "init"], log)
        commands: list[str] = []
        for bridge, port in (
            (DATAPLANE_UNDERLAY_BRIDGE, "to-underlay"),
            (DATAPLANE_BRIDGES["physnet"], f"to-{DATAPLANE_PHYSNET}"),
        ):
            commands += ["--", "--may-exist", "add-br", bridge]
            commands += ["--", "set", "bridge", bridge, "datapath_type=netdev"]
            commands += ["--", "--may-exist", "add-port", bridge, port]
        run([*vsctl, *commands], log)  # a new bridge: waits until ovs-vswitchd made it
        # Bridges already in the database (a restart): ovs-vswitchd makes their devices soon.
        deadline = time.monotonic() + 60
        while not self.link_exists(pod.netns, DATAPLANE_UNDERLAY_BRIDGE):
            if time.monotonic() > deadline:
                raise LabError(self.failure(f"{pod.key}-ovs-vswitchd", "made no br-underlay"))
            time.sleep(0.2)
        address = f"{pod.tunnel_ip}/24"
        run(["ip", "-n", pod.netns, "addr", "replace", address, "dev", DATAPLANE_UNDERLAY_BRIDGE])
        run(["ip", "-n", pod.netns, "link", "set", DATAPLANE_UNDERLAY_BRIDGE, "up"])

    @staticmethod
    def ensure_netns(name: str) -> None:
        if not Path(f"/run/netns/{name}").exists():
            run(["ip", "netns", "add", name])
        run(["ip", "-n", name, "link", "set", "lo", "up"])

    @staticmethod
    def link_exists(netns: str, name: str) -> bool:
        found = subprocess.run(
            ["ip", "-n", netns, "link", "show", "dev", name], capture_output=True, check=False
        )
        return found.returncode == 0

    @staticmethod
    def lab_namespaces() -> list[str]:
        """The network namespaces of this lab (pods, fabric, the tests' VMs and external side),
        all named <instance>-..."""
        folder = Path("/run/netns")
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.name.startswith(f"{INSTANCE}-"))

    def remove_namespaces(self) -> None:
        names = self.lab_namespaces()
        for name in names:
            with contextlib.suppress(LabError):
                run(["ip", "netns", "delete", name])
        if names:
            say(f"removed {len(names)} network namespaces {INSTANCE}-*")

    # ---- databases and vhosts

    def databases(self) -> list[str]:
        names = [f"{INSTANCE}_{name}" for name in ("keystone", "glance", "central_neutron")]
        for pod in pods_of(self.state.pods):
            for suffix in ("nova_api", "nova_cell0", "nova", "placement", "neutron", "cinder"):
                names.append(f"{INSTANCE}_{pod.key}_{suffix}")
        return names

    def vhosts(self) -> list[str]:
        return [f"{INSTANCE}_central"] + [
            f"{INSTANCE}_{pod.key}" for pod in pods_of(self.state.pods)
        ]

    def ensure_databases(self) -> None:
        statements = []
        for host in ("localhost", HOST):
            statements.append(
                f"CREATE USER IF NOT EXISTS '{DB_USER}'@'{host}' IDENTIFIED BY '{PASSWORD}'"
            )
            # only the lab's own databases, on a server others use too
            statements.append(f"GRANT ALL PRIVILEGES ON `{INSTANCE}\\_%`.* TO '{DB_USER}'@'{host}'")
        for name in self.databases():
            statements.append(
                f"CREATE DATABASE IF NOT EXISTS `{name}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
            )
        self.sql(";\n".join(statements))

    def ensure_vhosts(self) -> None:
        missing = [v for v in self.vhosts() if f"mq:{v}" not in self.state.done]
        if not missing:
            return
        users = self.rabbitmqctl(["-q", "list_users"])
        if not any(line.split("\t")[0] == MQ_USER for line in users.splitlines()):
            self.rabbitmqctl(["-q", "add_user", MQ_USER, PASSWORD])
        existing = set(self.rabbitmqctl(["-q", "list_vhosts"]).split())
        for vhost in missing:
            if vhost not in existing:
                self.rabbitmqctl(["-q", "add_vhost", vhost])
            self.rabbitmqctl(["-q", "set_permissions", "-p", vhost, MQ_USER, ".*", ".*", ".*"])
            self.state.done.append(f"mq:{vhost}")
        self.state.save(self.paths)

    # ---- one-time initialisation (schemas, keys, cells)

    def keystone_init(self) -> None:
        if "keystone" in self.state.done:
            return
        conf = str(self.paths.etc / "keystone" / "keystone.conf")
        manage = [self.bin("keystone-manage"), "--config-file", conf]
        log = self.paths.log("init-keystone")
        user = ["--keystone-user", str(os.getuid()), "--keystone-group", str(os.getgid())]
        run([*manage, "db_sync"], log)
        run([*manage, "fernet_setup", *user], log)
        run([*manage, "credential_setup", *user], log)
        run(
            [
                *manage,
                "bootstrap",
                *("--bootstrap-password", PASSWORD),
                *("--bootstrap-username", "admin"),
                *("--bootstrap-project-name", "admin"),
                *("--bootstrap-role-name", "admin"),
                *("--bootstrap-region-id", TOP_REGION),
                *("--bootstrap-admin-url", KEYSTONE_URL),
                *("--bootstrap-internal-url", KEYSTONE_URL),
                *("--bootstrap-public-url", KEYSTONE_URL),
            ],
            log,
        )
        self.mark_done("keystone")

    def mark_done(self, step: str) -> None:
        with STATE_LOCK:
            if step not in self.state.done:
                self.state.done.append(step)
            self.state.save(self.paths)

    def init_jobs(self) -> dict[str, list[list[str]]]:
        """Schema syncs still to run, by step name; each is a list of commands run in order."""
        jobs: dict[str, list[list[str]]] = {}
        glance = str(self.paths.etc / "glance" / "glance-api.conf")
        jobs["glance"] = [[self.bin("glance-manage"), "--config-file", glance, "db_sync"]]
        jobs["central-neutron"] = self.neutron_sync("central")
        for pod in pods_of(self.state.pods):
            etc = self.paths.etc / pod.key
            placement = str(etc / "placement" / "placement.conf")
            jobs[f"{pod.key}-placement"] = [
                [self.bin("placement-manage"), "--config-file", placement, "db", "sync"]
            ]
            jobs[f"{pod.key}-neutron"] = self.neutron_sync(pod.key)
            cinder = str(etc / "cinder" / "cinder.conf")
            jobs[f"{pod.key}-cinder"] = [
                [self.bin("cinder-manage"), "--config-file", cinder, "db", "sync"]
            ]
            nova = [self.bin("nova-manage"), "--config-file", str(etc / "nova" / "nova.conf")]
            cell0 = self.config.db_url(f"{INSTANCE}_{pod.key}_nova_cell0")
            jobs[f"{pod.key}-nova"] = [
                [*nova, "api_db", "sync"],
                [*nova, "cell_v2", "map_cell0", "--database_connection", cell0],
                [*nova, "cell_v2", "create_cell", "--name", "cell1", "--verbose"],
                [*nova, "db", "sync"],
            ]
        return {name: cmds for name, cmds in jobs.items() if name not in self.state.done}

    def neutron_sync(self, key: str) -> list[list[str]]:
        etc = self.paths.etc / key / "neutron"
        return [
            [
                self.bin("neutron-db-manage"),
                "--config-file",
                str(etc / "neutron.conf"),
                "--config-file",
                str(etc / "ml2_conf.ini"),
                "upgrade",
                "head",
            ]
        ]

    def run_init_job(self, name: str, commands: list[list[str]]) -> None:
        log = self.paths.log(f"init-{name}")
        for command in commands:
            if "create_cell" in command and " cell1 " in run(
                [*command[:3], "cell_v2", "list_cells"]
            ):
                continue  # create_cell is the one step that is not idempotent
            run(command, log)
        self.mark_done(name)

    # ---- services

    def uwsgi(
        self,
        name: str,
        port: int,
        module: str,
        env: dict[str, str],
        processes: int = 1,
        *extra: str,
    ) -> Service:
        argv = [
            self.bin("uwsgi"),
            *UWSGI_FLAGS,
            *("--http-socket", f"{HOST}:{port}"),
            *("--virtualenv", str(self.venv)),
            *("--module", module),
            *("--processes", str(processes)),
            *("--procname-prefix", f"{name}-"),
            *extra,
        ]
        return Service(name, argv, env=env, port=port, check_url=f"http://{HOST}:{port}/")

    def daemon(self, name: str, command: str, *config_files: Path) -> Service:
        argv = [self.bin(command)]
        for path in config_files:
            argv += ["--config-file", str(path)]
        return Service(name, argv)

    def central_services(self) -> list[Service]:
        keystone = self.paths.etc / "keystone"
        glance = self.paths.etc / "glance"
        neutron = self.paths.etc / "central" / "neutron"
        return [
            self.uwsgi(
                "keystone",
                KEYSTONE_PORT,
                "keystone.wsgi.api:application",
                {"OS_KEYSTONE_CONFIG_DIR": str(keystone)},
                2,
            ),
            Service(
                "glance-api",
                [
                    self.bin("glance-api"),
                    "--config-file",
                    str(glance / "glance-api.conf"),
                    "--config-file",
                    str(glance / "glance-api-paste.ini"),
                ],
                port=GLANCE_PORT,
                check_url=f"{GLANCE_URL}/",
            ),
            *self.neutron_services("central", neutron, CENTRAL_NEUTRON_PORT),
        ]

    def neutron_services(self, key: str, etc: Path, port: int) -> list[Service]:
        env = {
            "OS_NEUTRON_CONFIG_DIR": str(etc),
            "OS_NEUTRON_CONFIG_FILES": "neutron.conf;ml2_conf.ini",
        }
        return [
            self.uwsgi(f"{key}-neutron-api", port, "neutron.wsgi.api:application", env),
            # this release has no neutron-server: agents' RPC is served by its own process
            self.daemon(
                f"{key}-neutron-rpc",
                "neutron-rpc-server",
                etc / "neutron.conf",
                etc / "ml2_conf.ini",
            ),
        ]

    def pod_services(self, pod: Pod) -> list[Service]:
        etc = self.paths.etc / pod.key
        nova = etc / "nova" / "nova.conf"
        cinder = etc / "cinder" / "cinder.conf"
        return [
            self.uwsgi(
                f"{pod.key}-placement",
                pod.port("placement"),
                "placement.wsgi.api:application",
                {"OS_PLACEMENT_CONFIG_DIR": str(etc / "placement")},
            ),
            self.uwsgi(
                f"{pod.key}-nova-api",
                pod.port("nova"),
                "nova.wsgi.osapi_compute:application",
                {"OS_NOVA_CONFIG_DIR": str(etc / "nova")},
            ),
            self.daemon(f"{pod.key}-nova-conductor", "nova-conductor", nova),
            self.daemon(f"{pod.key}-nova-scheduler", "nova-scheduler", nova),
            # nova-compute must not have database access: it gets the file without connections
            replace(
                self.daemon(
                    f"{pod.key}-nova-compute", "nova-compute", etc / "nova" / "nova-compute.conf"
                ),
                env={"PYTHONPATH": str(etc / "nova" / "drivers")},
            ),
            *self.neutron_services(pod.key, etc / "neutron", pod.port("neutron")),
            *self.agent_services(pod),
            self.uwsgi(
                f"{pod.key}-cinder-api",
                pod.port("cinder"),
                "cinder.wsgi.api:application",
                {},
                1,
                "--pyargv",
                f"--config-file {cinder}",
            ),
            self.daemon(f"{pod.key}-cinder-scheduler", "cinder-scheduler", cinder),
            replace(
                self.daemon(f"{pod.key}-cinder-volume", "cinder-volume", cinder),
                env={"PYTHONPATH": str(etc / "cinder" / "drivers")},
            ),
        ]

    def agent_services(self, pod: Pod) -> list[Service]:
        """The pod's Neutron agents: the fake OVS agent, or (data-plane lab) the pod's Open
        vSwitch and the real OVS and L3 agents, in the pod's namespace."""
        neutron_conf = self.paths.etc / pod.key / "neutron" / "neutron.conf"
        if not self.state.dataplane:
            return [
                Service(
                    f"{pod.key}-fake-ovs-agent",
                    [
                        *(self.bin("python"), str(FAKE_AGENT)),
                        *("--config-file", str(neutron_conf)),
                        *("--agent-host", pod.compute_host),
                    ],
                )
            ]
        ovs_ini = self.paths.etc / pod.key / "agents" / "openvswitch_agent.ini"
        l3_ini = self.paths.etc / pod.key / "agents" / "l3_agent.ini"
        in_pod = ["ip", "netns", "exec", pod.netns]
        agent_env = {
            "PATH": f"{self.venv / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin",
            "OVS_RUNDIR": str(self.paths.ovs_run(pod.key)),
        }
        return [
            *self.ovs_services(pod),
            Service(
                f"{pod.key}-ovs-agent",
                [
                    *in_pod,
                    self.bin("neutron-openvswitch-agent"),
                    *("--config-file", str(neutron_conf), "--config-file", str(ovs_ini)),
                ],
                env=agent_env,
            ),
            Service(
                f"{pod.key}-l3-agent",
                [
                    *in_pod,
                    # `ip netns exec` gave the agent a mount namespace of its own: there, its
                    # router namespaces live in a folder of the pod (its start-up cleanup of
                    # "stale" routers never reaches another pod's, nor the machine's).
                    *("sh", "-c", 'mount --bind "$0" /run/netns && exec "$@"'),
                    str(self.paths.private_netns(pod.key)),
                    self.bin("neutron-l3-agent"),
                    *("--config-file", str(neutron_conf), "--config-file", str(l3_ini)),
                ],
                env=agent_env,
            ),
        ]

    def ovs_services(self, pod: Pod) -> list[Service]:
        """A data-plane pod's ovsdb-server (a unix socket: anywhere) and ovs-vswitchd (in the
        pod's namespace: its bridges' devices appear there)."""
        run_dir = self.paths.ovs_run(pod.key)
        env = {"OVS_RUNDIR": str(run_dir), "OVS_DBDIR": str(run_dir), "OVS_LOGDIR": str(run_dir)}
        return [
            Service(
                f"{pod.key}-ovsdb-server",
                [
                    self.which("ovsdb-server") or "ovsdb-server",
                    str(self.paths.data / pod.key / "ovs" / "conf.db"),
                    f"--remote=p{self.paths.ovsdb(pod.key)}",
                    f"--unixctl={run_dir / 'ovsdb-server.ctl'}",
                    "-vconsole:info",
                ],
                env=env,
            ),
            Service(
                f"{pod.key}-ovs-vswitchd",
                [
                    *("ip", "netns", "exec", pod.netns),
                    self.which("ovs-vswitchd") or "ovs-vswitchd",
                    self.paths.ovsdb(pod.key),
                    f"--unixctl={run_dir / 'ovs-vswitchd.ctl'}",
                    "-vconsole:info",
                ],
                env=env,
            ),
        ]

    def forwarder_service(self) -> Service:
        return Service(
            NETNS_FORWARDER,
            [
                *(self.bin("python"), str(NETNS_FORWARD)),
                *("--port", str(self.state.mq_port)),
                *[arg for pod in pods_of(self.state.pods) for arg in ("--netns", pod.netns)],
            ],
        )

    def all_services(self) -> list[Service]:
        services = [*self.infra_services(), *self.central_services()]
        if self.state.dataplane:
            services.append(self.forwarder_service())
        for pod in pods_of(self.state.pods):
            services += self.pod_services(pod)
        return services

    def start_missing(self, services: list[Service]) -> list[Service]:
        """Starts the services that are not running, and restarts those whose configuration
        changed since they started."""
        changed = [
            service.name
            for service in services
            if self.procs.pid(service.name) is not None
            and self.procs.stamp(service.name) != config_stamp(service, self.paths.etc)
        ]
        if changed:
            say(f"configuration changed, restarting: {', '.join(changed)}")
            self.procs.stop(changed)
        started = []
        for service in services:
            if self.procs.pid(service.name) is None:
                self.procs.start(service)
                started.append(service)
        return started

    def wait_http(self, services: list[Service], timeout: float = HTTP_TIMEOUT) -> None:
        pending = [s for s in services if s.check_url]
        deadline = time.monotonic() + timeout
        while pending:
            for service in list(pending):
                if answers(service.check_url or ""):
                    pending.remove(service)
                elif self.procs.pid(service.name) is None:
                    raise LabError(self.failure(service.name, "exited before answering"))
            if pending and time.monotonic() > deadline:
                service = pending[0]
                raise LabError(
                    self.failure(service.name, f"did not answer {service.check_url} in {timeout}s")
                )
            if pending:
                time.sleep(0.5)
        for service in services:  # daemons without an HTTP endpoint must at least still run
            if self.procs.pid(service.name) is None:
                raise LabError(self.failure(service.name, "exited"))

    def write_configs(self) -> None:
        self.config.keystone()
        self.config.glance()
        self.config.neutron("central", TOP_REGION, None)
        for pod in pods_of(self.state.pods):
            self.config.placement(pod)
            self.config.nova(pod)
            self.config.neutron(pod.key, pod.region, pod)
            self.config.cinder(pod)
            if self.state.dataplane:
                self.config.dataplane_agents(pod)
            (self.paths.data / pod.key / "nova" / "instances").mkdir(parents=True, exist_ok=True)
        for sub in ("glance/images", "glance/staging", "glance/tasks"):
            (self.paths.data / sub).mkdir(parents=True, exist_ok=True)

    # ---- Keystone content

    def register(self) -> None:
        token, _ = get_token()
        keystone = Keystone(token)
        regions = [TOP_REGION] + [pod.region for pod in pods_of(self.state.pods)]
        for region in regions:
            keystone.ensure_region(region)
        for role in ("admin", "member", "reader", "service"):
            keystone.ensure_role(role)
        members = ("demo", "alt_demo", "top_only")
        projects = {name: keystone.ensure_project(name) for name in ("admin", *members)}
        projects["service"] = keystone.ensure_project("service")
        for user, (project, roles) in USERS.items():
            user_id = keystone.ensure_user(user, projects[project])
            for role in roles:
                keystone.grant(projects[project], user_id, role)
        for user in SERVICE_USERS:
            user_id = keystone.ensure_user(user, projects["service"])
            for role in SERVICE_USER_ROLES:
                keystone.grant(projects["service"], user_id, role)

        endpoints: dict[tuple[str, str], str] = {}  # (service type, region) -> URL
        for region in regions:
            endpoints[("identity", region)] = KEYSTONE_URL
            endpoints[("image", region)] = GLANCE_URL  # one Glance for every region
        # The top region's compute, volume and network APIs are Tricircle's gateway.
        endpoints[("compute", TOP_REGION)] = f"{TRICIRCLE_URL}/compute/v2.1"
        endpoints[("volumev3", TOP_REGION)] = f"{TRICIRCLE_URL}/volume/v3"
        endpoints[("block-storage", TOP_REGION)] = f"{TRICIRCLE_URL}/volume/v3"
        endpoints[("network", TOP_REGION)] = f"{TRICIRCLE_URL}/networking"
        endpoints[("placement", TOP_REGION)] = f"{TRICIRCLE_URL}/placement"
        endpoints[("tricircle", TOP_REGION)] = f"{TRICIRCLE_URL}/v1.0"
        for pod in pods_of(self.state.pods):
            endpoints[("compute", pod.region)] = pod.nova_url
            endpoints[("placement", pod.region)] = pod.url("placement")
            endpoints[("network", pod.region)] = pod.url("neutron")
            endpoints[("volumev3", pod.region)] = pod.cinder_url
            endpoints[("block-storage", pod.region)] = pod.cinder_url
        keystone.ensure_endpoints(endpoints)
        # Keystone's endpoint filtering: projects in this group see the top region alone.
        top_only = keystone.ensure_endpoint_group(TOP_ONLY_GROUP, {"region_id": TOP_REGION})
        for project in members:
            filtered = project == "top_only" or self.state.hide_pods
            keystone.filter_catalog(top_only, projects[project], filtered)
        # Pods beyond the current count (an earlier `up --pods 3`) leave the catalog.
        for region in keystone.regions():
            if region.startswith("Pod") and region not in regions:
                keystone.remove_region(region)

    # ---- seeding pods

    def seed_image(self) -> str:
        token, _ = get_token()
        images = expect(
            http("GET", f"{GLANCE_URL}/v2/images?name={IMAGE_NAME}", token=token), "list images"
        )["images"]
        for image in images:
            if image["status"] == "active":
                return image["id"]
            http("DELETE", f"{GLANCE_URL}/v2/images/{image['id']}", token=token)  # failed upload
        image = expect(
            http(
                "POST",
                f"{GLANCE_URL}/v2/images",
                token=token,
                json_body={
                    "name": IMAGE_NAME,
                    "disk_format": "raw",
                    "container_format": "bare",
                    "visibility": "public",
                },
            ),
            "create image",
        )
        expect(
            http(
                "PUT",
                f"{GLANCE_URL}/v2/images/{image['id']}/file",
                token=token,
                data=bytes(IMAGE_SIZE),
                headers={"Content-Type": "application/octet-stream"},
            ),
            "upload image",
        )
        return image["id"]

    def seed_pod(self, pod: Pod) -> None:
        token, _ = get_token()
        nova = pod.nova_url
        compute = f"{pod.key}-nova-compute"
        self.wait_for(
            compute,
            "a nova-compute service up since its start",
            lambda: any(
                s["state"] == "up" and self.reported_since_start(compute, s["updated_at"])
                for s in http("GET", f"{nova}/os-services?binary=nova-compute", token=token).body[
                    "services"
                ]
            ),
        )
        if f"{pod.key}-discovered" not in self.state.done:
            conf = str(self.paths.etc / pod.key / "nova" / "nova.conf")
            run(
                [self.bin("nova-manage"), "--config-file", conf, "cell_v2", "discover_hosts"],
                self.paths.log(f"init-{pod.key}-nova"),
            )
            self.mark_done(f"{pod.key}-discovered")
        for flavor_id, name, ram, vcpus, disk in FLAVORS:
            if http("GET", f"{nova}/flavors/{flavor_id}", token=token).status == 404:
                body = {"flavor": {"id": flavor_id, "name": name, "ram": ram}}
                body["flavor"] |= {"vcpus": vcpus, "disk": disk}
                expect(http("POST", f"{nova}/flavors", token=token, json_body=body), "flavor")
        placement = pod.url("placement")
        self.wait_for(
            f"{pod.key}-nova-compute",
            "a resource provider in placement",
            lambda: bool(
                http("GET", f"{placement}/resource_providers", token=token).body.get(
                    "resource_providers"
                )
            ),
        )
        neutron = pod.url("neutron")
        agents = [(f"{pod.key}-fake-ovs-agent", "Open vSwitch agent")]
        if self.state.dataplane:
            agents = [(f"{pod.key}-ovs-agent", "Open vSwitch agent")]
            agents.append((f"{pod.key}-l3-agent", "L3 agent"))

        def alive(name: str, kind: str) -> bool:
            return any(
                agent["alive"]
                and agent["agent_type"] == kind
                and self.reported_since_start(name, agent["heartbeat_timestamp"])
                for agent in http(
                    "GET", f"{neutron}/v2.0/agents?host={pod.compute_host}", token=token
                ).body["agents"]
            )

        for agent_name, agent_type in agents:
            self.wait_for(
                agent_name,
                f"an alive {agent_type} in Neutron",
                functools.partial(alive, agent_name, agent_type),
            )

    def reported_since_start(self, service: str, timestamp: str | None) -> bool:
        """Whether a heartbeat (UTC, from an API) is newer than the service's (re)start.

        Right after a restart the database still shows the previous process's recent heartbeat.
        """
        if not timestamp:
            return False
        started = self.procs.pidfile(service).stat().st_mtime
        seen = datetime.fromisoformat(timestamp.rstrip("Z")).replace(tzinfo=UTC).timestamp()
        return seen >= started - 1

    def wait_for(
        self, service: str, what: str, predicate: Callable[[], bool], timeout: float = 180
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if predicate():
                    return
            except (OSError, urllib.error.URLError, KeyError, TypeError, AttributeError):
                pass  # not ready yet
            if self.procs.pid(service) is None:
                raise LabError(self.failure(service, f"exited before {what}"))
            if time.monotonic() > deadline:
                raise LabError(self.failure(service, f"did not show {what} in {timeout}s"))
            time.sleep(1)

    # ---- outputs

    def write_outputs(self, image_id: str) -> None:
        pods = pods_of(self.state.pods)
        lab_json = {
            "keystone_url": KEYSTONE_URL,
            "top_region": TOP_REGION,
            "central_neutron_url": CENTRAL_NEUTRON_URL,
            "glance_url": GLANCE_URL,
            "image_id": image_id,
            "image_name": IMAGE_NAME,
            "tricircle_url": TRICIRCLE_URL,
            "openstack_cli": self.bin("openstack"),
            "venv": str(self.venv),
            "lab_dir": str(self.paths.root),
            "clouds_yaml": str(self.paths.root / "clouds.yaml"),
            "pods": [
                {
                    "region_name": pod.region,
                    "az_name": pod.az,
                    "nova_url": pod.nova_url,
                    "neutron_url": pod.url("neutron"),
                    "cinder_url": pod.cinder_url,
                    "placement_url": pod.url("placement"),
                    "novnc_url": pod.url("novnc"),
                    # The message bus of the pod's services (Tricircle's onboarding takes it:
                    # the pods' Neutron learn each other's VXLAN endpoints over it).
                    "transport_url": self.config.transport_url(f"{INSTANCE}_{pod.key}"),
                }
                for pod in pods
            ],
            "users": {
                user: {"project": project, "password": PASSWORD}
                for user, (project, _) in USERS.items()
            },
            "flavors": [
                {"id": fid, "name": name, "ram": ram, "vcpus": vcpus, "disk": disk}
                for fid, name, ram, vcpus, disk in FLAVORS
            ],
            "dataplane": self.dataplane_facts() if self.state.dataplane else None,
        }
        write_if_changed(self.paths.root / "lab.json", json.dumps(lab_json, indent=2) + "\n")

        regions = ", ".join([TOP_REGION] + [pod.region for pod in pods])
        clouds = ["clouds:"]
        for cloud, user in (
            ("lab-admin", "admin"),
            ("lab-demo", "demo"),
            ("lab-alt", "alt_demo"),
            ("lab-tricircle", "tricircle"),
            ("lab-top-only", "top_only"),
        ):
            clouds += [
                f"  {cloud}:",
                "    auth:",
                f"      auth_url: {KEYSTONE_URL}",
                f"      username: {user}",
                f"      password: {PASSWORD}",
                f"      project_name: {USERS[user][0]}",
                "      user_domain_name: Default",
                "      project_domain_name: Default",
                "    identity_api_version: 3",
            ]
            if user != "top_only":  # its catalog has one region: clients need not be told
                clouds += [f"    region_name: {TOP_REGION}", f"    regions: [{regions}]"]
        write_if_changed(self.paths.root / "clouds.yaml", "\n".join(clouds) + "\n")

        # No OS_REGION_NAME on purpose: with it set, the CLI rejects any --os-region-name.
        write_if_changed(
            self.paths.root / "openrc",
            "\n".join(
                [
                    "# admin of the lab; pick a region with --os-region-name Pod1 (or OS_CLOUD)",
                    f"export OS_AUTH_URL={KEYSTONE_URL}",
                    "export OS_USERNAME=admin",
                    f"export OS_PASSWORD={PASSWORD}",
                    "export OS_PROJECT_NAME=admin",
                    "export OS_USER_DOMAIN_NAME=Default",
                    "export OS_PROJECT_DOMAIN_NAME=Default",
                    "export OS_IDENTITY_API_VERSION=3",
                    f"export OS_CLIENT_CONFIG_FILE={self.paths.root / 'clouds.yaml'}",
                    f"export PATH={self.venv / 'bin'}:$PATH",
                    "",
                ]
            ),
        )
        write_if_changed(
            self.paths.root / "tricircle.env",
            "\n".join(
                [
                    f"TRICIRCLE_KEYSTONE_URL={KEYSTONE_URL}",
                    f"TRICIRCLE_TOP_REGION={TOP_REGION}",
                    "TRICIRCLE_SERVICE_USERNAME=tricircle",
                    f"TRICIRCLE_SERVICE_PASSWORD={PASSWORD}",
                    "TRICIRCLE_SERVICE_PROJECT=service",
                    f"TRICIRCLE_CENTRAL_NEUTRON_URL={CENTRAL_NEUTRON_URL}",
                    "",
                ]
            ),
        )

    # ---- commands

    def up(
        self, pod_count: int | None, hide_pods: bool | None = None, dataplane: bool | None = None
    ) -> None:
        self.paths.make()
        if hide_pods is not None:
            self.state.hide_pods = hide_pods
        if dataplane is not None:
            self.state.dataplane = dataplane
        count = pod_count or self.state.pods or DEFAULT_PODS
        if not 1 <= count <= MAX_PODS or Pod(count).port("neutron") > 65535:
            raise LabError(f"--pods must be between 1 and {MAX_PODS} (fewer with LAB_PORT_SHIFT)")
        if count < self.state.pods:  # pods dropped since last time stop; their data stays
            dropped = [
                s.name for p in pods_of(self.state.pods)[count:] for s in self.pod_services(p)
            ]
            self.procs.stop(dropped)
        self.state.pods = count
        # What the other mode ran (fake agents, or the data plane's OVS and agents) stops.
        wanted = {service.name for service in self.all_services()}
        self.procs.stop([name for name in self.procs.recorded() if name not in wanted])
        if not self.state.dataplane and self.lab_namespaces():
            self.remove_namespaces()
        mode = ", data plane" if self.state.dataplane else ""
        say(f"lab in {self.paths.root}, {count} pods{mode}, venv {self.venv}")
        self.ensure_venv()
        self.choose_infra()
        say(f"infrastructure: MariaDB {self.state.db_mode}, RabbitMQ {self.state.mq_mode}")
        self.start_infra()
        if self.state.dataplane:
            self.start_dataplane()
        self.write_configs()
        self.ensure_databases()
        self.ensure_vhosts()
        say("databases and vhosts ready")

        self.keystone_init()
        keystone = self.central_services()[0]
        self.start_missing([keystone])
        jobs = self.init_jobs()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)
        futures = {pool.submit(self.run_init_job, name, cmds): name for name, cmds in jobs.items()}
        if jobs:
            say(f"syncing schemas: {', '.join(jobs)}")
        self.wait_http([keystone])
        self.register()
        say("Keystone up, regions/users/endpoints registered")
        for future in concurrent.futures.as_completed(futures):
            future.result()
        pool.shutdown()
        if jobs:
            say("schemas synced")

        services = self.central_services() + [
            s for pod in pods_of(count) for s in self.pod_services(pod)
        ]
        started = self.start_missing(services)
        if started:
            say(f"started {len(started)} services, waiting for their APIs")
        self.wait_http(services)
        say("all APIs answer")
        image_id = self.seed_image()
        with concurrent.futures.ThreadPoolExecutor(max_workers=MAX_PODS) as seeders:
            for future in [seeders.submit(self.seed_pod, pod) for pod in pods_of(count)]:
                future.result()
        agents = "OVS and L3 agents" if self.state.dataplane else "fake OVS agents"
        say(f"pods seeded: compute hosts mapped, flavors, {agents} alive")
        self.write_outputs(image_id)
        memory, processes = self.procs.memory_mib()
        say(
            f"lab up in {time.monotonic() - T0:.0f}s; {processes} processes use {memory:.0f} MiB; "
            f"see {self.paths.root / 'lab.json'}"
        )

    def dataplane_facts(self) -> dict[str, Any]:
        """What tests/lab/dataplane.py needs to plug namespaces into the pods."""
        return {
            "namespace_prefix": f"{INSTANCE}-",
            "fabric_netns": FABRIC_NETNS,
            "physical_network": DATAPLANE_PHYSNET,
            "fabric_physnet_bridge": DATAPLANE_PHYSNET,  # a Linux bridge in the fabric namespace
            "pods": {
                pod.region: {
                    "netns": pod.netns,
                    "host": pod.compute_host,
                    "ovsdb": self.paths.ovsdb(pod.key),
                    "ovs_rundir": str(self.paths.ovs_run(pod.key)),
                    "integration_bridge": DATAPLANE_BRIDGES["integration"],
                    "tunnel_ip": pod.tunnel_ip,
                }
                for pod in pods_of(self.state.pods)
            },
        }

    def down(self) -> None:
        names = self.procs.recorded()
        services = [n for n in names if n not in INFRA_NAMES]  # first: they use the infra
        stopped = self.procs.stop(services)
        if self.procs.pid("rabbitmq") is not None:
            with contextlib.suppress(LabError):  # a clean stop keeps the node's data consistent
                self.rabbitmqctl(["-q", "stop"])
        stopped += self.procs.stop([n for n in INFRA_NAMES if n in names])
        say(f"stopped {len(stopped)} services" if stopped else "nothing was running")
        self.remove_namespaces()  # the data-plane lab's (none otherwise)

    def stop(self, names: list[str]) -> None:
        """Stop some services (fault tests); `up` starts them again."""
        unknown = sorted(set(names) - set(self.procs.recorded()))
        if unknown:
            raise LabError(f"not services of the lab: {', '.join(unknown)}")
        say(f"stopped {', '.join(self.procs.stop(names)) or 'nothing'}")

    def wipe(self) -> None:
        self.down()
        if self.state.db_mode == "shared" and self.shared_mariadb_works():
            rows = self.sql(f"SHOW DATABASES LIKE '{INSTANCE}\\_%'").split()
            drops = [f"DROP DATABASE IF EXISTS `{name}`" for name in rows]
            drops += [f"DROP USER IF EXISTS '{DB_USER}'@'{h}'" for h in ("localhost", HOST)]
            self.sql(";\n".join(drops))
            say(f"dropped {len(rows)} databases {INSTANCE}_* and user {DB_USER}")
        if self.state.mq_mode == "shared" and self.shared_rabbitmq_works():
            vhosts = [
                v
                for v in self.rabbitmqctl(["-q", "list_vhosts"]).split()
                if v.startswith(f"{INSTANCE}_")
            ]
            for vhost in vhosts:
                self.rabbitmqctl(["-q", "delete_vhost", vhost])
            users = self.rabbitmqctl(["-q", "list_users"])
            if any(line.split("\t")[0] == MQ_USER for line in users.splitlines()):
                self.rabbitmqctl(["-q", "delete_user", MQ_USER])
            say(f"deleted {len(vhosts)} vhosts {INSTANCE}_* and user {MQ_USER}")
        if self.paths.root.exists():
            shutil.rmtree(self.paths.root)
        say(f"removed {self.paths.root}")

    def status(self) -> bool:
        if not self.state.pods:
            print(f"no lab in {self.paths.root} (run: lab.py up)")
            return False
        healthy = True
        if self.state.dataplane:
            print(
                f"data-plane lab: Open vSwitch (netdev), OVS and L3 agents in namespaces "
                f"{', '.join(pod.netns for pod in pods_of(self.state.pods))}; "
                f"{len(self.lab_namespaces())} namespaces {INSTANCE}-*"
            )
        print(f"{'service':28} {'pid':>8} {'port':>6}  state")
        if self.state.db_mode == "shared":
            healthy &= self.status_line("mariadb (shared)", None, SHARED_MARIADB_PORT, None)
        if self.state.mq_mode == "shared":
            healthy &= self.status_line("rabbitmq (shared)", None, SHARED_RABBIT_PORT, None)
        for service in self.all_services():
            pid = self.procs.pid(service.name)
            healthy &= self.status_line(service.name, pid, service.port, service.check_url, True)
        memory, processes = self.procs.memory_mib()
        print(
            f"{processes} processes, {memory:.0f} MiB RSS; "
            + ("all up" if healthy else "NOT all up")
        )
        return healthy

    @staticmethod
    def status_line(
        name: str, pid: int | None, port: int | None, url: str | None, managed: bool = False
    ) -> bool:
        if managed and pid is None:
            ok, state = False, "stopped"
        elif url:
            ok = answers(url)
            state = "answers" if ok else "NOT answering"
        elif port:
            ok = port_open(port)
            state = "listening" if ok else "NOT listening"
        else:
            ok, state = True, "running"
        print(f"{name:28} {pid or '-':>8} {port or '-':>6}  {state}")
        return ok


STATE_LOCK = threading.Lock()


class Keystone:
    """Idempotent Keystone v3 admin calls."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.roles: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None, *ok: int) -> Any:
        response = http(method, f"{KEYSTONE_URL}{path}", token=self.token, json_body=body)
        return expect(response, f"Keystone {method} {path}", *ok)

    def regions(self) -> list[str]:
        return [r["id"] for r in self.call("GET", "/regions")["regions"]]

    def ensure_region(self, region: str) -> None:
        if http("GET", f"{KEYSTONE_URL}/regions/{region}", token=self.token).status == 404:
            self.call("POST", "/regions", {"region": {"id": region}})

    def remove_region(self, region: str) -> None:
        for endpoint in self.call("GET", f"/endpoints?region_id={region}")["endpoints"]:
            self.call("DELETE", f"/endpoints/{endpoint['id']}")
        self.call("DELETE", f"/regions/{region}")

    def ensure_role(self, name: str) -> None:
        found = self.call("GET", f"/roles?name={name}")["roles"]
        role = found[0] if found else self.call("POST", "/roles", {"role": {"name": name}})["role"]
        self.roles[name] = role["id"]

    def ensure_project(self, name: str) -> str:
        found = self.call("GET", f"/projects?name={name}&domain_id=default")["projects"]
        if found:
            return found[0]["id"]
        body = {"project": {"name": name, "domain_id": "default", "enabled": True}}
        return self.call("POST", "/projects", body)["project"]["id"]

    def ensure_user(self, name: str, project_id: str) -> str:
        found = self.call("GET", f"/users?name={name}&domain_id=default")["users"]
        if found:
            return found[0]["id"]
        body = {
            "user": {
                "name": name,
                "password": PASSWORD,
                "domain_id": "default",
                "default_project_id": project_id,
                "enabled": True,
            }
        }
        return self.call("POST", "/users", body)["user"]["id"]

    def grant(self, project_id: str, user_id: str, role: str) -> None:
        path = f"/projects/{project_id}/users/{user_id}/roles/{self.roles[role]}"
        self.call("PUT", path, None, 200, 204)

    def ensure_endpoint_group(self, name: str, filters: dict[str, str]) -> str:
        found = self.call("GET", f"/OS-EP-FILTER/endpoint_groups?name={name}")["endpoint_groups"]
        if found:
            return found[0]["id"]
        body = {"endpoint_group": {"name": name, "filters": filters}}
        return self.call("POST", "/OS-EP-FILTER/endpoint_groups", body)["endpoint_group"]["id"]

    def filter_catalog(self, group_id: str, project_id: str, filtered: bool) -> None:
        """Adds the project to the endpoint group (its catalog shows the group's endpoints
        only) or takes it out (the whole catalog)."""
        path = f"{KEYSTONE_URL}/OS-EP-FILTER/endpoint_groups/{group_id}/projects/{project_id}"
        member = http("GET", path, token=self.token).status == 200
        if filtered and not member:
            self.call("PUT", path.removeprefix(KEYSTONE_URL), None, 200, 204)
        elif member and not filtered:
            self.call("DELETE", path.removeprefix(KEYSTONE_URL), None, 200, 204)

    def ensure_endpoints(self, wanted: dict[tuple[str, str], str]) -> None:
        services = {s["type"]: s["id"] for s in self.call("GET", "/services")["services"]}
        for service_type in sorted({t for t, _ in wanted}):
            if service_type not in services:
                name = {"volumev3": "cinderv3", "block-storage": "cinder"}.get(service_type)
                body = {"service": {"type": service_type, "name": name or service_type}}
                services[service_type] = self.call("POST", "/services", body)["service"]["id"]
        existing = self.call("GET", "/endpoints")["endpoints"]
        index = {(e["service_id"], e["region_id"], e["interface"]): e for e in existing}
        for (service_type, region), url in wanted.items():
            service_id = services[service_type]
            for interface in ("public", "internal", "admin"):
                endpoint = index.get((service_id, region, interface))
                if endpoint is None:
                    body = {
                        "endpoint": {
                            "service_id": service_id,
                            "region_id": region,
                            "interface": interface,
                            "url": url,
                        }
                    }
                    self.call("POST", "/endpoints", body)
                elif endpoint["url"] != url:
                    self.call("PATCH", f"/endpoints/{endpoint['id']}", {"endpoint": {"url": url}})


def hold_lock(paths: Paths) -> None:
    """Serialises up/down/wipe: test sessions running side by side all call `up`."""
    lock_file = paths.root.parent / f".{paths.root.name}.lock"  # outside LAB_DIR: wipe deletes it
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_file.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say(f"waiting for another lab.py working on {paths.root}")
        fcntl.flock(handle, fcntl.LOCK_EX)
    LOCKS.append(handle)  # held until the process exits


LOCKS: list[Any] = []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the lab (idempotent)")
    up.add_argument(
        "--pods", type=int, default=None, help=f"number of pods (default {DEFAULT_PODS})"
    )
    catalog = up.add_mutually_exclusive_group()
    catalog.add_argument(
        "--hide-pods",
        action="store_true",
        default=None,
        help="filter demo and alt_demo's catalogs to the top region (kept until --show-pods)",
    )
    catalog.add_argument(
        "--show-pods",
        dest="hide_pods",
        action="store_false",
        help="show the pods in demo and alt_demo's catalogs again (the default)",
    )
    plane = up.add_mutually_exclusive_group()
    plane.add_argument(
        "--dataplane",
        action="store_true",
        default=None,
        help="real OVS and L3 agents on a userspace Open vSwitch per pod (kept until "
        "--no-dataplane)",
    )
    plane.add_argument(
        "--no-dataplane",
        dest="dataplane",
        action="store_false",
        help="back to the fake OVS agents (the default)",
    )
    commands.add_parser("down", help="stop the lab's processes, keep its data")
    stop = commands.add_parser("stop", help="stop some services (`up` starts them again)")
    stop.add_argument("services", nargs="+", help="e.g. pod2-nova-api (see `status`)")
    commands.add_parser("status", help="show each service; exit 0 only if all answer")
    commands.add_parser("dir", help="print the lab's data folder (lab.json, clouds.yaml ...)")
    commands.add_parser("wipe", help="down + drop the lab's databases, vhosts and data")
    args = parser.parse_args(argv)
    if args.command == "dir":
        print(lab_paths().root)
        return 0
    try:
        if args.command != "status":
            hold_lock(lab_paths())
        lab = Lab()  # after the lock: another run may have just changed the state
        if args.command == "up":
            lab.up(args.pods, args.hide_pods, args.dataplane)
        elif args.command == "down":
            lab.down()
        elif args.command == "stop":
            lab.stop(args.services)
        elif args.command == "wipe":
            lab.wipe()
        elif args.command == "status":
            return 0 if lab.status() else 1
    except LabError as error:
        print(f"lab {args.command} FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
