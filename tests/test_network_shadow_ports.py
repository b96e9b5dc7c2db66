"""VxLAN networks stretched over pods get shadows of the remote VM ports."""

import pytest

from networking import l2
from routing.models import ResourceRouting
from tests.factories import PodFactory, RoutingFactory

pytestmark = pytest.mark.django_db
CENTRAL = "http://central.test"


@pytest.fixture
def neutron(settings, keystone):
    settings.CENTRAL_NEUTRON_URL = CENTRAL
    keystone.add_region("Pod1")
    keystone.add_region("Pod2")
    return keystone.mocker


PORT = {"id": "p1", "network_id": "n1", "fixed_ips": [], "mac_address": "fa:16:3e:00:00:01"}


def vm_port_in_pod1_with_a_copy_in_pod2(
    neutron, port_answers: list[dict], shadow_known: bool = True
) -> tuple:
    """A VxLAN network in Pod1 and Pod2, a VM port p1 in Pod1 whose shadow copy in Pod2 exists
    (only its marking is converged) when `shadow_known`; the central Neutron shows p1 with
    `port_answers`."""
    pod1 = PodFactory(region_name="Pod1", az_name="az1")
    pod2 = PodFactory(region_name="Pod2", az_name="az2")
    for pod in (pod1, pod2):
        RoutingFactory(
            top_id="n1", bottom_id=f"bn-{pod.region_name}", pod=pod, resource_type="network"
        )
    RoutingFactory(top_id="vm1", pod=pod1, resource_type="server")
    RoutingFactory(top_id="p1", bottom_id="bp1", pod=pod1, resource_type="port")
    if shadow_known:
        RoutingFactory(top_id="p1", bottom_id="shadow-p1", pod=pod2, resource_type="port")
    neutron.get(
        f"{CENTRAL}/v2.0/networks/n1",
        json={"network": {"id": "n1", "provider:network_type": "vxlan"}},
    )
    neutron.get(
        f"{CENTRAL}/v2.0/ports",
        json={
            "ports": [
                {"id": "p1", "device_owner": "compute:az1", "device_id": "vm1", "project_id": "p"},
                {"id": "d1", "device_owner": "network:dhcp", "device_id": "x", "project_id": "p"},
            ]
        },
    )
    neutron.get(f"{CENTRAL}/v2.0/ports/p1", port_answers)
    return pod1, pod2


POD2_PORTS = "http://pod2.test/networking/v2.0/ports"
SHADOW = f"{POD2_PORTS}/shadow-p1"
MARKED = {"device_owner": "compute:shadow", "binding:host_id": "shadow-Pod1"}


def shadows_read(neutron, *ports: dict):
    """Pod2 answers the one read of the known shadows, by id, with `ports`."""
    return neutron.get(f"{POD2_PORTS}?id=shadow-p1", json={"ports": list(ports)})


def test_each_pod_gets_shadows_of_the_other_pods_vm_ports(neutron):
    vm_port_in_pod1_with_a_copy_in_pod2(neutron, [{"json": {"port": PORT}}])
    read = shadows_read(neutron, {"id": "shadow-p1", "device_owner": "", "binding:host_id": ""})
    marked = neutron.put(SHADOW, json={"port": {}})
    assert l2.converge_shadow_ports("n1") == 1
    assert marked.last_request.json()["port"] == MARKED
    assert read.last_request.qs["fields"] == ["id", "device_owner", "binding:host_id"]


def test_a_shadow_already_marked_is_not_written_again(neutron):
    vm_port_in_pod1_with_a_copy_in_pod2(neutron, [{"json": {"port": PORT}}])
    shadows_read(neutron, {"id": "shadow-p1", **MARKED})
    written = neutron.put(SHADOW, json={"port": {}})
    assert l2.converge_shadow_ports("n1") == 1
    assert not written.called


def test_known_shadows_are_read_in_one_call_per_hundred(neutron):
    """Each boot on a stretched network looks at all its shadows: one read, not one per port."""
    pod1, pod2 = vm_port_in_pod1_with_a_copy_in_pod2(neutron, [], shadow_known=False)
    members = [({"id": f"p{n}"}, pod1) for n in range(250)]
    for n in range(250):
        RoutingFactory(top_id=f"p{n}", bottom_id=f"s{n}", pod=pod2, resource_type="port")

    def answer(request, context) -> dict:
        return {"ports": [{"id": bottom_id, **MARKED} for bottom_id in request.qs["id"]]}

    read = neutron.get(POD2_PORTS, json=answer)
    assert l2.make_shadows(pod2, members) == 250
    assert [len(call.qs["id"]) for call in read.request_history] == [100, 100, 50]


def test_a_known_shadow_gone_from_its_pod_is_made_again(neutron):
    _, pod2 = vm_port_in_pod1_with_a_copy_in_pod2(neutron, [{"json": {"port": PORT}}])
    shadows_read(neutron)  # the pod no longer has it
    neutron.get(f"{POD2_PORTS}?name=p1", json={"ports": []})
    made = neutron.post(POD2_PORTS, status_code=201, json={"port": {"id": "shadow-p1-again"}})
    assert l2.converge_shadow_ports("n1") == 1
    assert made.last_request.json()["port"]["device_owner"] == "compute:shadow"
    assert ResourceRouting.objects.get(top_id="p1", pod=pod2).bottom_id == "shadow-p1-again"


def test_vlan_and_single_pod_networks_need_no_shadows(neutron):
    neutron.get(
        f"{CENTRAL}/v2.0/networks/n1",
        json={"network": {"id": "n1", "provider:network_type": "vlan"}},
    )
    assert l2.converge_shadow_ports("n1") == 0
    neutron.get(
        f"{CENTRAL}/v2.0/networks/n2",
        json={"network": {"id": "n2", "provider:network_type": "vxlan"}},
    )
    assert l2.converge_shadow_ports("n2") == 0


def test_a_port_deleted_while_its_shadow_is_made_leaves_no_shadow(neutron):
    """The VM's server went while the job ran: the shadow made after the port's own cleanup
    is removed again, or it would hold its network in the pod."""
    gone = {"status_code": 404, "json": {"NeutronError": {"message": "Port p1 not found."}}}
    _, pod2 = vm_port_in_pod1_with_a_copy_in_pod2(
        neutron, [{"json": {"port": PORT}}, gone], shadow_known=False
    )
    # Made at once (a new claim), then found by name when the port turns out gone.
    neutron.get(f"{POD2_PORTS}?name=p1", json={"ports": [{"id": "s"}]})
    neutron.post(POD2_PORTS, status_code=201, json={"port": {"id": "s"}})
    deleted = neutron.delete(f"{POD2_PORTS}/s", status_code=204)
    assert l2.converge_shadow_ports("n1") == 0
    assert deleted.called
    assert not ResourceRouting.objects.filter(top_id="p1", pod=pod2).exists()


def test_a_known_shadow_taken_by_its_ports_cleanup_meanwhile_is_not_counted(neutron):
    vm_port_in_pod1_with_a_copy_in_pod2(neutron, [{"json": {"port": PORT}}])
    shadows_read(neutron, {"id": "shadow-p1", "device_owner": "", "binding:host_id": ""})
    neutron.put(SHADOW, status_code=404, json={"NeutronError": {"message": "not found"}})
    assert l2.converge_shadow_ports("n1") == 0
