"""Concurrency stress against the lab: simultaneous boots, router interface changes and deletes
racing boots, through a real Tricircle, then the end state checked in every pod.

    .venv/bin/python bench/bench_concurrency.py [--boots 20] [--interfaces 10]

Needs the lab (`python3.11 tests/lab/lab.py up`); starts its own Tricircle on 127.0.0.1:19999
(waits for the port). Bounded: every scenario has a fixed number of calls and a deadline.

1. `--boots` simultaneous boots on one fresh network, half in az1 and half in az2.
2. `--interfaces` subnets added to one router at the same moment, then removed at the same
   moment.
3. Deletes racing boots: each server deleted as soon as its boot is answered.
4. A boot with `min_count` 5 (Nova's multiple create).

Each scenario prints its calls by outcome and checks: one bottom copy of each network, subnet,
DHCP port and port per pod; every server ACTIVE or cleanly refused (a 4xx, no 5xx); after the
deletes, no server, port or bottom copy left; the jobs settled; the router's pods converged
(interfaces and routes). A nonzero exit means a check failed."""

from __future__ import annotations

import argparse
import collections
import json
import signal
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


from tests.lab.http_client import Client, direct  # noqa: E402
from tests.lab.lab import lab_paths  # noqa: E402
from tests.lab.tricircle_server import TricircleServer  # noqa: E402

DEADLINE = 300.0
NET = "/networking/v2.0"
NOVA = "/compute/v2.1"


