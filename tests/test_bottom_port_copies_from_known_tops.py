"""A boot's (or an interface attach's) port copies are made from the top ports as the gateway
just made or read them with the caller's token: the top is not asked for them a second time. A
copy asked for without them (jobs: shadows, L3) still reads its top port."""

import pytest

from networking import boot
from pods.models import Pod
from tests.fake_neutron import FakeNeutron

pytestmark = pytest.mark.django_db
PROJECT = "p1"


@pytest.fixture
def top_ports(neutrons) -> tuple[FakeNeutron, FakeNeutron, list[dict], Pod]:
    top, pod_neutron = neutrons
    network = top.add("networks", name="n", project_id=PROJECT)
    subnet = top.add(
        "subnets", network_id=network["id"], cidr="10.0.0.0/24", ip_version=4, project_id=PROJECT
    )
    ports = [
        top.add(
            "ports",
            network_id=network["id"],
            project_id=PROJECT,
            mac_address=f"fa:16:3e:00:00:0{index}",
            fixed_ips=[{"subnet_id": subnet["id"], "ip_address": f"10.0.0.{index + 10}"}],
            security_groups=[],
        )
        for index in range(2)
    ]
    return top, pod_neutron, ports, Pod.objects.get(region_name="Pod1")


def top_port_reads(keystone, top: FakeNeutron, ports: list[dict]) -> int:
    wanted = {f"{top.base}/ports/{port['id']}" for port in ports}
    return sum(
        1
        for call in keystone.mocker.request_history
        if call.method == "GET" and call.url.split("?")[0] in wanted
    )


def test_copies_of_known_top_ports_do_not_read_them_again(keystone, top_ports):
    top, pod_neutron, ports, pod = top_ports
    ids = [port["id"] for port in ports]
    copies = boot.bottom_ports(pod, PROJECT, ids, {port["id"]: port for port in ports})
    assert top_port_reads(keystone, top, ports) == 0
    made = [pod_neutron.items["ports"][copy] for copy in copies]
    assert [port["mac_address"] for port in made] == ["fa:16:3e:00:00:00", "fa:16:3e:00:00:01"]
    assert [port["fixed_ips"][0]["ip_address"] for port in made] == ["10.0.0.10", "10.0.0.11"]
    assert [port["name"] for port in made] == ids


def test_copies_of_unknown_top_ports_read_them(keystone, top_ports):
    top, _, ports, pod = top_ports
    boot.bottom_ports(pod, PROJECT, [port["id"] for port in ports])
    assert top_port_reads(keystone, top, ports) == 2
