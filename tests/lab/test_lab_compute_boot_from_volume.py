"""A server booted from a volume is made in the volume's pod."""

import uuid

from tests.lab.waiting import eventually


def test_boot_from_a_volume_in_its_pod(openstack):
    name = f"bfv-{uuid.uuid4().hex[:6]}"
    volume = openstack(
        "lab-demo", "volume", "create", name, "--size", "1", "--availability-zone", "az2"
    )
    net, _ = openstack.network_with_subnet(name, "10.60.0.0/24")
    server = None
    try:
        assert eventually(
            lambda: openstack("lab-demo", "volume", "show", volume["id"])["status"] == "available"
        )
        openstack("lab-demo", "volume", "set", "--bootable", volume["id"])
        wrong = openstack.run(
            "lab-demo",
            "server",
            "create",
            name,
            "--flavor",
            "m1.tiny",
            "--volume",
            volume["id"],
            "--network",
            net["id"],
            "--availability-zone",
            "az1",
        )
        assert wrong.returncode != 0 and "Pod2" in wrong.stderr
        server = openstack(
            "lab-demo",
            "server",
            "create",
            name,
            "--flavor",
            "m1.tiny",
            "--volume",
            volume["id"],
            "--network",
            net["id"],
            "--wait",
        )
        assert server["status"] == "ACTIVE"
        direct = openstack("lab-admin", "server", "show", server["id"], region="Pod2")
        assert direct["id"] == server["id"]
        assert eventually(
            lambda: openstack("lab-demo", "volume", "show", volume["id"])["status"] == "in-use"
        )
    finally:
        if server:
            openstack("lab-demo", "server", "delete", "--wait", server["id"])
        assert eventually(
            lambda: openstack("lab-demo", "volume", "show", volume["id"])["status"] == "available"
        )
        openstack("lab-demo", "volume", "delete", volume["id"])
        assert eventually(
            lambda: openstack.run("lab-demo", "network", "delete", net["id"]).returncode == 0
        )
