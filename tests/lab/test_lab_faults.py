"""Pods and the central Neutron failing under the gateway: real services stopped with
`lab.py stop` (tests/lab/faults.py brings them back in a finally), and what the user gets.

- A call that needs a stopped pod answers a 503 in its API's fault format, naming the pod (or
  the central Neutron), and leaves nothing behind (no server, the boot's top port released).
- Lists degrade: the pods that answer are listed, the others named in
  X-Tricircle-Unavailable-Pods.
- A job that needs a stopped pod fails, retries, and finishes once the pod is back, once.

Each test restores the lab before it ends; together they take about 90 s (much of it
`lab.py up` restarting the stopped services)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.faults import stopped
from tests.lab.http_client import Client
from tests.lab.waiting import eventually

# They stop lab services: no other lab test may run meanwhile.
pytestmark = pytest.mark.lab_exclusive

POD2_SERVICES = ("pod2-nova-api", "pod2-neutron-api", "pod2-cinder-api")


def make_network(demo: Client, cidr: str, hints: list[str] | None = None) -> dict:
    body: dict[str, Any] = {"name": f"fault-{uuid.uuid4().hex[:6]}"}
    if hints:
        body["availability_zone_hints"] = hints
    net = demo.ok("POST", "/networking/v2.0/networks", {"network": body})["network"]
    demo.ok(
        "POST",
        "/networking/v2.0/subnets",
        {"subnet": {"network_id": net["id"], "cidr": cidr, "ip_version": 4}},
    )
    return net


def user_ports(demo: Client, network_id: str) -> set[str]:
    """The network's ports at the top other than Neutron's own (DHCP, router interfaces...)."""
    ports = demo.ok("GET", f"/networking/v2.0/ports?network_id={network_id}")["ports"]
    return {port["id"] for port in ports if not port["device_owner"].startswith("network:")}


def boot_body(name: str, network_id: str, zone: str) -> dict:
    return {
        "server": {
            "name": name,
            "flavorRef": "1",
            "imageRef": "",  # set by the caller
            "networks": [{"uuid": network_id}],
            "availability_zone": zone,
        }
    }


def wait_active(demo: Client, server_id: str) -> None:
    def active() -> bool:
        status = demo.ok("GET", f"/compute/v2.1/servers/{server_id}")["server"]["status"]
        assert status != "ERROR", f"server {server_id} went to ERROR"
        return status == "ACTIVE"

    assert eventually(active, timeout=120, interval=0.5), f"server {server_id} not ACTIVE"


@pytest.fixture(scope="module")
def network(demo: Client) -> Iterator[dict]:
    net = make_network(demo, "10.71.0.0/24")
    yield net
    demo.request("DELETE", f"/networking/v2.0/networks/{net['id']}")


def servers_named(demo: Client, name: str) -> list[dict]:
    return demo.ok("GET", f"/compute/v2.1/servers/detail?name={name}")["servers"]


def assert_nothing_left(demo: Client, network: dict, name: str, ports_before: set[str]) -> None:
    """No server of that name anywhere, and the boot's top port released by its job."""
    assert servers_named(demo, name) == []
    assert eventually(lambda: user_ports(demo, network["id"]) <= ports_before, timeout=60), (
        f"ports left on {network['id']}: {user_ports(demo, network['id']) - ports_before}"
    )


@pytest.mark.parametrize(
    ("service", "what"), [("pod2-nova-api", "Nova of Pod2"), ("pod2-neutron-api", "Neutron")]
)
def test_a_boot_in_a_pod_whose_api_is_stopped_is_a_503_naming_the_pod(
    lab, demo, network, service, what
):
    name = f"fault-{uuid.uuid4().hex[:6]}"
    body = boot_body(name, network["id"], "az2")
    body["server"]["imageRef"] = lab["image_id"]
    ports_before = user_ports(demo, network["id"])
    with stopped(service):
        started = time.monotonic()
        response = demo.request("POST", "/compute/v2.1/servers", body)
        assert time.monotonic() - started < 60
    assert response.status_code == 503, response.text
    fault = response.json()["serviceUnavailable"]
    assert fault["code"] == 503
    assert what in fault["message"] and "Pod2" in fault["message"], fault
    assert_nothing_left(demo, network, name, ports_before)


