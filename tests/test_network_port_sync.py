"""A top port updated through the gateway (`openstack port set`) gives its bottom copies the
change through a job: security groups (as the pod's copies), port security, address pairs."""

import pytest

from jobs import services as jobs
from jobs.models import Job
from tests.factories import PodFactory, RoutingFactory

pytestmark = pytest.mark.django_db

NEUTRON = "http://central-neutron.test:9696"
POD = "http://pod1.test/networking/v2.0"


@pytest.fixture
def neutron(settings, keystone):
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    keystone.add_region("Pod1")
    return keystone.mocker


@pytest.fixture
def copied_port(neutron):
    """Top port p1 (subnet s1, group g1) with its copy bp1 in Pod1; group g2's copy is bg2."""
    pod = PodFactory(region_name="Pod1", az_name="az1")
    for top_id, bottom_id, resource_type in (
        ("p1", "bp1", "port"),
        ("s1", "bs1", "subnet"),
        ("g1", "bg1", "security_group"),
        ("g2", "bg2", "security_group"),
    ):
        RoutingFactory(top_id=top_id, bottom_id=bottom_id, pod=pod, resource_type=resource_type)
    neutron.get(
        f"{POD}/ports/bp1",
        json={
            "port": {
                "id": "bp1",
                "fixed_ips": [{"subnet_id": "bs1", "ip_address": "10.0.0.5"}],
                "admin_state_up": True,
                "port_security_enabled": True,
                "security_groups": ["bg1"],
                "allowed_address_pairs": [],
            }
        },
    )
    return neutron.put(f"{POD}/ports/bp1", json={"port": {}})


def top_port(neutron, **fields) -> dict:
    port = {
        "id": "p1",
        "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.5"}],
        "admin_state_up": True,
        "port_security_enabled": True,
        "security_groups": ["g1"],
        "allowed_address_pairs": [],
        **fields,
    }
    neutron.get(f"{NEUTRON}/v2.0/ports/p1", json={"port": port})
    neutron.put(f"{NEUTRON}/v2.0/ports/p1", json={"port": port})
    return port


def update_and_run(demo, body: dict) -> Job:
    response = demo.put("/networking/v2.0/ports/p1", {"port": body}, format="json")
    assert response.status_code == 200
    job = Job.objects.get(type="port_sync")
    assert job.resource == {"port_id": "p1"}
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "SUCCESS", job.last_error
    return job


def test_a_security_group_change_reaches_the_copy_as_the_pods_groups(demo, neutron, copied_port):
    top_port(neutron, security_groups=["g2", "g1"], allowed_address_pairs=[])
    update_and_run(demo, {"security_groups": ["g2", "g1"]})
    sent = copied_port.last_request.json()["port"]
    assert sorted(sent.pop("security_groups")) == ["bg1", "bg2"]
    assert sent == {}  # only what differs


def test_port_security_turned_off_clears_groups_and_pairs_in_the_pod(demo, neutron, copied_port):
    top_port(neutron, port_security_enabled=False, security_groups=[])
    update_and_run(demo, {"port_security_enabled": False, "security_groups": []})
    assert copied_port.last_request.json() == {
        "port": {"port_security_enabled": False, "security_groups": []}
    }


def test_nothing_changed_sends_nothing(demo, neutron, copied_port):
    top_port(neutron, name="renamed")
    update_and_run(demo, {"name": "renamed"})
    assert not copied_port.called


def test_a_port_without_copies_makes_no_job(demo, neutron):
    top_port(neutron)
    assert demo.put("/networking/v2.0/ports/p1", {"port": {}}, format="json").status_code == 200
    assert not Job.objects.exists()


def test_a_port_deleted_meanwhile_leaves_its_copy_to_the_cleanup(demo, neutron, copied_port):
    top_port(neutron)
    demo.put("/networking/v2.0/ports/p1", {"port": {}}, format="json")
    neutron.get(
        f"{NEUTRON}/v2.0/ports/p1",
        status_code=404,
        json={"NeutronError": {"type": "PortNotFound", "message": "Port p1 could not be found."}},
    )
    job = Job.objects.get(type="port_sync")
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "SUCCESS", job.last_error
    assert not copied_port.called
