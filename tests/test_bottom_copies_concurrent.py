"""Bottom copies made by concurrent callers: whoever loses the race to a create adopts the
winner's copy instead of failing (the DHCP port whose MAC is "in use", a security group rule
that "already exists", two DHCP reservations at the top)."""

import re

import pytest

from networking import bottom
from pods.models import Pod
from tests.fake_neutron import FakeNeutron

pytestmark = pytest.mark.django_db
PROJECT = "p1"


def top_subnet(top: FakeNeutron) -> dict:
    net = top.add("networks", name="n", project_id=PROJECT)
    return top.add(
        "subnets",
        network_id=net["id"],
        cidr="10.0.0.0/24",
        ip_version=4,
        project_id=PROJECT,
        enable_dhcp=True,
    )


def another_caller_wins(keystone, neutron: FakeNeutron, collection: str, conflict: str) -> list:
    """The next create in `collection` finds that another caller made the same item just
    before: the item appears, and this caller gets Neutron's 409."""
    raced: list = []

    def create(request, context):
        if raced:
            return neutron._handle(request, context)
        singular = collection[:-1].replace("-", "_")
        raced.append(neutron.add(collection, **request.json()[singular]))
        context.status_code = 409
        return {"NeutronError": {"type": "Conflict", "message": conflict}}

    keystone.mocker.post(re.compile(rf"^{re.escape(neutron.base)}/{collection}$"), json=create)
    return raced


def test_a_dhcp_port_made_by_another_caller_meanwhile_is_adopted(keystone, neutrons):
    top, pod = neutrons
    subnet = top_subnet(top)
    raced = another_caller_wins(keystone, pod, "ports", "The mac address is in use.")
    bottom_subnet = bottom.ensure_subnet(Pod.objects.get(), subnet["id"], PROJECT)
    assert raced, "the race did not happen"
    (dhcp,) = [
        port for port in pod.items["ports"].values() if port["device_owner"] == "network:dhcp"
    ]
    (top_dhcp,) = [
        port for port in top.items["ports"].values() if port["device_owner"] == "network:dhcp"
    ]
    assert dhcp["mac_address"] == top_dhcp["mac_address"]
    assert pod.items["subnets"][bottom_subnet]["enable_dhcp"] is True


def test_another_conflict_still_fails(keystone, neutrons):
    top, pod = neutrons
    subnet = top_subnet(top)

    def refuse(request, context):
        context.status_code = 409
        return {"NeutronError": {"type": "Conflict", "message": "No more IP addresses."}}

    keystone.mocker.post(re.compile(rf"^{re.escape(pod.base)}/ports$"), json=refuse)
    with pytest.raises(Exception, match="No more IP addresses"):
        bottom.ensure_subnet(Pod.objects.get(), subnet["id"], PROJECT)


def test_two_reservations_at_the_top_end_as_one(neutrons, monkeypatch):
    top, _ = neutrons
    subnet = top_subnet(top)
    # Another caller reserved first, after this caller looked: this caller's goes again.
    first = top.add(
        "ports",
        network_id=subnet["network_id"],
        project_id=PROJECT,
        fixed_ips=[{"subnet_id": subnet["id"]}],
        device_owner="network:dhcp",
        device_id="reserved_dhcp_port",
    )
    original = bottom._reserved_dhcp_ports
    looks = iter([[]])

    def late_look(top_subnet):
        return next(looks, None) or original(top_subnet)

    monkeypatch.setattr(bottom, "_reserved_dhcp_ports", late_look)
    kept = bottom.ensure_top_dhcp_port(subnet)
    assert kept["id"] == first["id"]
    dhcp = [port for port in top.items["ports"].values() if port["device_owner"] == "network:dhcp"]
    assert [port["id"] for port in dhcp] == [first["id"]]
