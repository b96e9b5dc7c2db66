"""Cross-pod L3 convergence time against the lab: from `router add subnet` (the gateway's PUT
add_router_interface) to every pod's Neutron showing the converged state (each pod's bottom
router with its interfaces and exactly the expected extra routes).

    .venv/bin/python bench/bench_l3.py [--rounds 5]

Needs the lab (`python3.11 tests/lab/lab.py up`); starts its own Tricircle on 127.0.0.1:19999
(waits for the port). For each pod count N (default: 2 and every pod of the lab; `lab.py up
--pods 5` gives the most), the lab's first N pods: one network local to each pod (availability
zone hint = the pod, so it is materialised at creation, no server needed) on one router; the
first setup (every subnet added, until all pods converged) is timed once. Each round then
removes the last pod's subnet, waits until the pods converge, adds it back and times that.
Prints the first setup, each round and the median, per pod count; a count larger than the
lab's pods gets a line saying it was skipped (the lab holds 2 pods unless `lab.py up --pods N`
gave more; 5 pods need about 12 GiB)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keystoneauth1 import adapter, session  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402

from bench.procstat import cpu_seconds_by_part, cpu_seconds_since  # noqa: E402
from tests.lab.lab import lab_paths  # noqa: E402
from tests.lab.tricircle_server import TricircleServer  # noqa: E402

TIMEOUT = 180.0
Route = tuple[str, str]  # (destination, nexthop)


def client(lab: dict[str, Any], user: str, endpoint: str) -> adapter.Adapter:
    project = lab["users"][user]["project"]
    auth = v3.Password(
        auth_url=lab["keystone_url"],
        username=user,
        password=lab["users"][user]["password"],
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return adapter.Adapter(session.Session(auth=auth), endpoint_override=endpoint + "/v2.0")


def pod_state(
    neutron: adapter.Adapter, router_id: str, routes_wanted: int | None = None
) -> tuple[int, set[Route]]:
    """(interfaces, routes) of the pod's bottom router; (-1, set()) when there is none. With
    `routes_wanted`, the interfaces are read only once the router has that many routes (else
    0): the pods' Neutron serves one request at a time, and reading every pod's ports on every
    check took a good part of it from the job being measured."""
    routers = neutron.get(
        "/routers", params={"name": router_id, "fields": ["id", "routes"]}
    ).json()["routers"]
    if not routers:
        return -1, set()
    routes = {(r["destination"], r["nexthop"]) for r in routers[0]["routes"]}
    if routes_wanted is not None and len(routes) != routes_wanted:
        return 0, routes
    ports = neutron.get(
        "/ports",
        params={
            "device_id": routers[0]["id"],
            "device_owner": "network:router_interface",
            "fields": "id",
        },
    ).json()["ports"]
    return len(ports), routes


class CpuWindow:
    """The CPU each part of the machine used between start() and report()."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.started = 0.0

    def start(self) -> None:
        self.cpu = cpu_seconds_by_part()
        self.started = time.perf_counter()

    def report(self, what: str, top: int = 12) -> None:
        wall = time.perf_counter() - self.started
        used = cpu_seconds_since(self.cpu)
        total = sum(used.values())
        cores = os.cpu_count() or 1
        print(
            f"  CPU during {what}: {total:.2f} s over {wall:.2f} s wall = "
            f"{total / (wall * cores):.0%} of the {cores} cores",
            flush=True,
        )
        pods: dict[str, float] = {}
        for part, seconds in used.items():
            region = part.split("-")[0]
            if region.startswith("pod") or region == "central":
                pods[region] = pods.get(region, 0.0) + seconds
        print(
            "  by pod (API + daemons): "
            + ", ".join(f"{region} {seconds:.2f}" for region, seconds in sorted(pods.items())),
            flush=True,
        )
        ranked = sorted(used.items(), key=lambda item: -item[1])[:top]
        print(
            "  by part: " + ", ".join(f"{part} {seconds:.2f}" for part, seconds in ranked),
            flush=True,
        )


def wait_for(check: Callable[[], bool], timeout: float = TIMEOUT) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if check():
            return time.perf_counter() - started
        time.sleep(0.1)
    raise RuntimeError(f"not converged within {timeout} s")


