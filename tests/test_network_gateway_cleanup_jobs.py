"""Deleting a top resource removes its bottom copies through a job; changing a security group's
rules syncs its copies through a job."""

import pytest

from jobs import services as jobs
from jobs.models import Job
from routing.models import ResourceRouting
from tests.factories import PodFactory, RoutingFactory

pytestmark = pytest.mark.django_db

NEUTRON = "http://central-neutron.test:9696"


@pytest.fixture
def neutron(settings, keystone):
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    keystone.add_region("Pod1")
    return keystone.mocker


def test_deleting_a_network_removes_its_bottom_copies_through_a_job(demo, neutron):
    pod = PodFactory(region_name="Pod1", az_name="az1")
    RoutingFactory(top_id="n1", bottom_id="b1", pod=pod, resource_type="network")
    RoutingFactory(top_id="s1", bottom_id="bs1", pod=pod, resource_type="subnet")
    neutron.delete(f"{NEUTRON}/v2.0/networks/n1", status_code=204)
    assert demo.delete("/networking/v2.0/networks/n1").status_code == 204
    job = Job.objects.get(type="bottom_cleanup")
    assert job.resource == {"resource_type": "network", "top_id": "n1"}
    assert job.project_id == "demo-project"

    neutron.get("http://pod1.test/networking/v2.0/subnets", json={"subnets": [{"name": "s1"}]})
    neutron.get("http://pod1.test/networking/v2.0/ports", json={"ports": []})
    deleted = neutron.delete("http://pod1.test/networking/v2.0/networks/b1", status_code=204)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "SUCCESS", job.last_error
    assert deleted.called
    assert not ResourceRouting.objects.exists()


def test_deleting_something_never_materialised_makes_no_job(demo, neutron):
    neutron.delete(f"{NEUTRON}/v2.0/ports/p1", status_code=204)
    assert demo.delete("/networking/v2.0/ports/p1").status_code == 204
    assert not Job.objects.exists()


def test_a_pod_refusing_the_cleanup_leaves_a_failed_job_to_retry(demo, neutron):
    pod = PodFactory(region_name="Pod1", az_name="az1")
    RoutingFactory(top_id="g1", bottom_id="bg1", pod=pod, resource_type="security_group")
    neutron.delete(f"{NEUTRON}/v2.0/security-groups/g1", status_code=204)
    demo.delete("/networking/v2.0/security-groups/g1")
    neutron.delete(
        "http://pod1.test/networking/v2.0/security-groups/bg1",
        status_code=409,
        json={"NeutronError": {"message": "in use"}},
    )
    job = Job.objects.get(type="bottom_cleanup")
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "FAIL" and "in use" in job.last_error
    assert job.next_run_at is not None
    assert ResourceRouting.objects.filter(top_id="g1").exists()


def test_new_security_group_rule_syncs_the_groups_copies(demo, neutron):
    pod = PodFactory(region_name="Pod1", az_name="az1")
    RoutingFactory(top_id="g1", bottom_id="bg1", pod=pod, resource_type="security_group")
    rule = {
        "id": "r1",
        "security_group_id": "g1",
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": 22,
        "port_range_max": 22,
    }
    neutron.post(
        f"{NEUTRON}/v2.0/security-group-rules", status_code=201, json={"security_group_rule": rule}
    )
    response = demo.post(
        "/networking/v2.0/security-group-rules",
        {"security_group_rule": {"security_group_id": "g1"}},
        format="json",
    )
    assert response.status_code == 201
    job = Job.objects.get(type="security_group_sync")
    assert job.resource == {"security_group_id": "g1"}

    neutron.get(f"{NEUTRON}/v2.0/security-group-rules", json={"security_group_rules": [rule]})
    neutron.get(
        "http://pod1.test/networking/v2.0/security-group-rules",
        json={"security_group_rules": [{"id": "old", "direction": "egress", "ethertype": "IPv4"}]},
    )
    removed = neutron.delete(
        "http://pod1.test/networking/v2.0/security-group-rules/old", status_code=204
    )
    added = neutron.post(
        "http://pod1.test/networking/v2.0/security-group-rules",
        status_code=201,
        json={"security_group_rule": {}},
    )
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "SUCCESS", job.last_error
    assert removed.called
    assert added.last_request.json()["security_group_rule"]["port_range_min"] == 22
    assert added.last_request.json()["security_group_rule"]["security_group_id"] == "bg1"


def test_ports_left_on_a_deleted_networks_copy_go_with_it(demo, neutron):
    """A shadow or port copy whose own cleanup lost a race would hold the copy for ever; router
    interfaces are their router job's."""
    pod = PodFactory(region_name="Pod1", az_name="az1")
    RoutingFactory(top_id="n1", bottom_id="b1", pod=pod, resource_type="network")
    RoutingFactory(top_id="p1", bottom_id="shadow1", pod=pod, resource_type="port")
    neutron.delete(f"{NEUTRON}/v2.0/networks/n1", status_code=204)
    demo.delete("/networking/v2.0/networks/n1")
    base = "http://pod1.test/networking/v2.0"
    neutron.get(f"{base}/subnets", json={"subnets": []})
    neutron.get(
        f"{base}/ports",
        json={
            "ports": [
                {"id": "shadow1", "device_owner": "compute:shadow"},
                {"id": "dhcp1", "device_owner": "network:dhcp"},
                {"id": "rif1", "device_owner": "network:router_interface"},
            ]
        },
    )
    shadow = neutron.delete(f"{base}/ports/shadow1", status_code=204)
    dhcp = neutron.delete(f"{base}/ports/dhcp1", status_code=204)
    interface = neutron.delete(f"{base}/ports/rif1", status_code=204)
    neutron.delete(f"{base}/networks/b1", status_code=204)
    jobs.run(Job.objects.get(type="bottom_cleanup").pk)
    assert shadow.called and dhcp.called and not interface.called
    assert not ResourceRouting.objects.exists()
