"""While a boot's top ports are made at the top, the copies their copies need in the pod (the
network, its subnets, the groups) are made or brought in step: the ports' copies, in the same
batch, then only make the ports. Only networks the caller may make ports on are touched, and
nothing that fails ahead fails the boot (the ports' copies make the same and answer for it)."""

import pytest

from gateway.services import ports as gateway_ports
from networking import boot, bottom
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tests.fake_neutron import FakeNeutron
from tricircle_site.auth import KeystoneIdentity

# The copies are made from fan-out threads, which use connections of their own.
pytestmark = pytest.mark.django_db(transaction=True)
PROJECT = "p1"
CALLER = KeystoneIdentity(user_id="u1", project_id=PROJECT, token="t", roles=frozenset({"member"}))


@pytest.fixture
def network(neutrons) -> tuple[FakeNeutron, FakeNeutron, dict, Pod]:
    top, pod_neutron = neutrons
    network = top.add("networks", name="n", project_id=PROJECT)
    subnet = top.add(
        "subnets", network_id=network["id"], cidr="10.0.0.0/24", ip_version=4, project_id=PROJECT
    )
    network["subnets"] = [subnet["id"]]
    return top, pod_neutron, network, Pod.objects.get(region_name="Pod1")


def top_port(top: FakeNeutron, network: dict, index: int) -> dict:
    return top.add(
        "ports",
        network_id=network["id"],
        project_id=PROJECT,
        mac_address=f"fa:16:3e:00:00:0{index}",
        fixed_ips=[{"subnet_id": network["subnets"][0], "ip_address": f"10.0.0.{index + 10}"}],
        security_groups=[],
    )


def calls_during(keystone, action) -> list[tuple[str, str]]:
    before = len(keystone.mocker.request_history)
    action()
    return [(call.method, call.url) for call in keystone.mocker.request_history[before:]]


def copy_after(keystone, pod: Pod, port: dict, network: dict | None) -> list[tuple[str, str]]:
    """The calls the port's copy makes, after the copies made ahead for `network` if given."""
    with bottom.one_batch():
        if network is not None:
            boot.copies_ahead(pod, PROJECT, [network], [])
        return calls_during(
            keystone, lambda: boot.bottom_ports(pod, PROJECT, [port["id"]], {port["id"]: port})
        )


def test_a_later_boots_port_copy_only_makes_the_port_after_the_copies_made_ahead(keystone, network):
    top, pod_neutron, top_network, pod = network
    first = top_port(top, top_network, 0)
    boot.bottom_ports(pod, PROJECT, [first["id"]], {first["id"]: first})  # an earlier boot
    second, third = top_port(top, top_network, 1), top_port(top, top_network, 2)

    without_ahead = copy_after(keystone, pod, second, None)
    with_ahead = copy_after(keystone, pod, third, top_network)

    assert len(without_ahead) > 1  # the top subnet, its DHCP port, the pod's subnet...
    assert with_ahead == [("POST", f"{pod_neutron.base}/ports")]


def test_a_first_boot_makes_the_network_and_its_only_subnet_ahead(keystone, network):
    _, pod_neutron, top_network, pod = network
    with bottom.one_batch():
        gateway_ports.copies_ahead(CALLER, [{"uuid": top_network["id"]}], [], pod)
    copied = set(ResourceRouting.objects.filter(pod=pod).values_list("resource_type", "top_id"))
    assert copied == {
        (ResourceType.NETWORK, top_network["id"]),
        (ResourceType.SUBNET, top_network["subnets"][0]),
    }
    ports = pod_neutron.items["ports"].values()
    assert [port["device_owner"] for port in ports] == ["network:dhcp"]  # the port's not yet


def test_a_network_the_caller_may_not_make_ports_on_is_not_copied_ahead(keystone, network):
    top, pod_neutron, _, pod = network
    others = top.add("networks", name="theirs", project_id="p2", shared=False)
    with bottom.one_batch():
        gateway_ports.copies_ahead(CALLER, [{"uuid": others["id"]}], [], pod)
    assert not ResourceRouting.objects.filter(pod=pod).exists()
    assert pod_neutron.writes == []


def test_copies_that_fail_ahead_do_not_fail_the_boot(keystone, network):
    _, pod_neutron, top_network, pod = network
    keystone.mocker.post(
        f"{pod_neutron.base}/networks", status_code=400, json={"NeutronError": {"message": "x"}}
    )
    with bottom.one_batch():
        gateway_ports.copies_ahead(CALLER, [{"uuid": top_network["id"]}], [], pod)
    assert not ResourceRouting.objects.filter(pod=pod).exists()