def test_lists_answer_with_pod1_while_pod2_is_down(lab, demo, network, openstack):
    """The whole Pod2 API (Nova, Neutron, Cinder) down: the lists carry Pod1's items, and name
    Pod2 in X-Tricircle-Unavailable-Pods; a show of Pod2's server is a 503 naming it. The CLI
    lists too: Pod2's servers as UNKNOWN (Nova's own stubs for a down cell, from 2.69), its
    volumes left out; its shows fail naming the pod."""
    servers: dict[str, str] = {}
    volumes: dict[str, str] = {}
    volume_path = f"/volume/v3/{demo.project_id}/volumes"
    try:
        for zone in ("az1", "az2"):
            body = boot_body(f"fault-list-{zone}", network["id"], zone)
            body["server"]["imageRef"] = lab["image_id"]
            servers[zone] = demo.ok("POST", "/compute/v2.1/servers", body)["server"]["id"]
            volume = {"volume": {"size": 1, "availability_zone": zone, "name": f"fault-{zone}"}}
            volumes[zone] = demo.ok("POST", volume_path, volume)["volume"]["id"]
        for server_id in servers.values():
            wait_active(demo, server_id)
        for volume_id in volumes.values():
            assert eventually(
                lambda volume_id=volume_id: (
                    demo.ok("GET", f"{volume_path}/{volume_id}")["volume"]["status"] == "available"
                ),
                timeout=90,
            ), f"volume {volume_id} not available"
        with stopped(*POD2_SERVICES):
            for path, key, made in (
                ("/compute/v2.1/servers/detail", "servers", servers),
                ("/compute/v2.1/servers", "servers", servers),
                (f"{volume_path}/detail", "volumes", volumes),
                (volume_path, "volumes", volumes),
            ):
                started = time.monotonic()
                response = demo.request("GET", path)
                assert time.monotonic() - started < 60
                assert response.status_code == 200, f"{path}: {response.text}"
                assert response.headers.get("X-Tricircle-Unavailable-Pods") == "Pod2", path
                ids = {item["id"] for item in response.json()[key]}
                assert made["az1"] in ids and made["az2"] not in ids, path
            # The networks are the central Neutron's: Pod2 being down changes nothing there.
            listed = demo.ok("GET", "/networking/v2.0/networks")["networks"]
            assert network["id"] in {net["id"] for net in listed}
            response = demo.request("GET", f"/compute/v2.1/servers/{servers['az2']}")
            assert response.status_code == 503, response.text
            assert "Pod2" in response.json()["serviceUnavailable"]["message"]

            rows = {
                row["ID"]: row
                for row in openstack(
                    "lab-demo", "--os-compute-api-version", "2.69", "server", "list", "--long"
                )
            }
            assert rows[servers["az1"]]["Status"] == "ACTIVE"
            assert rows[servers["az2"]]["Status"] == "UNKNOWN"
            shown = openstack.run("lab-demo", "server", "show", servers["az2"])
            assert shown.returncode != 0 and "Nova of Pod2" in shown.stderr
            listed_volumes = {row["ID"] for row in openstack("lab-demo", "volume", "list")}
            assert volumes["az1"] in listed_volumes and volumes["az2"] not in listed_volumes
            shown = openstack.run("lab-demo", "volume", "show", volumes["az2"])
            assert shown.returncode != 0 and "Cinder of Pod2" in shown.stderr
        listed = demo.ok("GET", "/compute/v2.1/servers/detail")["servers"]
        assert set(servers.values()) <= {item["id"] for item in listed}
    finally:
        for server_id in servers.values():
            demo.request("DELETE", f"/compute/v2.1/servers/{server_id}")
        for volume_id in volumes.values():
            demo.request("DELETE", f"{volume_path}/{volume_id}")
        for server_id in servers.values():
            eventually(
                lambda server_id=server_id: (
                    demo.request("GET", f"/compute/v2.1/servers/{server_id}").status_code == 404
                ),
                timeout=60,
            )


def test_a_network_create_while_the_central_neutron_is_stopped_is_a_neutron_503(demo):
    name = f"fault-{uuid.uuid4().hex[:6]}"
    with stopped("central-neutron-api"):
        response = demo.request("POST", "/networking/v2.0/networks", {"network": {"name": name}})
    assert response.status_code == 503, response.text
    fault = response.json()["NeutronError"]
    assert fault["type"] == "ServiceUnavailable"
    assert "central Neutron" in fault["message"], fault
    listed = demo.ok("GET", f"/networking/v2.0/networks?name={name}")["networks"]
    assert listed == []


def cleanup_jobs(admin: Client, top_id: str) -> list[dict]:
    jobs = admin.ok("GET", "/v1.0/jobs?type=bottom_cleanup")["jobs"]
    return [job for job in jobs if job["resource"].get("top_id") == top_id]


def test_a_cleanup_job_waits_for_a_stopped_pod_and_finishes_once_it_is_back(
    demo, admin, pod_neutrons
):
    """A network bound to Pod2 (materialised there at creation) deleted at the top while
    Pod2's Neutron is down: its bottom_cleanup job fails and retries, then finishes once Pod2
    is back; the bottom copy and its routing entry are gone, and the job ran to success once."""
    net = make_network(demo, "10.72.0.0/24", hints=["Pod2"])
    pod2 = pod_neutrons["Pod2"]
    assert eventually(lambda: pod2.get("/networks", name=net["id"])["networks"], timeout=60)
    routings = admin.ok("GET", f"/v1.0/routings?top_id={net['id']}")["routings"]
    assert len(routings) == 1, routings
    with stopped("pod2-neutron-api"):
        demo.ok("DELETE", f"/networking/v2.0/networks/{net['id']}")

        def failed() -> bool:
            jobs = cleanup_jobs(admin, net["id"])
            return bool(jobs) and jobs[0]["status"] == "FAIL"

        assert eventually(failed, timeout=60, interval=0.5), cleanup_jobs(admin, net["id"])
        # Still there: nothing can be removed from a pod that does not answer.
        assert admin.ok("GET", f"/v1.0/routings?top_id={net['id']}")["routings"]
    jobs = cleanup_jobs(admin, net["id"])
    assert len(jobs) == 1, jobs
    job_path = f"/v1.0/jobs/{jobs[0]['id']}"
    assert eventually(
        lambda: admin.ok("GET", job_path)["job"]["status"] == "SUCCESS", timeout=150
    ), admin.ok("GET", job_path)
    job = admin.ok("GET", job_path)["job"]
    assert job["attempts"] >= 2, job  # failed while the pod was down, then succeeded
    assert pod2.get("/networks", name=net["id"])["networks"] == []
    assert admin.ok("GET", f"/v1.0/routings?top_id={net['id']}")["routings"] == []
    # One job for the network, finished: no second cleanup requested or run.
    assert [j["status"] for j in cleanup_jobs(admin, net["id"])] == ["SUCCESS"]
