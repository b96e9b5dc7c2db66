"""Drift audit of one pod with 1,000 routed resources: audit time and pod API calls.

    .venv/bin/python bench/bench_audit.py [--resources 1000] [--unknown 50] [--users 20]
                                          [--page-size 500] [--rounds 5]

Runs without the lab. A local HTTP server plays Keystone (token with a catalog), the central
Neutron and one pod's Neutron, Nova and Cinder, answering from recorded answers: one body per
item in the shape the lab's 2026.1 services answer (fields of a real Neutron network, subnet,
port, security group and rule, router; Nova's and Cinder's list items), generated for the
requested count, listed with their APIs' paging (limit/marker, `<key>_links` next; Keystone's
users with `links.next`), and Keystone users each holding one key pair Tricircle copied to the
pod (Nova lists key pairs one user at a time: one call per user). The audit
(gateway.audit.run.run_pod_audit, with the real clients, keystoneauth and a SQLite database)
runs in this process against it; prints, per round, the audit time, the pod API calls and the
findings per class (the pod is in step, so only the extra unknown items are found), then the
median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PROJECT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
# Shares of the routed resources per type (of 1,000: 150 networks, 150 subnets, 300 ports,
# 100 security groups, 50 routers, 150 servers, 100 volumes).
SHARES = {
    "network": 0.15,
    "subnet": 0.15,
    "port": 0.30,
    "security_group": 0.10,
    "router": 0.05,
    "server": 0.15,
    "volume": 0.10,
}


def network_body(top_id: str, name: str, n: int) -> dict:
    return {
        "id": top_id,
        "name": name,
        "tenant_id": PROJECT,
        "project_id": PROJECT,
        "admin_state_up": True,
        "mtu": 1450,
        "status": "ACTIVE",
        "subnets": [],
        "shared": False,
        "availability_zone_hints": [],
        "availability_zones": [],
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "router:external": False,
        "description": "",
        "port_security_enabled": True,
        "tags": [],
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "revision_number": 1,
        "provider:network_type": "vxlan",
        "provider:physical_network": None,
        "provider:segmentation_id": 1000 + n,
    }


def subnet_body(top_id: str, name: str, n: int, network_id: str) -> dict:
    return {
        "id": top_id,
        "name": name,
        "tenant_id": PROJECT,
        "project_id": PROJECT,
        "network_id": network_id,
        "ip_version": 4,
        "subnetpool_id": None,
        "enable_dhcp": True,
        "ipv6_ra_mode": None,
        "ipv6_address_mode": None,
        "gateway_ip": f"10.{n // 250}.{n % 250}.1",
        "cidr": f"10.{n // 250}.{n % 250}.0/24",
        "allocation_pools": [
            {"start": f"10.{n // 250}.{n % 250}.2", "end": f"10.{n // 250}.{n % 250}.254"}
        ],
        "host_routes": [],
        "dns_nameservers": [],
        "description": "",
        "service_types": [],
        "tags": [],
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "revision_number": 0,
    }


def port_body(top_id: str, name: str, n: int, network_id: str) -> dict:
    return {
        "id": top_id,
        "name": name,
        "network_id": network_id,
        "tenant_id": PROJECT,
        "project_id": PROJECT,
        "mac_address": f"fa:16:3e:{n // 65536:02x}:{n // 256 % 256:02x}:{n % 256:02x}",
        "admin_state_up": True,
        "status": "ACTIVE",
        "device_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"vm/{n}")),
        "device_owner": "compute:nova",
        "fixed_ips": [{"subnet_id": network_id, "ip_address": f"10.200.{n // 250}.{n % 250}"}],
        "allowed_address_pairs": [],
        "extra_dhcp_opts": [],
        "security_groups": [],
        "description": "",
        "binding:vnic_type": "normal",
        "port_security_enabled": True,
        "tags": [],
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "revision_number": 3,
    }


def group_body(top_id: str, name: str) -> dict:
    return {
        "id": top_id,
        "name": name,
        "tenant_id": PROJECT,
        "project_id": PROJECT,
        "description": "",
        "stateful": True,
        "tags": [],
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "revision_number": 1,
    }


def rule_body(group_id: str, ethertype: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "tenant_id": PROJECT,
        "project_id": PROJECT,
        "security_group_id": group_id,
        "ethertype": ethertype,
        "direction": "egress",
        "protocol": None,
        "port_range_min": None,
        "port_range_max": None,
        "remote_ip_prefix": None,
        "remote_address_group_id": None,
        "normalized_cidr": None,
        "remote_group_id": None,
        "description": "",
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "revision_number": 0,
    }


def router_body(top_id: str, name: str) -> dict:
    return {
        "id": top_id,
        "name": name,
        "tenant_id": PROJECT,
        "project_id": PROJECT,
        "admin_state_up": True,
        "status": "ACTIVE",
        "external_gateway_info": None,
        "description": "",
        "availability_zone_hints": [],
        "availability_zones": [],
        "routes": [],
        "flavor_id": None,
        "tags": [],
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "revision_number": 1,
    }


def short_item(item_id: str, name: str, url: str) -> dict:
    """A Nova or Cinder list item (id, name and links, as /servers and /volumes answer)."""
    return {
        "id": item_id,
        "name": name,
        "links": [{"rel": "self", "href": f"{url}/{item_id}"}, {"rel": "bookmark", "href": url}],
    }


class Dataset:
    """The central Neutron's collections, the pod's collections per API and the routing rows:
    every top resource with its copy in the pod, named after it, as Tricircle makes them."""

    def __init__(self, base: str):
        self.base = base
        self.top: dict[str, list] = {key: [] for key in NEUTRON_KEYS.values()}
        self.pod: dict[str, dict[str, list]] = {
            "neutron": {key: [] for key in NEUTRON_KEYS.values()},
            "nova": {"servers": [], "flavors": [], "keypairs": []},
            "cinder": {"volumes": [], "snapshots": [], "backups": [], "volume_types": []},
        }
        self.routes: list[tuple[str, str, str]] = []
        self.users: list[str] = []

    def copy(self, kind: str, n: int, make: Callable[[str, str, str], dict]) -> dict[str, dict]:
        """make(id, name, side) for side "top" and "pod"; the pod's copy is named after the
        top id."""
        top_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"top/{kind}/{n}"))
        bottom_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"pod/{kind}/{n}"))
        made = {"top": make(top_id, f"{kind}-{n}", "top"), "pod": make(bottom_id, top_id, "pod")}
        self.top[NEUTRON_KEYS[kind]].append(made["top"])
        self.pod["neutron"][NEUTRON_KEYS[kind]].append(made["pod"])
        self.routes.append((kind, top_id, bottom_id))
        return made

    def pod_only(self, kind: str, api: str, key: str, path: str, count: int) -> None:
        """Servers and volumes: the pod's ids, routed as they are."""
        for n in range(count):
            item_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{n}"))
            self.pod[api][key].append(short_item(item_id, f"{kind}-{n}", f"{self.base}/{path}"))
            self.routes.append((kind, item_id, item_id))


