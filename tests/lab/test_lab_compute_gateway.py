"""The top region's Compute API through Tricircle with the real openstack CLI: servers in az1 and
az2 on one top network, each in its pod, listed together, routed by id, deleted (a stopped
pod's Nova: test_lab_faults.py)."""

import uuid

import pytest

from tests.lab.cli import boot_args
from tests.lab.waiting import eventually


@pytest.fixture(scope="module")
def shared_network(openstack):
    name = f"c-{uuid.uuid4().hex[:8]}"
    net, subnet = openstack.network_with_subnet(name, "10.30.0.0/24")
    yield net, subnet
    # the servers' ports are released by a job once their pods have deleted them
    eventually(lambda: openstack.run("lab-demo", "network", "delete", net["id"]).returncode == 0)


@pytest.fixture(scope="module")
def servers(openstack, shared_network):
    net, _ = shared_network
    made = {}
    for zone in ("az1", "az2"):
        made[zone] = openstack.boot(f"s-{zone}-{uuid.uuid4().hex[:6]}", net["id"], zone)
    yield made
    for server in made.values():
        openstack.run("lab-demo", "server", "delete", "--wait", server["id"])


def test_servers_boot_in_the_pod_of_their_zone_on_one_top_network(
    openstack, servers, shared_network
):
    net, _ = shared_network
    top_ports = openstack("lab-demo", "port", "list", "--network", net["id"], "--long")
    for zone, region in (("az1", "Pod1"), ("az2", "Pod2")):
        server = openstack("lab-demo", "server", "show", servers[zone]["id"])
        assert server["status"] == "ACTIVE"
        direct = openstack("lab-admin", "server", "show", server["id"], region=region)
        assert direct["id"] == server["id"]
        (address,) = [ip for ips in server["addresses"].values() for ip in ips]
        assert address.startswith("10.30.0.")
        top = [port for port in top_ports if address in str(port["Fixed IP Addresses"])]
        assert len(top) == 1
        bottom = openstack("lab-admin", "port", "list", "--server", server["id"], region=region)
        assert [port["MAC Address"] for port in bottom] == [top[0]["MAC Address"]]
    other = {"az1": "Pod2", "az2": "Pod1"}
    for zone, region in other.items():
        result = openstack.run("lab-admin", "server", "show", servers[zone]["id"], region=region)
        assert result.returncode != 0


def test_list_gathers_both_pods_with_sort_and_pagination(openstack, servers):
    ids = {server["id"] for server in servers.values()}
    listed = openstack("lab-demo", "server", "list", "--sort-column", "Name")
    assert ids <= {row["ID"] for row in listed}
    by_name = openstack("lab-demo", "server", "list", "--name", servers["az2"]["name"])
    assert [row["ID"] for row in by_name] == [servers["az2"]["id"]]
    first = openstack("lab-demo", "server", "list", "--limit", "1")
    rest = openstack("lab-demo", "server", "list", "--limit", "1", "--marker", first[0]["ID"])
    assert len(first) == 1 and len(rest) == 1 and first[0]["ID"] != rest[0]["ID"]
    everything = openstack("lab-demo", "server", "list")
    ordered = [row["ID"] for row in everything]
    assert ordered.index(first[0]["ID"]) < ordered.index(rest[0]["ID"])


def test_actions_are_routed_to_the_servers_pod(openstack, servers):
    server_id = servers["az2"]["id"]
    openstack("lab-demo", "server", "stop", server_id)
    assert eventually(
        lambda: openstack("lab-demo", "server", "show", server_id)["status"] == "SHUTOFF"
    )
    openstack("lab-demo", "server", "start", server_id)
    assert eventually(
        lambda: openstack("lab-demo", "server", "show", server_id)["status"] == "ACTIVE"
    )
    openstack("lab-demo", "server", "set", "--property", "role=test", "--tag", "blue", server_id)
    assert "role" in str(openstack("lab-demo", "server", "show", server_id)["properties"])
    direct = openstack("lab-admin", "server", "show", server_id, region="Pod2")
    assert "role" in str(direct["properties"]) and "blue" in direct["tags"]
    openstack("lab-demo", "server", "unset", "--tag", "blue", server_id)
    assert "blue" not in openstack("lab-demo", "server", "show", server_id)["tags"]


def test_unknown_server_is_a_404(openstack):
    result = openstack.run("lab-demo", "server", "show", str(uuid.uuid4()))
    assert result.returncode != 0
    assert "No Server found" in result.stderr or "could not be found" in result.stderr


def test_unknown_zone_is_a_400(openstack, shared_network):
    net, _ = shared_network
    result = openstack.run("lab-demo", *boot_args("nowhere", net["id"], "az9"))
    assert result.returncode != 0
    assert "az9" in result.stderr


def test_availability_zones_are_tricircles(openstack):
    zones = openstack("lab-demo", "availability", "zone", "list", "--compute")
    assert {zone["Zone Name"] for zone in zones} >= {"az1", "az2"}


def test_interfaces_attach_and_detach_with_top_ports(openstack, servers, shared_network):
    net, _ = shared_network
    server_id = servers["az1"]["id"]
    port = openstack(
        "lab-demo", "port", "create", f"if-{uuid.uuid4().hex[:6]}", "--network", net["id"]
    )
    openstack("lab-demo", "server", "add", "port", server_id, port["id"])
    try:
        listed = openstack("lab-demo", "port", "list", "--server", server_id)
        assert port["id"] in {row["ID"] for row in listed}
        bottom = openstack("lab-admin", "port", "list", "--server", server_id, region="Pod1")
        assert port["mac_address"] in {row["MAC Address"] for row in bottom}
        interfaces = openstack("lab-demo", "server", "show", server_id)["addresses"]
        assert port["fixed_ips"][0]["ip_address"] in str(interfaces)
    finally:
        openstack("lab-demo", "server", "remove", "port", server_id, port["id"])
    assert eventually(
        lambda: (
            port["mac_address"]
            not in {
                row["MAC Address"]
                for row in openstack(
                    "lab-admin", "port", "list", "--server", server_id, region="Pod1"
                )
            }
        )
    )
    openstack("lab-demo", "port", "delete", port["id"])


