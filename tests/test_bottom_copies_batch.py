"""Port copies made together (a job's shadows, a boot's ports) ensure each subnet and security
group copy they share once: ensuring a known copy still reads the top and the pod (a subnet's
DHCP port, a group's rules), which the pod would otherwise serve once per port."""

import pytest

from networking import bottom
from pods.models import Pod
from tests.fake_neutron import FakeNeutron

pytestmark = pytest.mark.django_db
PROJECT = "p1"


@pytest.fixture
def ports_on_one_subnet(neutrons) -> tuple[FakeNeutron, list[str], Pod]:
    top, pod_neutron = neutrons
    pod = Pod.objects.get(region_name="Pod1")
    network = top.add("networks", name="n", project_id=PROJECT)
    subnet = top.add(
        "subnets",
        network_id=network["id"],
        cidr="10.0.0.0/24",
        ip_version=4,
        enable_dhcp=True,
        project_id=PROJECT,
    )
    ports = [
        top.add(
            "ports",
            network_id=network["id"],
            project_id=PROJECT,
            mac_address=f"fa:16:3e:00:00:0{index}",
            fixed_ips=[{"subnet_id": subnet["id"], "ip_address": f"10.0.0.{index + 10}"}],
            security_groups=[],
        )["id"]
        for index in range(3)
    ]
    return pod_neutron, ports, pod


def pod_reads(keystone, pod_neutron: FakeNeutron, collection: str) -> int:
    return sum(
        1
        for call in keystone.mocker.request_history
        if call.method == "GET" and call.url.startswith(f"{pod_neutron.base}/{collection}")
    )


def test_ports_made_in_one_batch_check_their_subnet_copy_once(keystone, ports_on_one_subnet):
    pod_neutron, ports, pod = ports_on_one_subnet
    with bottom.one_batch():
        copies = [bottom.ensure_port(pod, port_id, PROJECT) for port_id in ports]
    assert len(set(copies)) == 3
    assert pod_reads(keystone, pod_neutron, "subnets") == 1  # its DHCP port, once


def test_outside_a_batch_each_port_checks_its_copies(keystone, ports_on_one_subnet):
    pod_neutron, ports, pod = ports_on_one_subnet
    for port_id in ports:
        bottom.ensure_port(pod, port_id, PROJECT)
    assert pod_reads(keystone, pod_neutron, "subnets") == 3
