"""VxLAN networks stretched over pods get shadows of the remote VM ports."""

import pytest

from networking import l2
from tests.factories import PodFactory, RoutingFactory

pytestmark = pytest.mark.django_db
CENTRAL = "http://central.test"


@pytest.fixture
def neutron(settings, keystone):
    settings.CENTRAL_NEUTRON_URL = CENTRAL
    keystone.add_region("Pod1")
    keystone.add_region("Pod2")
    return keystone.mocker


def test_each_pod_gets_shadows_of_the_other_pods_vm_ports(neutron):
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
    neutron.get(
        f"{CENTRAL}/v2.0/ports/p1",
        json={
            "port": {
                "id": "p1",
                "network_id": "n1",
                "fixed_ips": [],
                "mac_address": "fa:16:3e:00:00:01",
            }
        },
    )
    neutron.get(
        f"{CENTRAL}/v2.0/networks/n1",
        json={"network": {"id": "n1", "provider:network_type": "vxlan"}},
    )
    marked = neutron.put("http://pod2.test/networking/v2.0/ports/shadow-p1", json={"port": {}})
    assert l2.converge_shadow_ports("n1") == 1
    body = marked.last_request.json()["port"]
    assert body == {"device_owner": "compute:shadow", "binding:host_id": "shadow-Pod1"}


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