def test_vxlan_network_across_pods_has_shadow_ports(openstack, servers, shared_network):
    net, _ = shared_network
    top_ports = {
        row["ID"]: row
        for row in openstack("lab-demo", "port", "list", "--network", net["id"], "--long")
    }
    for zone, region in (("az1", "Pod2"), ("az2", "Pod1")):
        (remote,) = openstack("lab-demo", "port", "list", "--server", servers[zone]["id"])

        def shadow_there(remote=remote, region=region) -> bool:
            ports = openstack(
                "lab-admin",
                "port",
                "list",
                "--name",
                remote["ID"],
                "--device-owner",
                "compute:shadow",
                region=region,
            )
            return len(ports) == 1 and ports[0]["MAC Address"] == remote["MAC Address"]

        assert eventually(shadow_there), f"no shadow of {zone}'s port in {region}"
        assert remote["ID"] in top_ports


def status_of(openstack, server_id: str) -> str:
    return openstack("lab-demo", "server", "show", server_id)["status"]


def test_server_actions_reach_the_pod(openstack, servers):
    """The actions the lab's fake driver supports, each through Tricircle to the server's pod."""
    server_id = servers["az1"]["id"]
    steps = [
        (("reboot", "--wait"), "ACTIVE"),
        (("pause",), "PAUSED"),
        (("unpause",), "ACTIVE"),
        (("suspend",), "SUSPENDED"),
        (("resume",), "ACTIVE"),
        (("lock",), "ACTIVE"),
        (("unlock",), "ACTIVE"),
        (("rescue",), "RESCUE"),
        (("unrescue",), "ACTIVE"),
        (("rebuild", "--image", "lab-tiny", "--wait"), "ACTIVE"),
        (("shelve",), "SHELVED_OFFLOADED"),
        (("unshelve",), "ACTIVE"),
    ]
    for action, expected in steps:
        openstack("lab-demo", "server", *action, server_id)
        assert eventually(lambda expected=expected: status_of(openstack, server_id) == expected), (
            f"{action} did not reach {expected}"
        )
    direct = openstack("lab-admin", "server", "show", server_id, region="Pod1")
    assert direct["status"] == "ACTIVE"
    assert openstack.run("lab-demo", "console", "log", "show", server_id).returncode == 0


def test_resize_to_a_flavor_made_only_at_the_top_then_confirm_and_revert(openstack, servers):
    server_id = servers["az2"]["id"]
    flavor = openstack(
        "lab-admin",
        "flavor",
        "create",
        f"resize-{uuid.uuid4().hex[:6]}",
        "--ram",
        "128",
        "--vcpus",
        "2",
        "--disk",
        "1",
    )
    try:
        openstack("lab-demo", "server", "resize", "--flavor", flavor["id"], "--wait", server_id)
        assert status_of(openstack, server_id) == "VERIFY_RESIZE"
        assert openstack("lab-admin", "flavor", "show", flavor["id"], region="Pod2")["vcpus"] == 2
        openstack("lab-demo", "server", "resize", "confirm", server_id)
        assert eventually(lambda: status_of(openstack, server_id) == "ACTIVE")
        direct = openstack("lab-admin", "server", "show", server_id, region="Pod2")
        assert flavor["name"] in str(direct["flavor"])

        openstack("lab-demo", "server", "resize", "--flavor", "m1.tiny", "--wait", server_id)
        assert "m1.tiny" in str(openstack("lab-demo", "server", "show", server_id)["flavor"])
        openstack("lab-demo", "server", "resize", "revert", server_id)
        assert eventually(lambda: status_of(openstack, server_id) == "ACTIVE")
        direct = openstack("lab-admin", "server", "show", server_id, region="Pod2")
        assert flavor["name"] in str(direct["flavor"])
    finally:
        openstack.run("lab-admin", "flavor", "delete", flavor["id"])


def test_create_image_of_a_server_lands_in_the_shared_glance(openstack, servers):
    server_id = servers["az2"]["id"]
    name = f"snap-{uuid.uuid4().hex[:6]}"
    image = openstack("lab-demo", "server", "image", "create", "--name", name, server_id)
    try:
        # The image service is the top region's Glance, shared with the pods.
        shown = openstack("lab-demo", "image", "show", image["id"])
        assert shown["name"] == name
        assert shown["properties"]["instance_uuid"] == server_id
        assert eventually(lambda: status_of(openstack, server_id) == "ACTIVE")
        assert eventually(
            lambda: openstack("lab-demo", "image", "show", image["id"])["status"] == "active"
        )
    finally:
        openstack.run("lab-demo", "image", "delete", image["id"])


def test_console_urls_come_from_the_servers_pod(openstack, servers, lab):
    pods = {pod["region_name"]: pod for pod in lab["pods"]}
    for zone, pod in (("az1", pods["Pod1"]), ("az2", pods["Pod2"])):
        console = openstack("lab-demo", "console", "url", "show", "--novnc", servers[zone]["id"])
        assert console["type"] == "novnc"
        assert console["url"].startswith(pod["novnc_url"]), (zone, console["url"])
        assert "token" in console["url"]
