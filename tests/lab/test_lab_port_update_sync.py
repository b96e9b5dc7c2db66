"""A top port changed with `openstack port set` through Tricircle (security groups, port
security) reaches its copy in the server's pod: the pod enforces what the user set at the top."""

import uuid

import pytest

from tests.lab.waiting import eventually


@pytest.fixture
def server_port(openstack):
    name = f"ps-{uuid.uuid4().hex[:8]}"
    net, _ = openstack.network_with_subnet(name, "10.61.0.0/24")
    group = openstack("lab-demo", "security", "group", "create", name)
    server = openstack.boot(name, net["id"], "az1")
    (port,) = openstack("lab-demo", "port", "list", "--server", server["id"])
    yield port["ID"], group["id"], server["id"]
    openstack.run("lab-demo", "server", "delete", "--wait", server["id"])
    eventually(lambda: openstack.run("lab-demo", "network", "delete", net["id"]).returncode == 0)
    openstack.run("lab-demo", "security", "group", "delete", group["id"])


def test_security_groups_and_port_security_set_at_the_top_reach_the_pod(
    openstack, pod_neutrons, server_port
):
    port_id, group_id, server_id = server_port
    pod1 = pod_neutrons["Pod1"]

    def bottom_port() -> dict:
        (port,) = pod1.get("/ports", device_id=server_id)["ports"]
        return port

    def copy_of(top_group_id: str) -> str | None:
        found = pod1.get("/security-groups", name=top_group_id)["security_groups"]
        return found[0]["id"] if found else None

    openstack("lab-demo", "port", "set", "--security-group", group_id, port_id)
    top_groups = openstack("lab-demo", "port", "show", port_id)["security_group_ids"]
    assert group_id in top_groups and len(top_groups) == 2  # the default group and the new one

    def groups_copied() -> bool:
        copies = {copy_of(group) for group in top_groups}
        return None not in copies and set(bottom_port()["security_groups"]) == copies

    assert eventually(groups_copied, timeout=60), bottom_port()["security_groups"]

    openstack("lab-demo", "port", "set", "--no-security-group", "--disable-port-security", port_id)
    assert eventually(
        lambda: (
            bottom_port()["port_security_enabled"] is False
            and bottom_port()["security_groups"] == []
        ),
        timeout=60,
    ), bottom_port()
