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


def vm_port_in_pod1_with_a_copy_in_pod2(neutron, port_answers: list[dict]) -> tuple:
    """A VxLAN network in Pod1 and Pod2, a VM port p1 in Pod1 whose shadow copy in Pod2 exists
    (only its marking is converged); the central Neutron shows p1 with `port_answers`."""
    pod1 = PodFactory(region_name="Pod1", az_name="az1")
    pod2 = PodFactory(region_name="Pod2", az_name="az2")
    for pod in (pod1, pod2):
        RoutingFactory(
            top_id="n1", bottom_id=f"bn-{pod.region_name}", pod=pod, resource_type="network"
        )
    RoutingFactory(top_id="vm1", pod=pod1, resource_type="server")
    RoutingFactory(top_id="p1", bottom_id="bp1", pod=pod1, resource_type="port")
    # The shadow in Pod2 already exists as a copy: only its marking is converged.
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


SHADOW = "http://pod2.test/networking/v2.0/ports/shadow-p1"


def test_each_pod_gets_shadows_of_the_other_pods_vm_ports(neutron):
    vm_port_in_pod1_with_a_copy_in_pod2(neutron, [{"json": {"port": PORT}}])
    neutron.get(SHADOW, json={"port": {"device_owner": "", "binding:host_id": ""}})
    marked = neutron.put(SHADOW, json={"port": {}})
    assert l2.converge_shadow_ports("n1") == 1
    body = marked.last_request.json()["port"]
    assert body == {"device_owner": "compute:shadow", "binding:host_id": "shadow-Pod1"}


def test_a_shadow_already_marked_is_not_written_again(neutron):
    vm_port_in_pod1_with_a_copy_in_pod2(neutron, [{"json": {"port": PORT}}])
    marked = {"device_owner": "compute:shadow", "binding:host_id": "shadow-Pod1"}
    neutron.get(SHADOW, json={"port": marked})
    written = neutron.put(SHADOW, json={"port": {}})
    assert l2.converge_shadow_ports("n1") == 1
    assert not written.called


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
    _, pod2 = vm_port_in_pod1_with_a_copy_in_pod2(neutron, [{"json": {"port": PORT}}, gone])
    neutron.get(SHADOW, json={"port": {"device_owner": "", "binding:host_id": ""}})
    neutron.put(SHADOW, json={"port": {}})
    neutron.get(
        "http://pod2.test/networking/v2.0/ports?name=p1", json={"ports": [{"id": "shadow-p1"}]}
    )
    deleted = neutron.delete("http://pod2.test/networking/v2.0/ports/shadow-p1", status_code=204)
    assert l2.converge_shadow_ports("n1") == 0
    assert deleted.called
    assert not ResourceRouting.objects.filter(top_id="p1", pod=pod2).exists()
