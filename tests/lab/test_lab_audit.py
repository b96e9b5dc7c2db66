"""The drift audit against the lab: drift made by acting directly in a pod (a bottom port
deleted, a server deleted, a bottom network left behind whose top is gone, a bottom security
group rule added) is found exactly, as its class, and repaired through the jobs; a user's
network or key pair made directly in the pod is listed as unknown and never touched; a pod
stopped during an audit is skipped, its findings kept.

Each test audits Pod1 before and after making its drift (`manage.py audit`, no repair) and
compares the two: what the lab already held (other sessions' resources, the pods' own) is the
baseline, so only the drift made here is expected. The audit and the repairs act on the whole
pod, so the module runs alone (lab_exclusive)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.faults import stopped
from tests.lab.http_client import Client, direct
from tests.lab.waiting import eventually

pytestmark = pytest.mark.lab_exclusive

Key = tuple[str, str, str]  # (class, type, top id or pod id)


def audit(tricircle: Any, pod: str = "Pod1", *extra: str) -> str:
    return tricircle.manage("audit", "--pod", pod, *extra).stdout


def findings(admin: Client, pod: str = "Pod1") -> dict[Key, dict]:
    found: dict[Key, dict] = {}
    url = f"/v1.0/audit/findings?pod={pod}&limit=1000"
    while url:
        body = admin.ok("GET", url)
        for item in body["findings"]:
            found[item["class"], item["resource_type"], item["top_id"] or item["bottom_id"]] = item
        links = body["findings_links"]
        url = links[0]["href"] if links else ""
    return found


def new_findings(tricircle: Any, admin: Client, baseline: dict[Key, dict]) -> dict[Key, dict]:
    """Tricircle's drift found since the baseline (unknown items are the pod's own business:
    Neutron makes a project's default group when it first needs one, for instance)."""
    audit(tricircle)
    return {
        key: item
        for key, item in findings(admin).items()
        if key not in baseline and key[0] != "unknown"
    }


def repair(admin: Client, finding: dict) -> dict:
    return admin.ok("POST", f"/v1.0/audit/findings/{finding['id']}/repair")["finding"]


@pytest.fixture(scope="module")
def pod1(lab: dict[str, Any]) -> dict[str, Any]:
    pod = next(pod for pod in lab["pods"] if pod["region_name"] == "Pod1")
    return {
        "neutron": direct(lab, "admin", pod["neutron_url"] + "/v2.0"),
        "nova": direct(lab, "admin", pod["nova_url"]),
    }


@pytest.fixture
def booted(openstack: Any) -> Iterator[dict[str, Any]]:
    """A top network with a subnet and a server in az1 (Pod1): bottom copies there."""
    name = f"audit-{uuid.uuid4().hex[:8]}"
    net, _ = openstack.network_with_subnet(name, "10.77.0.0/24")
    server = openstack.boot(name, net["id"], "az1")
    (port,) = openstack("lab-demo", "port", "list", "--server", server["id"])
    yield {"net": net, "server": server, "port_id": port["ID"]}
    openstack.run("lab-demo", "server", "delete", "--wait", server["id"])
    eventually(lambda: openstack.run("lab-demo", "network", "delete", net["id"]).returncode == 0)


def named(pod1: dict[str, Any], collection: str, name: str) -> list[dict]:
    key = collection.replace("-", "_")
    return pod1["neutron"].get(f"/{collection}", params={"name": name}).json()[key]


def test_a_bottom_port_deleted_in_the_pod_is_found_and_made_again(tricircle, admin, pod1, booted):
    baseline = (audit(tricircle), findings(admin))[1]
    (bottom,) = named(pod1, "ports", booted["port_id"])
    pod1["neutron"].delete(f"/ports/{bottom['id']}")
    drift = new_findings(tricircle, admin, baseline)
    assert set(drift) == {("missing_copy", "port", booted["port_id"])}
    repaired = repair(admin, drift["missing_copy", "port", booted["port_id"]])
    assert repaired["status"] == "repaired", repaired
    (remade,) = named(pod1, "ports", booted["port_id"])
    assert remade["mac_address"] == bottom["mac_address"]
    assert remade["fixed_ips"][0]["ip_address"] == bottom["fixed_ips"][0]["ip_address"]
    assert new_findings(tricircle, admin, baseline) == {}


def test_a_server_deleted_in_the_pod_leaves_a_dangling_route_that_repair_removes(
    tricircle, admin, pod1, booted
):
    baseline = (audit(tricircle), findings(admin))[1]
    server_id = booted["server"]["id"]
    pod1["nova"].delete(f"/servers/{server_id}")
    assert eventually(lambda: pod1["nova"].get(f"/servers/{server_id}").status_code == 404)
    drift = new_findings(tricircle, admin, baseline)
    assert set(drift) == {("dangling_route", "server", server_id)}
    assert repair(admin, drift["dangling_route", "server", server_id])["job_id"]
    assert eventually(
        lambda: admin.ok("GET", f"/v1.0/routings?top_id={server_id}")["routings"] == [],
        timeout=120,
    )
    assert new_findings(tricircle, admin, baseline) == {}


