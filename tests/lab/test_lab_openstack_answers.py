"""Answers through Tricircle read as OpenStack's own, against the real pods: a caller's request
id reaches the pods' logs, a pod's 400 to a list is passed on (not taken for a pod being down),
a server's security groups and addresses are named as the top names them, and no answer gives
away a pod's address."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.lab.cli import OpenStackCLI
from tests.lab.http_client import Client, direct
from tests.lab.lab import lab_paths
from tests.lab.waiting import eventually

NOVA = "/compute/v2.1"
CINDER = "/volume/v3"
NET = "/networking/v2.0"


@pytest.fixture(scope="module")
def world(openstack: OpenStackCLI) -> Iterator[dict[str, Any]]:
    """A server in az2 (Pod2, not the first pod) on a top network, in a top security group."""
    name = f"answers-{uuid.uuid4().hex[:6]}"
    network, _ = openstack.network_with_subnet(name, "10.61.0.0/24")
    group = openstack("lab-demo", "security", "group", "create", name)
    server = openstack.boot(name, network["id"], "az2", "--security-group", group["id"])
    try:
        yield {"server": server, "network": network, "group": group}
    finally:
        openstack.run("lab-demo", "server", "delete", "--wait", server["id"])
        openstack.run("lab-demo", "security", "group", "delete", group["id"])
        eventually(
            lambda: openstack.run("lab-demo", "network", "delete", network["id"]).returncode == 0
        )


def pod_logs(service: str) -> list[Path]:
    """The logs of the lab's pods now (a lab once run with more pods keeps their logs)."""
    lab = json.loads((lab_paths().root / "lab.json").read_text())
    logs = lab_paths().root / "logs"
    return [logs / f"{pod['region_name'].lower()}-{service}.log" for pod in lab["pods"]]


def test_a_callers_request_id_reaches_every_pod_asked(demo: Client) -> None:
    request_id = f"req-{uuid.uuid4()}"
    response = demo.http.get(
        demo.base + f"{NOVA}/servers/detail",
        headers={"X-Auth-Token": demo.session.get_token(), "X-OpenStack-Request-ID": request_id},
        timeout=120,
    )
    assert response.status_code == 200
    # The answer has a request id of its own; the caller's is the global one in the pods' logs.
    assert re.fullmatch(r"req-[0-9a-f-]{36}", response.headers["x-openstack-request-id"])
    assert re.fullmatch(r"req-[0-9a-f-]{36}", response.headers["x-compute-request-id"])
    logs = pod_logs("nova-api")
    assert len(logs) >= 2
    for log in logs:
        assert eventually(lambda log=log: request_id in log.read_text(errors="replace")), log


@pytest.mark.parametrize(
    ("path", "pod_path", "pod_url"),
    [
        (f"{NOVA}/servers/detail?sort_key=bogus", "/servers/detail?sort_key=bogus", "nova_url"),
        (
            f"{NOVA}/servers/detail?changes-since=notadate",
            "/servers/detail?changes-since=notadate",
            "nova_url",
        ),
        (
            f"{CINDER}/volumes/detail?sort=bogus:asc",
            "/volumes/detail?sort=bogus:asc",
            "cinder_url",
        ),
    ],
)
def test_a_pods_400_to_a_list_is_the_answer(
    lab: dict[str, Any], demo: Client, path: str, pod_path: str, pod_url: str
) -> None:
    through = demo.request("GET", path)
    directly = direct(lab, "demo", lab["pods"][0][pod_url]).get(pod_path)
    assert directly.status_code == 400
    assert (through.status_code, through.json()) == (directly.status_code, directly.json())
    assert "X-Tricircle-Unavailable-Pods" not in through.headers


def test_a_servers_groups_and_addresses_are_named_as_at_the_top(
    demo: Client, world: dict[str, Any]
) -> None:
    server_id, group, network = world["server"]["id"], world["group"], world["network"]
    server = demo.ok("GET", f"{NOVA}/servers/{server_id}")["server"]
    assert server["security_groups"] == [{"name": group["name"]}]
    assert list(server["addresses"]) == [network["name"]]
    ips = demo.ok("GET", f"{NOVA}/servers/{server_id}/ips")["addresses"]
    assert ips == {
        network["name"]: [
            {"version": a["version"], "addr": a["addr"]}
            for a in server["addresses"][network["name"]]
        ]
    }
    groups = demo.ok("GET", f"{NOVA}/servers/{server_id}/os-security-groups")["security_groups"]
    assert [(shown["id"], shown["name"]) for shown in groups] == [(group["id"], group["name"])]
    # What the server shows is found at the top by a client that looks it up.
    assert (
        demo.ok("GET", f"{NET}/security-groups/{groups[0]['id']}")["security_group"]["name"]
        == (group["name"])
    )


def test_no_answer_gives_away_a_pods_address(
    lab: dict[str, Any], demo: Client, world: dict[str, Any]
) -> None:
    pod_urls = {
        "http://" + urlsplit(pod[key]).netloc
        for pod in lab["pods"]
        for key in ("nova_url", "cinder_url", "neutron_url", "placement_url")
    }
    server_id = world["server"]["id"]
    for path in (
        f"{NOVA}/servers",
        f"{NOVA}/servers/detail",
        f"{NOVA}/servers/{server_id}",
        f"{NOVA}/flavors/detail",
        f"{NOVA}/servers/detail?limit=1",
        f"{CINDER}/volumes/detail?limit=1",
        f"{CINDER}/types",
    ):
        text = json.dumps(demo.ok("GET", path))
        leaked = [url for url in pod_urls if url in text]
        assert not leaked, (path, leaked)
