"""Gateway overhead against the lab: latency through Tricircle divided by latency of the same
call made directly to a pod, measured in one run, interleaved so both see the same load; and
Tricircle's own time in each answer (Server-Timing), which a noisy machine does not hide.

    .venv/bin/python bench/bench_gateway.py [--requests 100] [--warmup 10] [--list-servers 100]
                                            [--first-boots 3] [--later-boots 2] [--parallel 8]

Needs the lab (`python3.11 tests/lab/lab.py up`); starts its own Tricircle on 127.0.0.1:19999
(port must be free) and uses the lab's first two pods. The demo project's compute quotas in
those pods are lifted for the run and put back afterwards. Prints:
- GET /servers/{id}: p50 and p99 through Tricircle vs directly to the server's Nova, after
  --warmup shows each way that are not measured (steady state: a gunicorn worker's first show
  of a server asks the central Neutron for names it then keeps);
- GET /servers/detail: through Tricircle vs the slowest pod alone (each round asks every pod
  directly, in turn, and keeps the slowest), the figure a scatter-gather should approach; with
  --list-servers N, cheap servers (no network) are first booted directly in the two pods, in
  parallel (--parallel at a time), until the demo project has N in all; deleted afterwards;
- Tricircle's own time (`tricircle;dur` of Server-Timing) and the pods' time (`pod;dur`) of
  the answers above and of the boot POSTs: p50 and p99;
- server boot to ACTIVE, through Tricircle minus directly: through Tricircle a boot on a
  network of the top (a first boot in a pod materialises the network there: --first-boots
  networks are made at the top, each first booted on in each pod; later boots find the first
  network), directly the same kind of boot: a port made on a network of the pod, then a boot
  with that port, both timed. Each boot through Tricircle is paired with a direct one made
  right after it in the same pod; medians of the pairs;
- where each boot kind's time goes, through Tricircle and directly (medians): from the POST to
  the pod's nova-compute taking the build, the build itself and its spawn part (nova-compute's
  own "Took N seconds" lines; build minus spawn is mostly the port's binding), and from the
  build's end to ACTIVE seen by the client, read from the pods' nova-compute logs of the lab.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keystoneauth1 import session as ks_session  # noqa: E402

from tests.lab.cli import OpenStackCLI  # noqa: E402
from tests.lab.http_client import user_session  # noqa: E402
from tests.lab.lab import lab_paths  # noqa: E402
from tests.lab.tricircle_server import TricircleServer  # noqa: E402

POLL = 0.2  # seconds between two looks at a booting server (both ways alike)
QUOTA_KEYS = ("instances", "cores", "ram")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def server_timing(header: str) -> dict[str, float]:
    """`pod;dur=12.3, tricircle;dur=1.4, ...` -> {"pod": 12.3, "tricircle": 1.4, ...}"""
    entries = {}
    for item in header.split(","):
        name, _, duration = item.strip().partition(";dur=")
        if duration:
            entries[name] = float(duration)
    return entries


class OwnTimes:
    """Tricircle's own time and the pods' time of answers, per call."""

    def __init__(self) -> None:
        self.own: dict[str, list[float]] = defaultdict(list)
        self.pods: dict[str, list[float]] = defaultdict(list)

    def add(self, call: str, response: Any) -> None:
        entries = server_timing(response.headers.get("Server-Timing", ""))
        if "tricircle" in entries:
            self.own[call].append(entries["tricircle"])
            self.pods[call].append(entries.get("pod", 0.0))

    def print(self) -> None:
        print("\nTricircle's own time (Server-Timing tricircle;dur) and the pods' (pod;dur), ms")
        print(f"{'call':<58} {'answers':>7} {'own p50':>8} {'own p99':>8} {'pods p50':>9}")
        for call, own in self.own.items():
            print(
                f"{'own time, ' + call:<58} {len(own):>7} {statistics.median(own):>8.1f} "
                f"{percentile(own, 0.99):>8.1f} {statistics.median(self.pods[call]):>9.1f}"
            )


def get(session: ks_session.Session, url: str, headers: dict[str, Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = session.get(url, headers=headers, authenticated=False, raise_exc=False)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 400:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code} {response.text[:200]}")
    return elapsed, response


def wait_active(
    session: ks_session.Session, url: str, headers: dict[str, Any], timeout: float = 180
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = session.get(url, headers=headers, authenticated=False).json()["server"]["status"]
        if status == "ACTIVE":
            return
        if status == "ERROR":
            raise RuntimeError(f"{url} went to ERROR")
        time.sleep(POLL)
    raise RuntimeError(f"{url} not ACTIVE in {timeout} s")


def post(
    session: ks_session.Session, url: str, headers: dict[str, Any], body: dict[str, Any]
) -> Any:
    response = session.post(url, json=body, headers=headers, authenticated=False, raise_exc=False)
    if response.status_code >= 400:
        raise RuntimeError(f"POST {url}: HTTP {response.status_code} {response.text[:300]}")
    return response


class Lifted:
    """The demo project's compute quotas in some pods lifted (-1), and put back."""

    def __init__(self, admin: ks_session.Session, project: str, novas: list[str]) -> None:
        self.admin, self.project, self.novas = admin, project, novas
        self.saved: dict[str, tuple[dict[str, Any], bool]] = {}

    def lift(self) -> None:
        for nova in self.novas:
            url = f"{nova}/os-quota-sets/{self.project}"
            current = self.admin.get(url).json()["quota_set"]
            defaults = self.admin.get(f"{url}/defaults").json()["quota_set"]
            same = all(current.get(k) == v for k, v in defaults.items() if k != "id")
            self.saved[nova] = ({k: current[k] for k in QUOTA_KEYS}, same)
            self.admin.put(url, json={"quota_set": dict.fromkeys(QUOTA_KEYS, -1)})

    def restore(self) -> None:
        for nova, (values, were_defaults) in self.saved.items():
            url = f"{nova}/os-quota-sets/{self.project}"
            if were_defaults:  # the project had no quota of its own there
                self.admin.delete(url, raise_exc=False)
            else:
                self.admin.put(url, json={"quota_set": values}, raise_exc=False)