def test_a_bottom_network_whose_top_is_gone_is_an_orphan_removed_by_repair(tricircle, admin, pod1):
    baseline = (audit(tricircle), findings(admin))[1]
    gone = str(uuid.uuid4())  # a top id no top network has (an earlier run's leftover)
    body = {"network": {"name": gone}}
    leftover = pod1["neutron"].post("/networks", json=body).json()["network"]
    drift = new_findings(tricircle, admin, baseline)
    assert set(drift) == {("orphan", "network", gone)}
    assert drift["orphan", "network", gone]["bottom_id"] == leftover["id"]
    assert repair(admin, drift["orphan", "network", gone])["status"] == "repair_requested"
    assert eventually(lambda: named(pod1, "networks", gone) == [], timeout=120)


def test_a_rule_added_to_a_bottom_group_is_found_and_synced_away(
    tricircle, admin, pod1, booted, openstack
):
    baseline = (audit(tricircle), findings(admin))[1]
    (group_id,) = openstack("lab-demo", "port", "show", booted["port_id"])["security_group_ids"]
    (copy,) = named(pod1, "security-groups", group_id)
    rule = {
        "security_group_id": copy["id"],
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": 2222,
        "port_range_max": 2222,
    }
    made = pod1["neutron"].post("/security-group-rules", json={"security_group_rule": rule})
    drift = new_findings(tricircle, admin, baseline)
    assert set(drift) == {("missing_copy", "security_group", group_id)}
    assert repair(admin, drift["missing_copy", "security_group", group_id])["job_id"]
    rule_id = made.json()["security_group_rule"]["id"]
    assert eventually(
        lambda: pod1["neutron"].get(f"/security-group-rules/{rule_id}").status_code == 404,
        timeout=120,
    )


def test_a_users_network_made_in_the_pod_is_unknown_and_never_touched(tricircle, admin, pod1, lab):
    demo_neutron = direct(
        lab,
        "demo",
        next(p for p in lab["pods"] if p["region_name"] == "Pod1")["neutron_url"] + "/v2.0",
    )
    name = f"users-own-{uuid.uuid4().hex[:8]}"
    own = demo_neutron.post("/networks", json={"network": {"name": name}}).json()["network"]
    try:
        audit(tricircle, "Pod1", "--repair", "--classes", "orphan,dangling_route")
        finding = findings(admin)["unknown", "network", own["id"]]
        assert finding["status"] == "open" and finding["repair_action"] == ""
        response = admin.request("POST", f"/v1.0/audit/findings/{finding['id']}/repair")
        assert response.status_code == 409
        assert named(pod1, "networks", name) != []
    finally:
        demo_neutron.delete(f"/networks/{own['id']}")


def test_a_key_pair_made_in_the_pod_is_unknown_whoever_owns_it(tricircle, admin, lab):
    """Nova lists key pairs one user at a time: alt_demo's key pair, made directly in the pod
    by a user Tricircle holds no key pair for, is seen through Keystone's user list."""
    pod = next(p for p in lab["pods"] if p["region_name"] == "Pod1")
    alt_nova = direct(lab, "alt_demo", pod["nova_url"])
    name = f"users-own-{uuid.uuid4().hex[:8]}"
    made = alt_nova.post("/os-keypairs", json={"keypair": {"name": name}})
    assert made.status_code in (200, 201), made.text
    user_id = made.json()["keypair"]["user_id"]
    try:
        audit(tricircle, "Pod1", "--repair", "--classes", "orphan,dangling_route")
        finding = findings(admin)["unknown", "keypair", f"{user_id}/{name}"]
        assert finding["status"] == "open" and finding["repair_action"] == ""
        response = admin.request("POST", f"/v1.0/audit/findings/{finding['id']}/repair")
        assert response.status_code == 409
        assert alt_nova.get(f"/os-keypairs/{name}").status_code == 200
    finally:
        alt_nova.delete(f"/os-keypairs/{name}")


def test_a_pod_stopped_during_the_audit_is_skipped_and_keeps_its_findings(tricircle, admin):
    audit(tricircle, "Pod2")
    before = findings(admin, "Pod2")
    with stopped("pod2-neutron-api"):
        output = audit(tricircle, "Pod2", "--repair")
    (row,) = [line for line in output.splitlines() if line.startswith("Pod2")]
    assert row.split()[1] == "skipped"
    assert findings(admin, "Pod2") == before
    summary = {pod["region_name"]: pod for pod in admin.ok("GET", "/v1.0/audit")["audit"]}
    assert summary["Pod2"]["last_run"]["status"] == "skipped"