def build(total: int, unknown: int, users: int, base: str) -> Dataset:
    count = {kind: int(total * share) for kind, share in SHARES.items()}
    data = Dataset(base)
    for n in range(users):
        user_id = uuid.uuid5(uuid.NAMESPACE_URL, f"user/{n}").hex
        data.users.append(user_id)
        data.pod["nova"]["keypairs"].append({"name": "key", "user_id": user_id})
        data.routes.append(("keypair", f"{user_id}/key", "key"))
    networks = [
        data.copy("network", n, lambda i, name, side, n=n: network_body(i, name, n))
        for n in range(count["network"])
    ]
    for n in range(count["subnet"]):
        net = networks[n % len(networks)]
        data.copy(
            "subnet",
            n,
            lambda i, name, side, n=n, net=net: subnet_body(i, name, n, net[side]["id"]),
        )
    for n in range(count["port"]):
        net = networks[n % len(networks)]
        data.copy(
            "port", n, lambda i, name, side, n=n, net=net: port_body(i, name, n, net[side]["id"])
        )
    for n in range(count["security_group"]):
        group = data.copy("security_group", n, lambda i, name, side: group_body(i, name))
        for ethertype in ("IPv4", "IPv6"):
            data.top["security_group_rules"].append(rule_body(group["top"]["id"], ethertype))
            rule = rule_body(group["pod"]["id"], ethertype)
            data.pod["neutron"]["security_group_rules"].append(rule)
    for n in range(count["router"]):
        data.copy("router", n, lambda i, name, side: router_body(i, name))
    data.pod_only("server", "nova", "servers", "pod/compute/v2.1/servers", count["server"])
    data.pod_only("volume", "cinder", "volumes", "pod/volume/v3/volumes", count["volume"])
    for n in range(unknown):
        data.pod["neutron"]["networks"].append(
            network_body(str(uuid.uuid4()), f"users-own-{n}", 5000 + n)
        )
    return data


