"""Gateway requests per second with N concurrent clients, and the memory of Tricircle's processes.

    .venv/bin/python bench/bench_load.py [--clients 1,4,16] [--seconds 5]

Needs the lab (`python3.11 tests/lab/lab.py up`); starts its own Tricircle on 127.0.0.1:19999 as
the lab tests do (gunicorn: 2 gthread workers x 8 threads; one Celery worker with beat), boots
one server in Pod1 through it, then for each client count runs N threads, each with a
keep-alive HTTP session, calling for --seconds:
- GET /compute/v2.1/servers/{id} through Tricircle, and the same on Pod1's Nova directly;
- GET /networking/v2.0/networks through Tricircle, and the same on the central Neutron.
Prints requests per second and errors of each, then the RSS (from /proc) of the gunicorn and
Celery process groups before and after the load. The clients are Python threads on the same
machine: they share its CPUs with the servers, so these are this machine's figures, not a
server's capacity.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keystoneauth1 import session as ks_session  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402

from tests.lab.lab import lab_paths  # noqa: E402
from tests.lab.tricircle_server import TricircleServer  # noqa: E402


def group_rss_mib(pgid: int) -> tuple[int, float]:
    """Processes and total RSS of a process group (gunicorn's master and workers, ...)."""
    count, kib = 0, 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # comm may hold spaces: the fields after its closing paren are fixed.
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    kib += int(line.split()[1])
                    count += 1
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return count, kib / 1024


def load(url: str, headers: dict, clients: int, seconds: float) -> tuple[float, int]:
    """Requests per second over all clients, and how many answers were errors."""
    done = [0] * clients
    errors = [0] * clients
    start = threading.Barrier(clients + 1)
    deadline = 0.0

    def client(index: int) -> None:
        http = requests.Session()
        start.wait()
        while time.monotonic() < deadline:
            try:
                response = http.get(url, headers=headers, timeout=30)
                if response.status_code >= 400:
                    errors[index] += 1
            except requests.RequestException:
                errors[index] += 1
            done[index] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - began), sum(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=5.0)
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
        groups = {
            name: process.pid
            for name, process in zip(("gunicorn", "celery"), server.processes, strict=False)
        }
        memory_before = {name: group_rss_mib(pgid) for name, pgid in groups.items()}
        print(f"\nRequests per second, {args.seconds:g} s per run, {time.strftime('%Y-%m-%d')}")
        print(
            f"{'call':<20} {'clients':>7} {'tricircle':>10} {'direct':>10} {'ratio':>7} "
            f"{'errors':>7}"
        )
        for name, through_url, direct_url in targets:
            for clients in (int(part) for part in args.clients.split(",")):
                through, through_errors = load(through_url, headers, clients, args.seconds)
                direct, direct_errors = load(direct_url, headers, clients, args.seconds)
                print(
                    f"{name:<20} {clients:>7} {through:>10.1f} {direct:>10.1f} "
                    f"{through / direct:>7.2f} {through_errors + direct_errors:>7}"
                )
        print(f"\n{'process group':<20} {'procs':>7} {'RSS MiB before':>15} {'after load':>11}")
        for name, pgid in groups.items():
            count, after = group_rss_mib(pgid)
            print(f"{name:<20} {count:>7} {memory_before[name][1]:>15.0f} {after:>11.0f}")
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