def measure(gateway: adapter.Adapter, pods: dict[str, adapter.Adapter], rounds: int) -> None:
    """Times `router add subnet` until every pod in `pods` converged, for one router whose
    networks are local to those pods; prints each round and the median."""
    made_nets: list[str] = []
    router_id = ""
    subnets: list[dict[str, Any]] = []
    regions = list(pods)
    try:
        tag = uuid.uuid4().hex[:6]
        for index, region in enumerate(regions):
            net = gateway.post(
                "/networks",
                json={"network": {"name": f"b-{tag}", "availability_zone_hints": [region]}},
            ).json()["network"]
            made_nets.append(net["id"])
            subnets.append(
                gateway.post(
                    "/subnets",
                    json={
                        "subnet": {
                            "network_id": net["id"],
                            "cidr": f"10.{60 + index}.0.0/24",
                            "ip_version": 4,
                        }
                    },
                ).json()["subnet"]
            )
        router_id = gateway.post("/routers", json={"router": {"name": f"b-{tag}"}}).json()[
            "router"
        ]["id"]
        cpu = CpuWindow()
        cpu.start()
        setup_started = time.perf_counter()  # from the first add to every pod converged
        for subnet in subnets:
            gateway.put(
                f"/routers/{router_id}/add_router_interface", json={"subnet_id": subnet["id"]}
            )
        last = subnets[-1]

        def states(routes_wanted: int | None = None) -> dict[str, tuple[int, set[Route]]]:
            # Every pod read once per check, all at once: the check's own time (and load on
            # the pods) stays small beside what it measures.
            with ThreadPoolExecutor(len(regions)) as pool:
                read = pool.map(
                    lambda region: pod_state(pods[region], router_id, routes_wanted), regions
                )
                return dict(zip(regions, read, strict=True))

        def full() -> bool:
            # Every pod: its subnet + the bridge; a route to each other pod's subnet.
            return all(
                interfaces == 2 and len(routes) == len(regions) - 1
                for interfaces, routes in states(len(regions) - 1).values()
            )

        def without_last() -> bool:
            now = states()
            return now[regions[-1]][0] == -1 and all(
                last["cidr"] not in {dest for dest, _ in now[region][1]} for region in regions[:-1]
            )

        wait_for(full)
        setup = time.perf_counter() - setup_started
        print(f"{len(regions)} pods; first setup converged in {setup:.2f} s", flush=True)
        cpu.report("the first setup")
        times = []
        for round_ in range(rounds):
            gateway.put(
                f"/routers/{router_id}/remove_router_interface", json={"subnet_id": last["id"]}
            )
            removal = wait_for(without_last)
            cpu.start()
            started = time.perf_counter()
            gateway.put(
                f"/routers/{router_id}/add_router_interface", json={"subnet_id": last["id"]}
            )
            wait_for(full)
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            print(
                f"round {round_ + 1}: add subnet -> all {len(regions)} pods converged in "
                f"{elapsed:.2f} s (removal converged in {removal:.2f} s)",
                flush=True,
            )
            cpu.report(f"round {round_ + 1}'s add subnet")
        print(
            f"{len(regions)} pods: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s over {len(times)} rounds"
        )
    finally:
        if router_id:
            for subnet in subnets:
                gateway.put(
                    f"/routers/{router_id}/remove_router_interface",
                    json={"subnet_id": subnet["id"]},
                    raise_exc=False,
                )
            try:
                wait_for(lambda: all(pod_state(n, router_id)[0] == -1 for n in pods.values()), 120)
            except RuntimeError:
                print("bottom routers still there after 120 s", file=sys.stderr)
            gateway.delete(f"/routers/{router_id}", raise_exc=False)
        for net_id in made_nets:
            gateway.delete(f"/networks/{net_id}", raise_exc=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--pods",
        default="",
        help="comma-separated pod counts to measure, each with the lab's first N pods "
        "(default: 2 and all the lab's pods)",
    )
    args = parser.parse_args()
    lab = json.loads((lab_paths().root / "lab.json").read_text())
    pods = {pod["region_name"]: client(lab, "admin", pod["neutron_url"]) for pod in lab["pods"]}
    counts = sorted({int(n) for n in args.pods.split(",") if n} or {min(2, len(pods)), len(pods)})
    if not all(n >= 1 for n in counts):
        parser.error("pod counts are 1 or more")
    for count in counts:
        if count > len(pods):
            print(
                f"{count} pods: skipped, the lab holds {len(pods)} pods "
                f"(`python3.11 tests/lab/lab.py up --pods {count}` for more)",
                flush=True,
            )
    counts = [count for count in counts if count <= len(pods)]
    if not counts:
        return
    server = TricircleServer(lab)
    server.start()
    try:
        gateway = client(lab, "demo", lab["tricircle_url"] + "/networking")
        for count in counts:
            measure(gateway, dict(list(pods.items())[:count]), args.rounds)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