def boot_list_servers(
    session: ks_session.Session,
    novas: list[str],
    all_novas: list[str],
    headers: dict[str, Any],
    wanted: int,
    image: str,
    parallel: int,
    booted: list[tuple[str, str]],
) -> None:
    """Boots servers without network directly in `novas` (alternately) until the demo project
    has `wanted` servers in all the pods; adds (nova, server id) of each to `booted`."""
    have = sum(
        len(session.get(f"{nova}/servers", headers=headers, authenticated=False).json()["servers"])
        for nova in all_novas
    )
    tag = uuid.uuid4().hex[:6]
    plan = [novas[n % len(novas)] for n in range(max(0, wanted - have))]
    if not plan:
        return
    started = time.monotonic()

    def one(index_nova: tuple[int, str]) -> None:
        index, nova = index_nova
        body = {
            "server": {
                "name": f"bench-list-{tag}-{index}",
                "flavorRef": "1",
                "imageRef": image,
                "networks": "none",
            }
        }
        booted.append(
            (nova, post(session, f"{nova}/servers", headers, body).json()["server"]["id"])
        )

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(one, enumerate(plan)))
    deadline = time.monotonic() + 240
    pending = set(novas)
    while pending and time.monotonic() < deadline:
        for nova in list(pending):
            listed = session.get(
                f"{nova}/servers/detail",
                params={"name": f"bench-list-{tag}"},
                headers=headers,
                authenticated=False,
            ).json()["servers"]
            if all(server["status"] in {"ACTIVE", "ERROR"} for server in listed):
                pending.discard(nova)
        time.sleep(1)
    print(
        f"{len(booted)} servers booted directly for the list ({have} there before) in "
        f"{time.monotonic() - started:.0f} s{', some not settled' if pending else ''}",
        flush=True,
    )


