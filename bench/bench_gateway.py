"""Gateway overhead against the lab: latency through Tricircle divided by latency of the same
call made directly to a pod, measured in one run, interleaved so both see the same load.

    .venv/bin/python bench/bench_gateway.py [--requests 100]

Needs the lab (`python3.11 tests/lab/lab.py up`); starts its own Tricircle on 127.0.0.1:19999
(port must be free), boots one server in each pod through Tricircle, then prints:
- GET /servers/{id}: p50 and p99 through Tricircle vs directly to the server's Nova;
- GET /servers/detail: through Tricircle vs the slowest pod alone (each round asks every pod
  directly, in turn, and keeps the slowest), the figure a scatter-gather should approach;
- server boot to ACTIVE: through Tricircle (first boot in a pod materialises the network;
  later boots) vs directly in the pod.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keystoneauth1 import session as ks_session  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402

from tests.lab.cli import OpenStackCLI  # noqa: E402
from tests.lab.lab import lab_paths  # noqa: E402
from tests.lab.tricircle_server import TricircleServer  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(session: ks_session.Session, url: str, headers: dict) -> float:
    started = time.perf_counter()
    response = session.get(url, headers=headers, authenticated=False, raise_exc=False)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 400:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code} {response.text[:200]}")
    return elapsed


def wait_active(session: ks_session.Session, url: str, headers: dict, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = session.get(url, headers=headers, authenticated=False).json()["server"]["status"]
        if status == "ACTIVE":
            return
        if status == "ERROR":
            raise RuntimeError(f"{url} went to ERROR")
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ACTIVE in {timeout} s")


def boot(session: ks_session.Session, base: str, headers: dict, body: dict) -> tuple[str, float]:
    started = time.perf_counter()
    response = session.post(f"{base}/servers", json=body, headers=headers, authenticated=False)
    server_id = response.json()["server"]["id"]
    wait_active(session, f"{base}/servers/{server_id}", headers)
    return server_id, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    lab = json.loads((lab_paths().root / "lab.json").read_text())
    server = TricircleServer(lab)
    server.start()
    cli = OpenStackCLI(lab)
    created: list[tuple[str, str]] = []
    try:
        auth = v3.Password(
            auth_url=lab["keystone_url"],
            username="demo",
            password="secret",
            project_name="demo",
            user_domain_name="Default",
            project_domain_name="Default",
        )
        session = ks_session.Session(auth=auth)
        token = session.get_token()
        headers = {"X-Auth-Token": token, "X-OpenStack-Nova-API-Version": "2.1"}
        gateway = f"{lab['tricircle_url']}/compute/v2.1"
        pods = {pod["region_name"]: pod["nova_url"] for pod in lab["pods"]}
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
            "10.50.0.0/24",
        )

        def body(zone: str) -> dict:
            return {
                "server": {
                    "name": f"bench-{zone}",
                    "flavorRef": "1",
                    "imageRef": lab["image_id"],
                    "networks": [{"uuid": net["id"]}],
                    "availability_zone": zone,
                }
            }

        boots = {}
        servers = {}
        for pod in lab["pods"]:
            zone = pod["az_name"]
            first_id, boots[f"first boot in {pod['region_name']}"] = boot(
                session, gateway, headers, body(zone)
            )
            second_id, boots[f"later boot in {pod['region_name']}"] = boot(
                session, gateway, headers, body(zone)
            )
            servers[pod["region_name"]] = first_id
            created += [("server", first_id), ("server", second_id)]
        direct_body = {
            "server": {
                "name": "bench-direct",
                "flavorRef": "1",
                "imageRef": lab["image_id"],
                "networks": "none",
            }
        }
        direct_headers = {**headers, "X-OpenStack-Nova-API-Version": "2.37"}
        direct_id, boots["boot directly in Pod1 (reference)"] = boot(
            session, pods["Pod1"], direct_headers, direct_body
        )

        show_gateway, show_direct = [], []
        server_id = servers["Pod1"]
        for _ in range(args.requests):
            show_gateway.append(timed(session, f"{gateway}/servers/{server_id}", headers))
            show_direct.append(timed(session, f"{pods['Pod1']}/servers/{server_id}", headers))
        list_gateway, list_slowest = [], []
        for _ in range(max(10, args.requests // 4)):
            list_gateway.append(timed(session, f"{gateway}/servers/detail", headers))
            list_slowest.append(
                max(timed(session, f"{url}/servers/detail", headers) for url in pods.values())
            )
        session.delete(
            f"{pods['Pod1']}/servers/{direct_id}", headers=direct_headers, authenticated=False
        )

        print(f"\nGateway overhead, {args.requests} requests, {time.strftime('%Y-%m-%d')}")
        print(f"{'call':<44} {'tricircle':>10} {'direct':>10} {'ratio':>7}")
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
                "GET /servers/detail p50 vs slowest pod (ms)",
                statistics.median(list_gateway),
                statistics.median(list_slowest),
            ),
        ]
        for name, through, direct in rows:
            print(f"{name:<44} {through:>10.1f} {direct:>10.1f} {through / direct:>7.2f}")
        reference = boots.pop("boot directly in Pod1 (reference)")
        for name, seconds in boots.items():
            print(
                f"{'boot to ACTIVE, ' + name + ' (s)':<44} {seconds:>10.1f} {reference:>10.1f} "
                f"{seconds / reference:>7.2f}"
            )
    finally:
        for kind, resource_id in reversed(created):
            if kind == "server":
                cli.run("lab-demo", "server", "delete", "--wait", resource_id)
            else:
                cli.run("lab-demo", "network", "delete", resource_id)
        server.stop()


if __name__ == "__main__":
    main()
