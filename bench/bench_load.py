"""Gateway requests per second with N concurrent clients, and the memory of Tricircle's processes.

    .venv/bin/python bench/bench_load.py [--clients 1,16,64] [--seconds 5] [--rounds 4]

Needs the lab (`python3.11 tests/lab/lab.py up`); starts its own Tricircle on 127.0.0.1:19999 as
the lab tests do (gunicorn: 2 gthread workers x 8 threads; one Celery worker with beat), boots
one server in Pod1 through it, then for each client count runs N threads, each with a
keep-alive HTTP session, calling for --seconds:
- GET /compute/v2.1/servers/{id} through Tricircle, and the same on Pod1's Nova directly;
- GET /networking/v2.0/networks through Tricircle, and the same on the central Neutron.
The two ways take turns, --rounds times each (the first way alternating), so a slow spell of
the shared machine falls on both. Prints requests per second of each (all its requests over
all its windows), the ratio through Tricircle / directly and the errors, then the p50 and p99
latency of each, and the CPU time Tricircle's gunicorn processes spent per request through
it, and the CPU of every process of the machine per request each way (what the shared cores
allow: direct / through); then the RSS (from /proc) of each process of the gunicorn and
Celery process groups before and after the load (gunicorn's master and each worker apart).
The clients are Python threads on the same machine: they share its CPUs with the servers, so
these are this machine's figures, not a server's capacity.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keystoneauth1 import session as ks_session  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402

from bench.procstat import (  # noqa: E402
    TRICIRCLE_GUNICORN,
    cpu_seconds_by_part,
    cpu_seconds_since,
    group_processes,
    rss_mib,
)
from tests.lab.lab import lab_paths  # noqa: E402
from tests.lab.tricircle_server import TricircleServer  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Measured:
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    # CPU seconds of each part of the machine (procstat.machine_part) during these windows
    cpu_by_part: dict[str, float] = field(default_factory=dict)

    def cpu_ms_per_request(self) -> dict[str, float]:
        return {
            part: seconds * 1000 / max(1, self.requests)
            for part, seconds in self.cpu_by_part.items()
        }

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load(url: str, headers: dict[str, Any], clients: int, seconds: float, into: Measured) -> None:
    """One window of `clients` clients calling `url` for `seconds`, added to `into`."""
    done = [0] * clients
    errors = [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = 0.0

    def client(index: int) -> None:
        http = requests.Session()
        start.wait()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = http.get(url, headers=headers, timeout=30)
                if response.status_code >= 400:
                    errors[index] += 1
            except requests.RequestException:
                errors[index] += 1
            latencies[index].append((time.perf_counter() - started) * 1000)
            done[index] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    into.seconds += time.monotonic() - began
    into.requests += sum(done)
    into.errors += sum(errors)
    into.latencies_ms += [ms for each in latencies for ms in each]


def interleaved(
    through_url: str,
    direct_url: str,
    headers: dict[str, Any],
    clients: int,
    seconds: float,
    rounds: int,
) -> tuple[Measured, Measured]:
    through, direct = Measured(), Measured()
    for round_ in range(rounds):
        ways = [(through_url, through), (direct_url, direct)]
        for url, measured in ways if round_ % 2 == 0 else ways[::-1]:
            before = cpu_seconds_by_part()
            load(url, headers, clients, seconds, measured)
            for part, spent in cpu_seconds_since(before).items():
                measured.cpu_by_part[part] = measured.cpu_by_part.get(part, 0.0) + spent
    return through, direct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,16,64")
    parser.add_argument("--seconds", type=float, default=5.0, help="of one window")
    parser.add_argument("--rounds", type=int, default=4, help="windows each way")
    args = parser.parse_args()
    lab = json.loads((lab_paths().root / "lab.json").read_text())
    server = TricircleServer(lab)
    server.start()
    auth = v3.Password(
        auth_url=lab["keystone_url"],
        username="demo",
        password="secret",
        project_name="demo",
        user_domain_name="Default",
        project_domain_name="Default",
    )
    session = ks_session.Session(auth=auth)
    gateway = lab["tricircle_url"]
    net_id = server_id = None
    try:
        headers = {"X-Auth-Token": session.get_token(), "X-OpenStack-Nova-API-Version": "2.1"}
        net_id = session.post(
            f"{gateway}/networking/v2.0/networks",
            json={"network": {"name": f"bench-load-{uuid.uuid4().hex[:6]}"}},
            headers=headers,
            authenticated=False,
        ).json()["network"]["id"]
        session.post(
            f"{gateway}/networking/v2.0/subnets",
            json={"subnet": {"network_id": net_id, "ip_version": 4, "cidr": "10.51.0.0/24"}},
            headers=headers,
            authenticated=False,
        )
        body = {
            "server": {
                "name": "bench-load",
                "flavorRef": "1",
                "imageRef": lab["image_id"],
                "networks": [{"uuid": net_id}],
                "availability_zone": lab["pods"][0]["az_name"],
            }
        }
        server_id = session.post(
            f"{gateway}/compute/v2.1/servers", json=body, headers=headers, authenticated=False
        ).json()["server"]["id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = session.get(
                f"{gateway}/compute/v2.1/servers/{server_id}", headers=headers, authenticated=False
            ).json()["server"]["status"]
            if status in {"ACTIVE", "ERROR"}:
                break
            time.sleep(0.5)
        targets = [
            (
                "GET /servers/{id}",
                f"{gateway}/compute/v2.1/servers/{server_id}",
                f"{lab['pods'][0]['nova_url']}/servers/{server_id}",
            ),
            (
                "GET /networks",
                f"{gateway}/networking/v2.0/networks",
                f"{lab['central_neutron_url']}/v2.0/networks",
            ),
        ]
        groups = dict(zip(("gunicorn", "celery"), server.process_groups, strict=False))
        memory_before = {name: rss_mib(group_processes(pgid)) for name, pgid in groups.items()}
        counts = [int(part) for part in args.clients.split(",")]
        print(
            f"\nRequests per second, {args.rounds} windows of {args.seconds:g} s each way, "
            f"taking turns, {time.strftime('%Y-%m-%d')}"
        )
        print(
            f"{'call':<26} {'clients':>7} {'tricircle':>10} {'direct':>10} {'ratio':>7} "
            f"{'tri err':>7} {'dir err':>7}",
            flush=True,
        )
        latency_rows = []
        for name, through_url, direct_url in targets:
            for clients in counts:
                through, direct = interleaved(
                    through_url,
                    direct_url,
                    headers,
                    clients,
                    args.seconds,
                    args.rounds,
                )
                print(
                    f"{name:<26} {clients:>7} {through.rate:>10.1f} {direct.rate:>10.1f} "
                    f"{through.rate / direct.rate:>7.2f} {through.errors:>7} {direct.errors:>7}",
                    flush=True,
                )
                latency_rows.append((name, clients, through, direct))
        print("\nLatency under load (ms), through Tricircle and directly")
        print(
            f"{'latency':<26} {'clients':>7} {'tri p50':>8} {'tri p99':>8} {'dir p50':>8} "
            f"{'dir p99':>8} {'p99 ratio':>9}"
        )
        for name, clients, through, direct in latency_rows:
            through_ms, direct_ms = through.latencies_ms, direct.latencies_ms
            through_p99, direct_p99 = percentile(through_ms, 0.99), percentile(direct_ms, 0.99)
            print(
                f"{'latency ' + name:<26} {clients:>7} {percentile(through_ms, 0.5):>8.1f} "
                f"{through_p99:>8.1f} {percentile(direct_ms, 0.5):>8.1f} {direct_p99:>8.1f} "
                f"{through_p99 / direct_p99:>9.2f}"
            )
        print("\nCPU of Tricircle's gunicorn processes per request through it (ms)")
        for name, clients, through, _ in latency_rows:
            per_request = through.cpu_ms_per_request().get(TRICIRCLE_GUNICORN, 0.0)
            print(f"{'cpu ' + name:<26} {clients:>7} {per_request:>8.2f}")
        print(
            "\nCPU ms per request of the whole machine (every process, the clients included),"
            "\nthrough Tricircle and directly; when the cores are the limit, the rate through"
            "\nTricircle can be at most direct / through of the direct rate"
        )
        print(f"{'machine':<26} {'clients':>7} {'through':>8} {'direct':>8} {'allows':>7}  parts")
        for name, clients, through, direct in latency_rows:
            through_ms, direct_ms = through.cpu_ms_per_request(), direct.cpu_ms_per_request()
            total_through, total_direct = sum(through_ms.values()), sum(direct_ms.values())
            top = sorted(through_ms, key=lambda part: -through_ms[part])[:4]
            parts = ", ".join(
                f"{part} {through_ms[part]:.1f}/{direct_ms.get(part, 0.0):.1f}" for part in top
            )
            print(
                f"{'machine ' + name:<26} {clients:>7} {total_through:>8.2f} {total_direct:>8.2f} "
                f"{total_direct / total_through:>7.2f}  {parts}"
            )
        print(f"\n{'process':<26} {'pid':>7} {'RSS MiB before':>15} {'after load':>11}")
        for name, pgid in groups.items():
            before, after = memory_before[name], rss_mib(group_processes(pgid))
            for pid in sorted(after, key=lambda pid: (pid != pgid, pid)):
                # a process group's leader is its master (gunicorn) or main process (celery)
                role = "master" if pid == pgid else "worker"
                was = f"{before[pid]:.0f}" if pid in before else "-"  # "-": started since
                print(f"{name + ' ' + role:<26} {pid:>7} {was:>15} {after[pid]:>11.0f}")
            print(
                f"{name + ' total':<26} {len(after):>7} {sum(before.values()):>15.0f} "
                f"{sum(after.values()):>11.0f}"
            )
    finally:
        headers = {"X-Auth-Token": session.get_token()}
        if server_id:
            session.delete(
                f"{gateway}/compute/v2.1/servers/{server_id}",
                headers=headers,
                authenticated=False,
                raise_exc=False,
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                shown = session.get(
                    f"{gateway}/compute/v2.1/servers/{server_id}",
                    headers=headers,
                    authenticated=False,
                    raise_exc=False,
                )
                if shown.status_code == 404:
                    break
                time.sleep(0.5)
        if net_id:
            session.delete(
                f"{gateway}/networking/v2.0/networks/{net_id}",
                headers=headers,
                authenticated=False,
                raise_exc=False,
            )
        server.stop()


if __name__ == "__main__":
    main()