def delete_servers(
    session: ks_session.Session,
    headers: dict[str, Any],
    servers: list[tuple[str, str]],
    parallel: int,
) -> None:
    """Deletes (nova, id) servers directly and waits until they are gone (at most 300 s)."""

    def one(nova_id: tuple[str, str]) -> None:
        nova, server_id = nova_id
        url = f"{nova}/servers/{server_id}"
        session.delete(url, headers=headers, authenticated=False, raise_exc=False)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if (
                session.get(url, headers=headers, authenticated=False, raise_exc=False).status_code
                == 404
            ):
                return
            time.sleep(1)

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(one, servers))


# (region, server id, wall time of the POST, wall time ACTIVE was seen) of one boot
Boot = tuple[str, str, float, float]
PHASES = (
    "POST to compute taking it",
    "compute build",
    "  of which spawn",
    "  of which the rest (port binding)",
    "ACTIVE seen after the build's log line",
)


def boot_phases(logs: Path, boot: Boot) -> dict[str, float] | None:
    """A boot's phases (s) from its pod's nova-compute log (the lab's); None if not logged."""
    region, server_id, posted, active = boot
    try:
        # The lab's log files are named after its pods' keys (pod1), their regions Pod1.
        text = (logs / f"{region.lower()}-nova-compute.log").read_text(errors="replace")
    except OSError:
        return None
    lines = [line for line in text.splitlines() if f"[instance: {server_id}]" in line]

    def stamp(line: str) -> float:
        return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()

    built = next((line for line in lines if "seconds to build instance" in line), None)
    spawned = next((line for line in lines if "seconds to spawn" in line), None)
    if not lines or built is None or spawned is None:
        return None
    build = float(re.findall(r"Took ([\d.]+) seconds", built)[0])
    spawn = float(re.findall(r"Took ([\d.]+) seconds", spawned)[0])
    return dict(
        zip(
            PHASES,
            (stamp(lines[0]) - posted, build, spawn, build - spawn, active - stamp(built)),
            strict=True,
        )
    )