NEUTRON_KEYS = {
    "network": "networks",
    "subnet": "subnets",
    "port": "ports",
    "security_group": "security_groups",
    "rules": "security_group_rules",
    "router": "routers",
    "floatingip": "floatingips",
}
# URL collection of each API -> key of its list body.
PATHS = {
    "central/v2.0": {v.replace("_", "-"): v for v in NEUTRON_KEYS.values()},
    "pod/networking/v2.0": {v.replace("_", "-"): v for v in NEUTRON_KEYS.values()},
    "pod/compute/v2.1": {"servers": "servers", "flavors": "flavors", "os-keypairs": "keypairs"},
    "pod/volume/v3": {
        "volumes": "volumes",
        "snapshots": "snapshots",
        "backups": "backups",
        "types": "volume_types",
    },
}


def token_body(base: str) -> dict:
    services = {
        "compute": "pod/compute/v2.1",
        "network": "pod/networking",
        "volumev3": "pod/volume/v3",
    }
    catalog = [
        {
            "type": service_type,
            "name": service_type,
            "endpoints": [
                {
                    "interface": "public",
                    "region": "Pod1",
                    "region_id": "Pod1",
                    "url": f"{base}/{path}",
                }
            ],
        }
        for service_type, path in services.items()
    ]
    return {
        "token": {
            "methods": ["password"],
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "issued_at": "2026-01-01T00:00:00.000000Z",
            "user": {"id": "tricircle", "name": "tricircle", "domain": {"id": "default"}},
            "project": {"id": "service", "name": "service", "domain": {"id": "default"}},
            "roles": [{"id": "r1", "name": "admin"}],
            "catalog": catalog,
        }
    }


