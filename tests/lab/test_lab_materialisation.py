"""Top networks, subnets, ports and security groups materialised in the real pods by the
networking service functions (what a boot in a pod runs), checked directly in each pod."""

import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection

from networking import bottom
from pods.clients import clients
from pods.models import Pod
from routing.models import ResourceRouting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lab_pods(settings, lab, tricircle) -> dict[str, Pod]:
    """This process's settings pointed at the lab, and its pods registered."""
    lines = Path(lab["lab_dir"], "tricircle.env").read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines if "=" in line)
    settings.KEYSTONE_URL = env["TRICIRCLE_KEYSTONE_URL"]
    settings.CENTRAL_NEUTRON_URL = env["TRICIRCLE_CENTRAL_NEUTRON_URL"]
    settings.SERVICE_AUTH = {
        **settings.SERVICE_AUTH,
        "auth_url": env["TRICIRCLE_KEYSTONE_URL"],
        "username": env["TRICIRCLE_SERVICE_USERNAME"],
        "password": env["TRICIRCLE_SERVICE_PASSWORD"],
        "project_name": env["TRICIRCLE_SERVICE_PROJECT"],
    }
    clients.cache_clear()
    return {
        pod["region_name"]: Pod.objects.create(
            region_name=pod["region_name"], az_name=pod["az_name"]
        )
        for pod in lab["pods"]
    }


@pytest.fixture
def top_network(openstack):
    """A network, subnet and port made at the top through Tricircle by the demo project."""
    made = []

    def make(*network_options: str, cloud: str = "lab-demo") -> tuple[dict, dict, dict]:
        name = f"m-{uuid.uuid4().hex[:8]}"
        net = openstack(cloud, "network", "create", name, *network_options)
        made.append((cloud, net["id"]))
        subnet = openstack(
            cloud,
            "subnet",
            "create",
            name,
            "--network",
            net["id"],
            "--subnet-range",
            "10.20.0.0/24",
            "--allocation-pool",
            "start=10.20.0.10,end=10.20.0.200",
            "--host-route",
            "destination=10.99.0.0/16,gateway=10.20.0.254",
        )
        group = openstack("lab-demo", "security", "group", "create", name)
        made.append(("lab-demo-group", group["id"]))
        openstack(
            "lab-demo",
            "security",
            "group",
            "rule",
            "create",
            group["id"],
            "--protocol",
            "tcp",
            "--dst-port",
            "2222",
        )
        port = openstack(
            "lab-demo",
            "port",
            "create",
            name,
            "--network",
            net["id"],
            "--security-group",
            group["id"],
        )
        made.append(("lab-demo-port", port["id"]))
        return net, subnet, port

    yield make
    for kind, resource_id in reversed(made):
        if kind == "lab-demo-port":
            openstack.run("lab-demo", "port", "delete", resource_id)
        elif kind == "lab-demo-group":
            openstack.run("lab-demo", "security", "group", "delete", resource_id)
        else:
            openstack.run(kind, "network", "delete", resource_id)


def bottom_named(pod_neutron, collection: str, top_id: str) -> list[dict]:
    return pod_neutron.get(f"/{collection}", name=top_id)[collection]


def check_materialised(pod_neutron, top_net, top_subnet, top_port, bottom_port_id, central):
    (net,) = bottom_named(pod_neutron, "networks", top_net["id"])
    top_full = central.get(f"/networks/{top_net['id']}")["network"]
    for field in bottom.PROVIDER_FIELDS:
        assert net[field] == top_full[field], field
    (subnet,) = bottom_named(pod_neutron, "subnets", top_subnet["id"])
    assert subnet["cidr"] == top_subnet["cidr"]
    assert subnet["gateway_ip"] == top_subnet["gateway_ip"]
    assert subnet["allocation_pools"] == top_subnet["allocation_pools"]
    assert subnet["host_routes"] == top_subnet["host_routes"]
    assert subnet["enable_dhcp"] is True
    (top_dhcp,) = central.get("/ports", network_id=top_net["id"], device_owner="network:dhcp")[
        "ports"
    ]
    dhcp_ports = pod_neutron.get("/ports", network_id=net["id"], device_owner="network:dhcp")[
        "ports"
    ]
    assert [port["fixed_ips"][0]["ip_address"] for port in dhcp_ports] == [
        top_dhcp["fixed_ips"][0]["ip_address"]
    ]
    port = pod_neutron.get(f"/ports/{bottom_port_id}")["port"]
    assert port["mac_address"] == top_port["mac_address"]
    assert [ip["ip_address"] for ip in port["fixed_ips"]] == [
        ip["ip_address"] for ip in top_port["fixed_ips"]
    ]
    (group_id,) = port["security_groups"]
    rules = pod_neutron.get("/security-group-rules", security_group_id=group_id)[
        "security_group_rules"
    ]
    assert any(rule["port_range_min"] == 2222 for rule in rules)


