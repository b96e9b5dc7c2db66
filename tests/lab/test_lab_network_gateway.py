"""The top region's Network API through Tricircle, with the real openstack CLI, compared with
what the central Neutron itself answers."""

import uuid

import pytest

from tests.lab.cli import boot_args
from tests.lab.waiting import eventually


@pytest.fixture
def name() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def test_network_subnet_port_router_and_security_group_crud(openstack, central_neutron, name):
    net = openstack("lab-demo", "network", "create", name)
    try:
        assert net["name"] == name
        assert net["availability_zone_hints"] == []
        direct = central_neutron.get(f"/networks/{net['id']}")["network"]
        assert direct["name"] == name and direct["project_id"] == net["project_id"]
        subnet = openstack(
            "lab-demo",
            "subnet",
            "create",
            name,
            "--network",
            net["id"],
            "--subnet-range",
            "10.10.0.0/24",
        )
        assert subnet["cidr"] == "10.10.0.0/24"
        port = openstack("lab-demo", "port", "create", name, "--network", net["id"])
        direct_port = central_neutron.get(f"/ports/{port['id']}")["port"]
        assert direct_port["mac_address"] == port["mac_address"]
        assert [ip["ip_address"] for ip in direct_port["fixed_ips"]] == [
            ip["ip_address"] for ip in port["fixed_ips"]
        ]
        router = openstack("lab-demo", "router", "create", name)
        openstack("lab-demo", "router", "add", "subnet", router["id"], subnet["id"])
        group = openstack("lab-demo", "security", "group", "create", name)
        rule = openstack(
            "lab-demo",
            "security",
            "group",
            "rule",
            "create",
            group["id"],
            "--protocol",
            "tcp",
            "--dst-port",
            "22",
        )
        assert rule["port_range_min"] == 22
        listed = openstack("lab-demo", "network", "list", "--name", name)
        assert [row["ID"] for row in listed] == [net["id"]]
        openstack("lab-demo", "network", "set", net["id"], "--description", "changed")
        assert central_neutron.get(f"/networks/{net['id']}")["network"]["description"] == "changed"
        openstack("lab-demo", "router", "remove", "subnet", router["id"], subnet["id"])
        openstack("lab-demo", "router", "delete", router["id"])
        openstack("lab-demo", "security", "group", "delete", group["id"])
        openstack("lab-demo", "port", "delete", port["id"])
    finally:
        openstack.run("lab-demo", "network", "delete", net["id"])
    assert openstack.run("lab-demo", "network", "show", net["id"]).returncode != 0


def test_network_in_use_is_refused_with_neutrons_409(openstack, name):
    net, _ = openstack.network_with_subnet(name, "10.11.0.0/24")
    port = openstack(
        "lab-demo",
        "port",
        "create",
        name,
        "--network",
        net["id"],
        "--device-owner",
        "compute:nova",
        "--device",
        str(uuid.uuid4()),
    )
    try:
        result = openstack.run("lab-demo", "network", "delete", net["id"])
        assert result.returncode != 0
        assert "in use" in result.stderr.lower() or "409" in result.stderr
    finally:
        openstack("lab-demo", "port", "delete", port["id"])
        openstack("lab-demo", "network", "delete", net["id"])


def test_unknown_availability_zone_hint_is_refused(openstack, central_neutron, name):
    result = openstack.run("lab-demo", "network", "create", name, "--availability-zone-hint", "az9")
    assert result.returncode != 0
    assert "az9" in result.stderr
    assert not central_neutron.get("/networks", name=name)["networks"]


def test_local_network_is_made_in_its_pod_right_away(openstack, name):
    net = openstack("lab-demo", "network", "create", name, "--availability-zone-hint", "Pod1")
    try:
        assert net["availability_zone_hints"] == ["Pod1"]
        shown = openstack("lab-demo", "network", "show", net["id"])
        assert shown["availability_zone_hints"] == ["Pod1"]
        bottom = openstack("lab-admin", "network", "list", "--name", net["id"], region="Pod1")
        assert len(bottom) == 1
        assert openstack("lab-admin", "network", "list", "--name", net["id"], region="Pod2") == []
    finally:
        openstack("lab-demo", "network", "delete", net["id"])
    # Deleting the top network removes its bottom copy (a job does it).
    assert eventually(
        lambda: openstack("lab-admin", "network", "list", "--name", net["id"], region="Pod1") == []
    )


def test_port_with_an_ip_already_taken_is_a_409(openstack, name):
    net = openstack("lab-demo", "network", "create", name)
    try:
        subnet = openstack(
            "lab-demo",
            "subnet",
            "create",
            name,
            "--network",
            net["id"],
            "--subnet-range",
            "10.12.0.0/24",
        )
        openstack(
            "lab-demo",
            "port",
            "create",
            f"{name}-a",
            "--network",
            net["id"],
            "--fixed-ip",
            f"subnet={subnet['id']},ip-address=10.12.0.50",
        )
        result = openstack.run(
            "lab-demo",
            "port",
            "create",
            f"{name}-b",
            "--network",
            net["id"],
            "--fixed-ip",
            f"subnet={subnet['id']},ip-address=10.12.0.50",
        )
        assert result.returncode != 0
        assert "10.12.0.50" in result.stderr and "already allocated" in result.stderr
        ports = openstack("lab-demo", "port", "list", "--network", net["id"], "--long")
        assert [row["Name"] for row in ports if row["Device Owner"] != "network:dhcp"] == [
            f"{name}-a"
        ]
    finally:
        for port in openstack("lab-demo", "port", "list", "--network", net["id"]):
            openstack.run("lab-demo", "port", "delete", port["ID"])
        openstack("lab-demo", "network", "delete", net["id"])


def test_local_network_used_in_another_pod_is_refused_and_leaves_nothing(openstack, name):
    net = openstack("lab-demo", "network", "create", name, "--availability-zone-hint", "Pod1")
    try:
        openstack(
            "lab-demo",
            "subnet",
            "create",
            name,
            "--network",
            net["id"],
            "--subnet-range",
            "10.13.0.0/24",
        )
        result = openstack.run("lab-demo", *boot_args(name, net["id"], "az2"))
        assert result.returncode != 0
        assert "cannot be used in Pod2" in result.stderr
        # The top port made for the boot is released by a job; nothing was made in Pod2.
        assert eventually(
            lambda: (
                [
                    row
                    for row in openstack(
                        "lab-demo", "port", "list", "--network", net["id"], "--long"
                    )
                    if row["Device Owner"] != "network:dhcp"
                ]
                == []
            )
        )
        assert openstack("lab-admin", "network", "list", "--name", net["id"], region="Pod2") == []
    finally:
        openstack("lab-demo", "network", "delete", net["id"])
    # Deleting the top network removes its bottom copy (a job does it).
    assert eventually(
        lambda: openstack("lab-admin", "network", "list", "--name", net["id"], region="Pod1") == []
    )
