"""Copies a failed job left behind. A pod that does not answer the creation of a bottom copy may
have made it all the same: the claim stays (stale), the next caller takes it over at once and
adopts the copy by name, the cleanup of the top resource deletes it by name, and the audit does
not take it for a copy being made. A copy of a top port that is gone holding an address a new
copy needs (an interface never attached, then removed at the top) is freed for it."""

import pytest
from keystoneauth1 import exceptions as ks_exceptions

from gateway.audit.routes import read_routes
from networking import bottom
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tests.fake_neutron import FakeNeutron
from tricircle_site.exceptions import ServiceUnavailable

pytestmark = pytest.mark.django_db
PROJECT = "p1"


def made_but_unanswered(keystone, pod_neutron: FakeNeutron, collection: str) -> None:
    """The pod makes the next item of `collection`, then its answer is lost."""
    made: list = []

    def create(request, context):
        if made:
            return pod_neutron._handle(request, context)
        made.append(pod_neutron.add(collection, **request.json()[collection[:-1]]))
        raise ks_exceptions.ConnectFailure("connection reset")

    keystone.mocker.post(f"{pod_neutron.base}/{collection}", json=create)


def test_the_next_caller_adopts_the_copy_at_once(keystone, neutrons):
    top, pod_neutron = neutrons
    network = top.add("networks", name="n", project_id=PROJECT)
    made_but_unanswered(keystone, pod_neutron, "networks")
    pod = Pod.objects.get(region_name="Pod1")
    with pytest.raises(ServiceUnavailable):
        bottom.ensure_network(pod, network["id"], PROJECT)
    claim = ResourceRouting.objects.get(top_id=network["id"])
    assert claim.bottom_id == ""
    assert network["id"] not in read_routes(pod).pending_of(ResourceType.NETWORK)
    copy_id = bottom.ensure_network(pod, network["id"], PROJECT)
    assert [item["id"] for item in pod_neutron.named("networks", network["id"])] == [copy_id]


def test_the_cleanup_deletes_the_copy_by_name(keystone, neutrons):
    top, pod_neutron = neutrons
    network = top.add("networks", name="n", project_id=PROJECT)
    made_but_unanswered(keystone, pod_neutron, "networks")
    pod = Pod.objects.get(region_name="Pod1")
    with pytest.raises(ServiceUnavailable):
        bottom.ensure_network(pod, network["id"], PROJECT)
    assert pod_neutron.named("networks", network["id"])
    bottom.remove_bottom_copies(ResourceType.NETWORK, network["id"])
    assert not pod_neutron.named("networks", network["id"])
    assert not ResourceRouting.objects.filter(top_id=network["id"]).exists()


def test_a_refused_creation_leaves_no_claim(keystone, neutrons):
    top, pod_neutron = neutrons
    network = top.add("networks", name="n", project_id=PROJECT)
    keystone.mocker.post(
        f"{pod_neutron.base}/networks",
        status_code=400,
        json={"NeutronError": {"type": "BadRequest", "message": "no", "detail": ""}},
    )
    with pytest.raises(Exception, match="no"):
        bottom.ensure_network(Pod.objects.get(region_name="Pod1"), network["id"], PROJECT)
    assert not ResourceRouting.objects.filter(top_id=network["id"]).exists()


def pod_with_a_holder(keystone, neutrons, holder_name: str) -> tuple[dict, dict, Pod]:
    """A top port on 10.0.0.1 whose copy is to be made, and in the pod a port named
    `holder_name` that holds 10.0.0.1 already (the pod refuses the copy with its 409)."""
    top, pod_neutron = neutrons
    network = top.add("networks", name="n", project_id=PROJECT)
    subnet = top.add(
        "subnets", network_id=network["id"], cidr="10.0.0.0/24", ip_version=4, project_id=PROJECT
    )
    port = top.add(
        "ports",
        network_id=network["id"],
        project_id=PROJECT,
        fixed_ips=[{"subnet_id": subnet["id"], "ip_address": "10.0.0.1"}],
    )
    pod = Pod.objects.get(region_name="Pod1")
    bottom_network = bottom.ensure_network(pod, network["id"], PROJECT)
    bottom_subnet = bottom.ensure_subnet(pod, subnet["id"], PROJECT)
    holder = pod_neutron.add(
        "ports",
        name=holder_name,
        network_id=bottom_network,
        fixed_ips=[{"subnet_id": bottom_subnet, "ip_address": "10.0.0.1"}],
    )

    def create(request, context):
        if holder["id"] in pod_neutron.items["ports"]:
            context.status_code = 409
            message = f"IP address 10.0.0.1 already allocated in subnet {bottom_subnet}"
            return {"NeutronError": {"type": "IpAddressAlreadyAllocated", "message": message}}
        return pod_neutron._handle(request, context)

    keystone.mocker.post(f"{pod_neutron.base}/ports", json=create)
    keystone.mocker.get(
        f"{pod_neutron.base}/ports?fixed_ips=ip_address%3D10.0.0.1",
        json=lambda request, context: {
            "ports": [item for item in pod_neutron.items["ports"].values() if item is holder]
        },
    )
    return port, holder, pod


def test_an_address_held_by_a_copy_of_a_gone_top_port_is_freed(keystone, neutrons):
    _, pod_neutron = neutrons
    gone = "5f0c1a52-5d51-4a8e-9d3c-1f0f3f1f2b11"  # a top port id the top no longer has
    port, holder, pod = pod_with_a_holder(keystone, neutrons, gone)
    copy_id = bottom.ensure_port(pod, port["id"], PROJECT)
    assert holder["id"] not in pod_neutron.items["ports"]
    assert pod_neutron.items["ports"][copy_id]["fixed_ips"][0]["ip_address"] == "10.0.0.1"


@pytest.mark.parametrize("holder_name", ["the copy of a live top port", "a user's port"])
def test_an_address_held_otherwise_is_a_conflict(keystone, neutrons, holder_name):
    top, pod_neutron = neutrons
    if holder_name == "the copy of a live top port":
        other = top.add("networks", name="other", project_id=PROJECT)
        holder_name = top.add("ports", network_id=other["id"], project_id=PROJECT)["id"]
    port, holder, pod = pod_with_a_holder(keystone, neutrons, holder_name)
    with pytest.raises(Exception, match="already allocated"):
        bottom.ensure_port(pod, port["id"], PROJECT)
    assert holder["id"] in pod_neutron.items["ports"]