def print_boot_phases(logs: Path, traces: dict[str, list[tuple[Boot, Boot]]]) -> None:
    print("\nWhere boot time goes (s, medians): through Tricircle / directly, from the pods'")
    print("nova-compute logs")
    for name, pairs in traces.items():
        through = [boot_phases(logs, pair[0]) for pair in pairs]
        direct = [boot_phases(logs, pair[1]) for pair in pairs]
        if None in through or None in direct:
            print(f"  {name}: not in the nova-compute logs ({logs})")
            continue
        print(f"  {name}:")
        for phase in PHASES:
            through_s = statistics.median(p[phase] for p in through if p)
            direct_s = statistics.median(p[phase] for p in direct if p)
            print(f"    {phase:<40} {through_s:>6.2f} / {direct_s:>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--warmup", type=int, default=10, help="shows before the measured ones (each way)"
    )
    parser.add_argument(
        "--list-servers",
        type=int,
        default=0,
        help="servers the demo project has in all for the list (booted directly as needed)",
    )
    parser.add_argument(
        "--first-boots", type=int, default=3, help="first boots per pod (one network each)"
    )
    parser.add_argument("--later-boots", type=int, default=2, help="later boots per pod")
    parser.add_argument("--parallel", type=int, default=8, help="boots/deletes at a time")
    args = parser.parse_args()
    lab = json.loads((lab_paths().root / "lab.json").read_text())
    lab_pods = lab["pods"][:2]
    server = TricircleServer(lab)
    server.start()
    cli = OpenStackCLI(lab)
    session = user_session(lab, "demo")
    admin = user_session(lab, "admin")
    headers = {"X-Auth-Token": session.get_token(), "X-OpenStack-Nova-API-Version": "2.1"}
    direct_headers = {**headers, "X-OpenStack-Nova-API-Version": "2.37"}
    novas = {pod["region_name"]: pod["nova_url"] for pod in lab_pods}
    neutrons = {pod["region_name"]: pod["neutron_url"] + "/v2.0" for pod in lab_pods}
    quotas = Lifted(admin, str(session.get_project_id()), list(novas.values()))
    created: list[tuple[str, str]] = []  # through Tricircle, deleted with the CLI
    direct_servers: list[tuple[str, str]] = []  # (nova, id)
    direct_ports: list[tuple[str, str]] = []  # (neutron, id)
    direct_nets: list[tuple[str, str]] = []
    list_servers: list[tuple[str, str]] = []  # (nova, id), booted directly for the list
    own = OwnTimes()
    try:
        quotas.lift()
        gateway = f"{lab['tricircle_url']}/compute/v2.1"
        # Top networks: each gets its first boot in each pod; later boots use the first.
        nets = []
        for index in range(max(1, args.first_boots)):
            net = cli("lab-demo", "network", "create", f"bench-{uuid.uuid4().hex[:6]}")
            created.append(("network", net["id"]))
            cli(
                "lab-demo",
                "subnet",
                "create",
                net["name"],
                "--network",
                net["id"],
                "--subnet-range",
                f"10.{50 + index}.0.0/24",
            )
            nets.append(net)
        # The direct boots' network: made in each pod itself, as an operator of the pod would.
        pod_nets = {}
        for region, neutron in neutrons.items():
            made = post(
                session,
                f"{neutron}/networks",
                headers,
                {"network": {"name": f"bench-direct-{uuid.uuid4().hex[:6]}"}},
            ).json()["network"]
            direct_nets.append((neutron, made["id"]))
            post(
                session,
                f"{neutron}/subnets",
                headers,
                {"subnet": {"network_id": made["id"], "cidr": "10.53.0.0/24", "ip_version": 4}},
            )
            pod_nets[region] = made["id"]

        def through(zone: str, network_id: str) -> tuple[str, float, Any]:
            body = {
                "server": {
                    "name": f"bench-{zone}",
                    "flavorRef": "1",
                    "imageRef": lab["image_id"],
                    "networks": [{"uuid": network_id}],
                    "availability_zone": zone,
                }
            }
            posted, started = time.time(), time.perf_counter()
            response = post(session, f"{gateway}/servers", headers, body)
            server_id = response.json()["server"]["id"]
            created.append(("server", server_id))
            wait_active(session, f"{gateway}/servers/{server_id}", headers)
            walls[server_id] = (posted, time.time())
            return server_id, time.perf_counter() - started, response

        def directly(region: str) -> tuple[str, float]:
            posted, started = time.time(), time.perf_counter()
            port = post(
                session,
                f"{neutrons[region]}/ports",
                headers,
                {"port": {"network_id": pod_nets[region], "name": "bench-direct"}},
            ).json()["port"]["id"]
            direct_ports.append((neutrons[region], port))
            body = {
                "server": {
                    "name": "bench-direct",
                    "flavorRef": "1",
                    "imageRef": lab["image_id"],
                    "networks": [{"port": port}],
                }
            }
            response = post(session, f"{novas[region]}/servers", direct_headers, body)
            server_id = response.json()["server"]["id"]
            direct_servers.append((novas[region], server_id))
            wait_active(session, f"{novas[region]}/servers/{server_id}", direct_headers)
            walls[server_id] = (posted, time.time())
            return server_id, time.perf_counter() - started

        def pair(name: str, region: str, server_id: str, seconds: float) -> None:
            direct_id, direct_seconds = directly(region)
            boots[name].append((seconds, direct_seconds))
            traces[name].append(
                (
                    (region, server_id, *walls[server_id]),
                    (region, direct_id, *walls[direct_id]),
                )
            )

        # (tricircle s, direct s) pairs per boot kind
        boots: dict[str, list[tuple[float, float]]] = defaultdict(list)
        traces: dict[str, list[tuple[Boot, Boot]]] = defaultdict(list)
        walls: dict[str, tuple[float, float]] = {}  # server id: (posted, ACTIVE seen)
        servers = {}
        for pod in lab_pods:
            region = pod["region_name"]
            for net in nets:
                server_id, seconds, response = through(pod["az_name"], net["id"])
                own.add("POST /servers, first boot in a pod", response)
                pair(f"first boot in {region} (network made there)", region, server_id, seconds)
                servers.setdefault(region, server_id)
            for _ in range(args.later_boots):
                server_id, seconds, response = through(pod["az_name"], nets[0]["id"])
                own.add("POST /servers, later boot", response)
                pair(f"later boot in {region}", region, server_id, seconds)

        if args.list_servers:
            boot_list_servers(
                session,
                list(novas.values()),
                [pod["nova_url"] for pod in lab["pods"]],
                direct_headers,
                args.list_servers,
                lab["image_id"],
                args.parallel,
                list_servers,
            )

        show_gateway, show_direct = [], []
        region = lab_pods[0]["region_name"]
        server_id = servers[region]
        # Not measured: each gunicorn worker's first show asks the central Neutron for the
        # names it has not shown yet (then kept, see RecentNames); steady state is measured.
        for _ in range(args.warmup):
            get(session, f"{gateway}/servers/{server_id}", headers)
            get(session, f"{novas[region]}/servers/{server_id}", headers)
        for _ in range(args.requests):
            elapsed, response = get(session, f"{gateway}/servers/{server_id}", headers)
            show_gateway.append(elapsed)
            own.add("GET /servers/{id}", response)
            show_direct.append(get(session, f"{novas[region]}/servers/{server_id}", headers)[0])
        list_gateway, list_slowest = [], []
        listed = 0
        list_call = ""
        for _ in range(max(10, args.requests // 4)):
            elapsed, response = get(session, f"{gateway}/servers/detail", headers)
            listed = len(response.json()["servers"])
            list_call = f"GET /servers/detail, {len(lab['pods'])} pods, {listed} servers"
            list_gateway.append(elapsed)
            own.add(list_call, response)
            list_slowest.append(
                max(
                    get(session, f"{pod['nova_url']}/servers/detail", headers)[0]
                    for pod in lab["pods"]
                )
            )

        print(f"\nGateway overhead, {args.requests} requests, {time.strftime('%Y-%m-%d')}")
        print(f"{'call':<58} {'tricircle':>10} {'direct':>10} {'ratio':>7}")
        rows = [
            (
                "GET /servers/{id} p50 (ms)",
                statistics.median(show_gateway),
                statistics.median(show_direct),
            ),
            (
                "GET /servers/{id} p99 (ms)",
                percentile(show_gateway, 0.99),
                percentile(show_direct, 0.99),
            ),
            (
                f"{list_call} p50 vs slowest pod (ms)",
                statistics.median(list_gateway),
                statistics.median(list_slowest),
            ),
        ]
        for name, through_ms, direct_ms in rows:
            print(
                f"{name:<58} {through_ms:>10.1f} {direct_ms:>10.1f} {through_ms / direct_ms:>7.2f}"
            )
        own.print()
        print("\nBoot to ACTIVE (s): through Tricircle, directly (a port made in the pod, then")
        print("a boot with it), and through Tricircle minus directly; medians of the pairs")
        print(f"{'boot':<58} {'tricircle':>10} {'direct':>10} {'minus':>7}")
        for name, pairs in boots.items():
            through_s = statistics.median(pair[0] for pair in pairs)
            direct_s = statistics.median(pair[1] for pair in pairs)
            minus = statistics.median(pair[0] - pair[1] for pair in pairs)
            label = f"boot to ACTIVE, {name}" + (f", {len(pairs)} pairs" if len(pairs) > 1 else "")
            print(f"{label:<58} {through_s:>10.2f} {direct_s:>10.2f} {minus:>7.2f}")
        print_boot_phases(lab_paths().root / "logs", traces)
    finally:
        for kind, resource_id in reversed(created):
            if kind == "server":
                cli.run("lab-demo", "server", "delete", "--wait", resource_id)
        delete_servers(session, direct_headers, list_servers + direct_servers, args.parallel)
        for neutron, port in direct_ports:
            session.delete(
                f"{neutron}/ports/{port}", headers=headers, authenticated=False, raise_exc=False
            )
        for neutron, net_id in direct_nets:
            session.delete(
                f"{neutron}/networks/{net_id}",
                headers=headers,
                authenticated=False,
                raise_exc=False,
            )
        for kind, resource_id in reversed(created):
            if kind == "network":
                cli.run("lab-demo", "network", "delete", resource_id)
        quotas.restore()
        server.stop()


if __name__ == "__main__":
    main()
