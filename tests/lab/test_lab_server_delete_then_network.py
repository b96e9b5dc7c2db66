"""`server delete --wait`, then the network at once, with the real openstack CLI through
Tricircle: as with Nova, the server reads as gone (or DELETED) only once its ports are, so the
network delete finds no port of it in the way (a lab run once got a 409 there)."""

import uuid

import pytest


@pytest.mark.parametrize("zone", ["az1", "az2"])
def test_the_network_is_deleted_right_after_its_server(openstack, zone):
    name = f"d-{uuid.uuid4().hex[:8]}"
    net, _ = openstack.network_with_subnet(name, "10.31.0.0/24")
    deleted = False
    try:
        server = openstack.boot(name, net["id"], zone)
        openstack("lab-demo", "server", "delete", "--wait", server["id"])
        result = openstack.run("lab-demo", "network", "delete", net["id"])
        deleted = result.returncode == 0
        assert deleted, result.stderr
        listed = openstack("lab-demo", "network", "list", "--name", name)
        assert listed == []
    finally:
        if not deleted:
            openstack.run("lab-demo", "server", "delete", "--wait", name)
            openstack.run("lab-demo", "network", "delete", net["id"])