@pytest.mark.parametrize(
    ("cloud", "options"),
    [
        ("lab-demo", ()),
        (
            "lab-admin",
            (
                "--provider-network-type",
                "vlan",
                "--provider-physical-network",
                "physnet1",
                "--share",
            ),
        ),
        ("lab-admin", ("--provider-network-type", "vxlan", "--share")),
    ],
    ids=["tenant-vxlan", "shared-vlan", "provider-vxlan"],
)
def test_network_spanning_two_pods_is_materialised_in_each(
    lab_pods, top_network, openstack, central_neutron, pod_neutrons, cloud, options
):
    net, subnet, port = top_network(*options, cloud=cloud)
    second = openstack("lab-demo", "port", "create", f"{net['name']}-2", "--network", net["id"])
    try:
        project = port["project_id"]
        bottom_1 = bottom.ensure_port(lab_pods["Pod1"], port["id"], project)
        bottom_2 = bottom.ensure_port(lab_pods["Pod2"], second["id"], project)
        check_materialised(pod_neutrons["Pod1"], net, subnet, port, bottom_1, central_neutron)
        (net_2,) = bottom_named(pod_neutrons["Pod2"], "networks", net["id"])
        (net_1,) = bottom_named(pod_neutrons["Pod1"], "networks", net["id"])
        assert net_1["provider:segmentation_id"] == net_2["provider:segmentation_id"]
        bottom_port_2 = pod_neutrons["Pod2"].get(f"/ports/{bottom_2}")["port"]
        assert bottom_port_2["fixed_ips"][0]["ip_address"] == second["fixed_ips"][0]["ip_address"]
        assert bottom_port_2["fixed_ips"][0]["ip_address"] != port["fixed_ips"][0]["ip_address"]
        # Twice is the same as once.
        assert bottom.ensure_port(lab_pods["Pod1"], port["id"], project) == bottom_1
    finally:
        openstack.run("lab-demo", "port", "delete", second["id"])
    assert ResourceRouting.objects.filter(top_id=net["id"]).count() == 2


def test_concurrent_materialisation_makes_one_bottom_network(lab_pods, top_network, pod_neutrons):
    net, subnet, port = top_network()
    results, errors = [], []

    def materialise() -> None:
        try:
            results.append(bottom.ensure_subnet(lab_pods["Pod1"], subnet["id"], port["project_id"]))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=materialise) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert len(set(results)) == 1
    assert len(bottom_named(pod_neutrons["Pod1"], "networks", net["id"])) == 1
    assert len(bottom_named(pod_neutrons["Pod1"], "subnets", subnet["id"])) == 1


def test_local_network_cannot_be_used_in_another_pod(lab_pods, openstack, pod_neutrons):
    name = f"l-{uuid.uuid4().hex[:8]}"
    net = openstack("lab-demo", "network", "create", name, "--availability-zone-hint", "Pod1")
    try:
        from networking.models import AvailabilityZoneHints

        AvailabilityZoneHints.objects.create(
            top_id=net["id"],
            resource_type="network",
            project_id=net["project_id"],
            hints=["Pod1"],
        )
        with pytest.raises(Exception, match="cannot be used in Pod2"):
            bottom.ensure_network(lab_pods["Pod2"], net["id"], net["project_id"])
        assert bottom_named(pod_neutrons["Pod2"], "networks", net["id"]) == []
    finally:
        openstack("lab-demo", "network", "delete", net["id"])