def wait_for(check: Callable[[], bool], timeout: float = DEADLINE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(1)
    return False


class Bench:
    def __init__(self, lab: dict, demo: Client, admin: Client):
        self.lab = lab
        self.demo = demo
        self.admin = admin
        self.tag = uuid.uuid4().hex[:6]
        self.failures: list[str] = []
        self.rows: list[tuple[str, str, str, str]] = []
        self.pod_neutron = {
            pod["region_name"]: direct(lab, "admin", pod["neutron_url"] + "/v2.0")
            for pod in lab["pods"]
        }
        self.pod_nova = {
            pod["region_name"]: direct(lab, "admin", pod["nova_url"]) for pod in lab["pods"]
        }

    def check(self, ok: bool, what: str) -> bool:
        if not ok:
            self.failures.append(what)
        return ok

    # --- helpers ---------------------------------------------------------------------------
    def network(self, name: str, cidr: str) -> tuple[dict, dict]:
        net = self.demo.ok("POST", f"{NET}/networks", {"network": {"name": name}})["network"]
        subnet = self.demo.ok(
            "POST",
            f"{NET}/subnets",
            {"subnet": {"network_id": net["id"], "cidr": cidr, "ip_version": 4, "name": name}},
        )["subnet"]
        return net, subnet

    def boot_body(self, name: str, network_id: str, zone: str, **extra: Any) -> dict:
        return {
            "server": {
                "name": name,
                "flavorRef": "1",
                "imageRef": self.lab["image_id"],
                "availability_zone": zone,
                "networks": [{"uuid": network_id}],
                **extra,
            }
        }

    def in_parallel(self, calls: list[Callable[[], Any]]) -> list[Any]:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(lambda call: call(), calls))

    def copies(self, region: str, collection: str, name: str) -> list[dict]:
        key = collection.replace("-", "_")
        return self.pod_neutron[region].get(f"/{collection}", params={"name": name}).json()[key]

    def servers_named(self, prefix: str) -> list[dict]:
        return self.demo.ok("GET", f"{NOVA}/servers/detail?name={prefix}")["servers"]

    def settled(self) -> bool:
        jobs = self.admin.ok("GET", "/v1.0/jobs/detail?limit=1000")["jobs"]
        return not [
            job
            for job in jobs
            if job["status"] in {"NEW", "RUNNING"}
            or (job["status"] == "FAIL" and job.get("next_run_at"))
        ]

    def record(self, scenario: str, outcomes: collections.Counter, seconds: float) -> None:
        shown = ", ".join(f"{count}x {status}" for status, count in sorted(outcomes.items()))
        bad = sum(count for status, count in outcomes.items() if int(status) >= 500)
        self.rows.append((scenario, shown, str(bad), f"{seconds:.1f}"))
        self.check(bad == 0, f"{scenario}: {bad} calls answered 5xx")

    # --- scenarios -------------------------------------------------------------------------
    def boots_on_one_network(self, count: int) -> None:
        net, subnet = self.network(f"cc-{self.tag}", "10.91.0.0/24")
        zones = ["az1", "az2"] * (count // 2) + ["az1"] * (count % 2)
        started = time.monotonic()
        answers = self.in_parallel(
            [
                lambda i=i, zone=zone: self.demo.request(
                    "POST",
                    f"{NOVA}/servers",
                    self.boot_body(f"cc-{self.tag}-{i}", net["id"], zone),
                )
                for i, zone in enumerate(zones)
            ]
        )
        outcomes = collections.Counter(str(answer.status_code) for answer in answers)
        ids = [answer.json()["server"]["id"] for answer in answers if answer.status_code == 202]

        def all_active() -> bool:
            statuses = {server["status"] for server in self.servers_named(f"cc-{self.tag}-")}
            return statuses <= {"ACTIVE", "ERROR"} and len(statuses) > 0

        self.check(wait_for(all_active), "boots: servers not ACTIVE in time")
        seconds = time.monotonic() - started
        servers = self.servers_named(f"cc-{self.tag}-")
        self.check(
            all(server["status"] == "ACTIVE" for server in servers),
            f"boots: servers in ERROR: {[s['id'] for s in servers if s['status'] != 'ACTIVE']}",
        )
        self.check(len(servers) == len(ids), "boots: servers at the top differ from the 202s")
        self.record(f"{count} boots on one new network (az1+az2)", outcomes, seconds)
        for region in self.pod_neutron:
            for collection, name in (("networks", net["id"]), ("subnets", subnet["id"])):
                found = len(self.copies(region, collection, name))
                self.check(found == 1, f"boots: {found} {collection} copies in {region}")
            bottom = self.copies(region, "networks", net["id"])
            if bottom:
                dhcp = (
                    self.pod_neutron[region]
                    .get(
                        "/ports",
                        params={"network_id": bottom[0]["id"], "device_owner": "network:dhcp"},
                    )
                    .json()["ports"]
                )
                self.check(len(dhcp) == 1, f"boots: {len(dhcp)} DHCP ports in {region}")
        top_ports = self.demo.ok("GET", f"{NET}/ports?network_id={net['id']}")["ports"]
        for port in top_ports:
            if port["device_owner"].startswith("compute:"):
                # One copy in the server's pod; in the other pod at most its shadow (VxLAN).
                copies = [c for r in self.pod_neutron for c in self.copies(r, "ports", port["id"])]
                real = [c for c in copies if c["device_owner"] != "compute:shadow"]
                self.check(
                    len(real) == 1 and len(copies) - len(real) <= len(self.pod_neutron) - 1,
                    f"boots: port {port['id']} has {len(real)} copies, "
                    f"{len(copies) - len(real)} shadows",
                )
        self.delete_servers(ids, "boots")
        self.check(wait_for(self.settled), "boots: jobs not settled")
        self.check_no_ports_left(net["id"], "boots")
        self.delete_network(net["id"])

    def delete_servers(self, ids: list[str], scenario: str) -> None:
        answers = self.in_parallel(
            [lambda i=i: self.demo.request("DELETE", f"{NOVA}/servers/{i}") for i in ids]
        )
        bad = [answer.status_code for answer in answers if answer.status_code >= 300]
        self.check(not bad, f"{scenario}: deletes answered {bad}")
        gone = wait_for(
            lambda: all(
                self.demo.request("GET", f"{NOVA}/servers/{i}").status_code == 404 for i in ids
            )
        )
        self.check(gone, f"{scenario}: servers not gone")

    def check_no_ports_left(self, network_id: str, scenario: str) -> None:
        def clean() -> bool:
            ports = self.demo.ok("GET", f"{NET}/ports?network_id={network_id}")["ports"]
            return not [p for p in ports if not p["device_owner"].startswith("network:")]

        self.check(wait_for(clean, 120), f"{scenario}: top ports left on {network_id}")
        for region in self.pod_neutron:
            bottom = self.copies(region, "networks", network_id)
            if not bottom:
                continue
            ports = (
                self.pod_neutron[region]
                .get("/ports", params={"network_id": bottom[0]["id"]})
                .json()["ports"]
            )
            left = [p for p in ports if not p["device_owner"].startswith("network:")]
            self.check(not left, f"{scenario}: {len(left)} bottom ports left in {region}")

    def delete_network(self, network_id: str) -> None:
        wait_for(
            lambda: (
                self.demo.request("DELETE", f"{NET}/networks/{network_id}").status_code
                in {204, 404}
            ),
            60,
        )

    def router_interfaces(self, count: int) -> None:
        router = self.demo.ok("POST", f"{NET}/routers", {"router": {"name": f"cc-{self.tag}"}})[
            "router"
        ]
        zones = [pod["region_name"] for pod in self.lab["pods"]]
        subnets, nets = [], []
        for index in range(count):
            net = self.demo.ok(
                "POST",
                f"{NET}/networks",
                {
                    "network": {
                        "name": f"cc-r-{self.tag}-{index}",
                        "availability_zone_hints": [zones[index % len(zones)]],
                    }
                },
            )["network"]
            subnet = self.demo.ok(
                "POST",
                f"{NET}/subnets",
                {
                    "subnet": {
                        "network_id": net["id"],
                        "cidr": f"10.92.{index}.0/24",
                        "ip_version": 4,
                    }
                },
            )["subnet"]
            nets.append(net)
            subnets.append(subnet)
        path = f"{NET}/routers/{router['id']}"
        started = time.monotonic()
        added = self.in_parallel(
            [
                lambda s=s: self.demo.request(
                    "PUT", f"{path}/add_router_interface", {"subnet_id": s["id"]}
                )
                for s in subnets
            ]
        )
        outcomes = collections.Counter(str(answer.status_code) for answer in added)

        def converged(expected: int) -> Callable[[], bool]:
            """`expected` subnet interfaces over the pods, and each bottom router's port on
            the bridge when the router spans pods."""

            def check() -> bool:
                if not self.settled():
                    return False
                interfaces = bottom_routers = 0
                for region, neutron in self.pod_neutron.items():
                    bottoms = self.copies(region, "routers", router["id"])
                    if len(bottoms) > 1:
                        return False
                    for bottom in bottoms:
                        bottom_routers += 1
                        interfaces += len(
                            neutron.get(
                                "/ports",
                                params={
                                    "device_id": bottom["id"],
                                    "device_owner": "network:router_interface",
                                },
                            ).json()["ports"]
                        )
                bridge_ports = bottom_routers if bottom_routers > 1 else 0
                return interfaces == expected + bridge_ports

            return check

        self.check(wait_for(converged(count)), "router: interfaces not converged after adds")
        self.record(f"{count} interface adds on one router", outcomes, time.monotonic() - started)
        self.check_routes(router["id"], len(subnets))
        started = time.monotonic()
        removed = self.in_parallel(
            [
                lambda s=s: self.demo.request(
                    "PUT", f"{path}/remove_router_interface", {"subnet_id": s["id"]}
                )
                for s in subnets
            ]
        )
        outcomes = collections.Counter(str(answer.status_code) for answer in removed)
        self.check(wait_for(converged(0)), "router: interfaces left after removes")
        self.record(
            f"{count} interface removes on one router", outcomes, time.monotonic() - started
        )
        self.demo.request("DELETE", path)
        for net in nets:
            self.delete_network(net["id"])

    def check_routes(self, router_id: str, subnets: int) -> None:
        """Every pod's bottom router routes to the subnets the other pods hold."""
        for region, neutron in self.pod_neutron.items():
            for bottom in self.copies(region, "routers", router_id):
                local = len(
                    neutron.get(
                        "/ports",
                        params={
                            "device_id": bottom["id"],
                            "device_owner": "network:router_interface",
                        },
                    ).json()["ports"]
                )
                routes = len(bottom["routes"])
                self.check(  # the bridge port besides the subnets' interfaces
                    local - 1 + routes == subnets,
                    f"router: {region} has {local} interfaces and {routes} routes "
                    f"for {subnets} subnets",
                )

    def deletes_racing_boots(self, count: int) -> None:
        net, _ = self.network(f"cc-d-{self.tag}", "10.93.0.0/24")
        started = time.monotonic()

        def boot_then_delete(i: int) -> tuple[int, int]:
            zone = "az1" if i % 2 else "az2"
            body = self.boot_body(f"cc-d-{self.tag}-{i}", net["id"], zone)
            booted = self.demo.request("POST", f"{NOVA}/servers", body)
            if booted.status_code != 202:
                return booted.status_code, 0
            server_id = booted.json()["server"]["id"]
            return 202, self.demo.request("DELETE", f"{NOVA}/servers/{server_id}").status_code

        answers = self.in_parallel([lambda i=i: boot_then_delete(i) for i in range(count)])
        outcomes = collections.Counter(str(status) for pair in answers for status in pair if status)
        self.check(
            wait_for(lambda: not self.servers_named(f"cc-d-{self.tag}-")),
            "deletes: servers left at the top",
        )
        self.check(wait_for(self.settled), "deletes: jobs not settled")
        self.record(f"{count} boots each deleted at once", outcomes, time.monotonic() - started)
        for region, nova in self.pod_nova.items():
            left = nova.get(
                "/servers", params={"all_tenants": 1, "name": f"cc-d-{self.tag}-"}
            ).json()["servers"]
            self.check(not left, f"deletes: {len(left)} servers left in {region}")
        self.check_no_ports_left(net["id"], "deletes")
        self.delete_network(net["id"])

    def multiple_create(self, count: int) -> None:
        net, _ = self.network(f"cc-m-{self.tag}", "10.94.0.0/24")
        started = time.monotonic()
        body = self.boot_body(f"cc-m-{self.tag}", net["id"], "az1", min_count=count)
        answer = self.demo.request("POST", f"{NOVA}/servers", body)
        outcomes = collections.Counter([str(answer.status_code)])
        self.check(answer.status_code == 202, f"min_count: answered {answer.status_code}")
        if answer.status_code == 202:
            ok = wait_for(
                lambda: (
                    len(
                        [
                            s
                            for s in self.servers_named(f"cc-m-{self.tag}")
                            if s["status"] == "ACTIVE"
                        ]
                    )
                    == count
                )
            )
            self.check(ok, f"min_count: not {count} ACTIVE servers")
        self.record(f"1 boot with min_count {count}", outcomes, time.monotonic() - started)
        ids = [s["id"] for s in self.servers_named(f"cc-m-{self.tag}")]
        self.delete_servers(ids, "min_count")
        self.check(wait_for(self.settled), "min_count: jobs not settled")
        self.check_no_ports_left(net["id"], "min_count")
        self.delete_network(net["id"])

    def table(self) -> str:
        lines = ["| scenario | calls by status | 5xx | seconds |", "|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boots", type=int, default=20)
    parser.add_argument("--interfaces", type=int, default=10)
    args = parser.parse_args()
    # A stopped bench stops its Tricircle too (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    lab = json.loads((lab_paths().root / "lab.json").read_text())
    server = TricircleServer(lab)
    server.start()
    try:
        bench = Bench(lab, Client(lab, "demo", server.url), Client(lab, "admin", server.url))
        for scenario in (
            lambda: bench.boots_on_one_network(args.boots),
            lambda: bench.router_interfaces(args.interfaces),
            lambda: bench.deletes_racing_boots(min(args.boots, 10)),
            lambda: bench.multiple_create(5),
        ):
            try:
                scenario()
            except Exception as exc:  # a scenario that breaks is a failure; the others still run
                bench.failures.append(f"{type(exc).__name__}: {exc}")
        print(bench.table())
        print()
        print("failed checks:", len(bench.failures))
        for failure in bench.failures:
            print(" -", failure)
        return 1 if bench.failures else 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
