"""Flavors and key pairs made only at the top, used by servers in both pods."""

import uuid

from tests.lab.waiting import eventually

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGzOh6Vy9u4b6MFrGgqZ5yHGsBk6e8xV0BxE2yxGQwq9 lab"


def test_flavor_and_key_pair_made_at_the_top_are_copied_to_the_pod_of_a_boot(openstack, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    flavor = openstack(
        "lab-admin",
        "flavor",
        "create",
        f"top-{suffix}",
        "--ram",
        "256",
        "--vcpus",
        "1",
        "--disk",
        "1",
        "--property",
        "hw:cpu_policy=shared",
    )
    key_file = tmp_path / "key.pub"
    key_file.write_text(PUBLIC_KEY)
    openstack("lab-demo", "keypair", "create", f"k-{suffix}", "--public-key", str(key_file))
    assert openstack("lab-admin", "flavor", "list", "--all", region="Pod2") and not [
        row
        for row in openstack("lab-admin", "flavor", "list", "--all", region="Pod2")
        if row["ID"] == flavor["id"]
    ]
    net, _ = openstack.network_with_subnet(f"f-{suffix}", "10.40.0.0/24")
    server = None
    try:
        server = openstack(
            "lab-demo",
            "server",
            "create",
            f"f-{suffix}",
            "--flavor",
            flavor["id"],
            "--image",
            "lab-tiny",
            "--network",
            net["id"],
            "--key-name",
            f"k-{suffix}",
            "--availability-zone",
            "az2",
            "--wait",
        )
        assert server["status"] == "ACTIVE"
        copy = openstack("lab-admin", "flavor", "show", flavor["id"], region="Pod2")
        assert copy["name"] == f"top-{suffix}" and copy["ram"] == 256
        assert "hw:cpu_policy" in str(copy["properties"])
        direct = openstack("lab-admin", "server", "show", server["id"], region="Pod2")
        assert direct["key_name"] == f"k-{suffix}"
        (top_port,) = openstack("lab-demo", "port", "list", "--server", server["id"])
    finally:
        if server:
            openstack("lab-demo", "server", "delete", "--wait", server["id"])
        openstack("lab-demo", "keypair", "delete", f"k-{suffix}")
        openstack("lab-admin", "flavor", "delete", flavor["id"])
    # The server's port goes with it, at the top and in the pod (a job).
    assert eventually(
        lambda: (
            openstack("lab-admin", "port", "list", "--name", top_port["ID"], region="Pod2") == []
        )
    )
    assert openstack.run("lab-demo", "port", "show", top_port["ID"]).returncode != 0
    openstack.run("lab-demo", "network", "delete", net["id"])
    # Deleting the flavor at the top removes the pod's copy (a job).
    assert eventually(
        lambda: (
            openstack.run("lab-admin", "flavor", "show", flavor["id"], region="Pod2").returncode
            != 0
        )
    )