class Simulator:
    """Keystone, the central Neutron and the pod on one local port; counts the calls."""

    def __init__(self, data: Dataset):
        self.data = data
        self.calls: Counter[str] = Counter()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def collections(self, api: str) -> dict[str, list]:
        if api == "central/v2.0":
            return self.data.top
        return self.data.pod[
            api.split("/")[1]
            .replace("networking", "neutron")
            .replace("compute", "nova")
            .replace("volume", "cinder")
        ]

    def users(self, query: dict[str, str]) -> dict:
        """Keystone's paging: `links.next` while more users follow."""
        self.calls["keystone"] += 1
        users = self.data.users
        if "marker" in query:
            users = users[users.index(query["marker"]) + 1 :]
        limit = int(query.get("limit", 1000))
        more = len(users) > limit
        next_link = f"{self.base}/identity/v3/users?marker={users[limit - 1]}" if more else None
        return {"users": [{"id": user} for user in users[:limit]], "links": {"next": next_link}}

    def keypairs(self, query: dict[str, str]) -> dict:
        """One user's key pairs (all on one page here: one each)."""
        self.calls["pod"] += 1
        keypairs = self.data.pod["nova"]["keypairs"]
        mine = [item for item in keypairs if item["user_id"] == query.get("user_id")]
        return {"keypairs": [{"keypair": item} for item in mine]}

    def page(self, path: str, query: dict[str, str]) -> dict | None:
        if path == "/identity/v3/users":
            return self.users(query)
        if path == "/pod/compute/v2.1/os-keypairs":
            return self.keypairs(query)
        for api, keys in PATHS.items():
            if not path.startswith(f"/{api}/"):
                continue
            collection = path[len(api) + 2 :].removesuffix("/detail")
            if collection not in keys:
                return None
            self.calls["pod" if api.startswith("pod") else "top"] += 1
            key = keys[collection]
            items = self.collections(api)[key]
            if "marker" in query:
                ids = [item["id"] for item in items]
                items = items[ids.index(query["marker"]) + 1 :]
            limit = int(query.get("limit", 1000))
            body: dict = {key: items[:limit]}
            if len(items) > limit:
                body[f"{key}_links"] = [{"rel": "next", "href": f"{self.base}{path}"}]
            return body
        return None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # as bench_scale: no 40 ms delayed-ACK stalls

            def answer(self, status: int, body: dict | None, headers: dict | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                simulator.calls["keystone"] += 1
                headers = {"X-Subject-Token": "bench-token"}
                self.answer(201, token_body(simulator.base), headers)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                body = simulator.page(url.path, query)
                self.answer(200 if body is not None else 404, body or {"error": url.path})

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def setup_django(work: Path, base: str, page_size: int) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["TRICIRCLE_VAR_DIR"] = str(work)
    os.environ["TRICIRCLE_KEYSTONE_URL"] = f"{base}/identity/v3"
    os.environ["TRICIRCLE_CENTRAL_NEUTRON_URL"] = f"{base}/central"
    os.environ["TRICIRCLE_AUDIT_PAGE_SIZE"] = str(page_size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def record_routes(data: Dataset) -> None:
    from gateway.models import KeyPair
    from pods.models import Pod
    from routing.models import ResourceRouting

    KeyPair.objects.bulk_create(
        KeyPair(user_id=user_id, name="key", public_key="ssh-ed25519 AAAA", fingerprint="f")
        for user_id in data.users
    )
    pod = Pod.objects.create(region_name="Pod1", az_name="az1")
    ResourceRouting.objects.bulk_create(
        ResourceRouting(
            top_id=top_id, bottom_id=bottom_id, pod=pod, project_id=PROJECT, resource_type=kind
        )
        for kind, top_id, bottom_id in data.routes
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--unknown", type=int, default=50)
    parser.add_argument("--users", type=int, default=20, help="Keystone users, one key pair each")
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = build(args.resources, args.unknown, args.users, "")
    simulator = Simulator(data)
    data.base = simulator.base
    setup_django(Path(tempfile.mkdtemp(prefix="bench-audit-")), simulator.base, args.page_size)
    record_routes(data)
    from gateway.audit.run import run_pod_audit
    from pods.models import Pod

    pod = Pod.objects.get()
    print(
        f"{len(data.routes)} routed resources in one simulated pod ({args.users} of them key "
        f"pairs, one per Keystone user), {args.unknown} of the pod's own, page size "
        f"{args.page_size}; {time.strftime('%Y-%m-%d')}"
    )
    times = []
    for n in range(args.rounds):
        simulator.calls.clear()
        started = time.perf_counter()
        run = run_pod_audit(pod)
        times.append(time.perf_counter() - started)
        print(
            f"round {n + 1}: {times[-1]:.3f} s, status {run.status}, pod API calls "
            f"{run.api_calls} (served {simulator.calls['pod']}), central Neutron calls "
            f"{simulator.calls['top']}, Keystone calls {simulator.calls['keystone']}, findings "
            f"{dict(sorted(run.counts.items()))}"
        )
    print(f"median {statistics.median(times):.3f} s over {args.rounds} rounds")


if __name__ == "__main__":
    main()
