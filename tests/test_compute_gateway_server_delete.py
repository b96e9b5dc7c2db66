"""Deleting a server: routed to its pod; its ports and routing entry go through a job once the
pod has finished the delete (the server gone, or shown DELETED: Nova has released its network
by then), and not before."""

import pytest

from jobs import services as jobs
from jobs.models import Job
from pods.models import Pod
from routing.models import ResourceRouting
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db

NEUTRON = "http://central-neutron.test:9696"


@pytest.fixture
def deleted_server(demo, novas, keystone, settings):
    """Server `a` of Pod2 deleted through the gateway; its top port p1 was made for it."""
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    settings.SERVER_DELETE_WAIT_SECONDS = 0
    novas["Pod2"].add("a", "one", "2026-01-01T00:00:01Z")
    RoutingFactory(top_id="a", pod=Pod.objects.get(region_name="Pod2"), project_id="demo-project")
    deleted = keystone.mocker.delete(f"{novas['Pod2'].base}/servers/a", status_code=204)
    assert demo.delete("/compute/v2.1/servers/a").status_code == 204
    assert deleted.called
    keystone.mocker.get(
        f"{NEUTRON}/v2.0/ports?device_id=a",
        json={"ports": [{"id": "p1", "description": "tricircle:server-port"}]},
    )
    return Job.objects.get(type="server_ports_release")


def test_the_job_waits_while_the_pod_still_has_the_server(deleted_server, demo):
    assert deleted_server.resource == {"server_id": "a"}
    jobs.run(deleted_server.pk)
    deleted_server.refresh_from_db()
    assert deleted_server.status == "FAIL"
    assert "still in its pod" in deleted_server.last_error
    assert deleted_server.next_run_at is not None
    # Still routed: shown as the pod shows it until the pod is done.
    assert demo.get("/compute/v2.1/servers/a").status_code == 200


def test_once_the_pod_is_done_ports_and_routing_go(deleted_server, novas, keystone, demo):
    novas["Pod2"].servers.clear()
    port_deleted = keystone.mocker.delete(f"{NEUTRON}/v2.0/ports/p1", status_code=204)
    jobs.run(deleted_server.pk)
    deleted_server.refresh_from_db()
    assert deleted_server.status == "SUCCESS", deleted_server.last_error
    assert port_deleted.called
    assert not ResourceRouting.objects.filter(top_id="a").exists()
    assert demo.get("/compute/v2.1/servers/a").status_code == 404


def test_an_admin_deleting_another_projects_server_queues_the_owners_job(admin, novas, keystone):
    novas["Pod1"].add("b", "theirs", "2026-01-01T00:00:01Z")
    RoutingFactory(top_id="b", pod=Pod.objects.get(region_name="Pod1"), project_id="demo-project")
    keystone.mocker.delete(f"{novas['Pod1'].base}/servers/b", status_code=204)
    assert admin.delete("/compute/v2.1/servers/b").status_code == 204
    job = Job.objects.get(type="server_ports_release")
    assert (job.project_id, job.resource) == ("demo-project", {"server_id": "b"})


def test_a_server_reads_as_gone_only_once_its_ports_are(deleted_server, novas, keystone, demo):
    """Tempest and Heat delete the network as soon as the server reads 404: its ports must be
    gone by then, as with Nova, not left to the job."""
    novas["Pod2"].servers.clear()
    port_deleted = keystone.mocker.delete(f"{NEUTRON}/v2.0/ports/p1", status_code=204)
    assert demo.get("/compute/v2.1/servers/a").status_code == 404
    assert port_deleted.called
    assert not ResourceRouting.objects.filter(top_id="a").exists()


def test_a_server_hidden_from_the_caller_keeps_its_ports(deleted_server, novas, keystone, alt_demo):
    def as_the_pod_answers(request, context):
        """Not found for another project's token; there for the service account's."""
        if request.headers["X-Auth-Token"] == "service-token":
            return {"server": {"id": "a", "status": "ACTIVE"}}
        context.status_code = 404
        return {"itemNotFound": {"code": 404, "message": "Instance a could not be found."}}

    keystone.mocker.get(f"{novas['Pod2'].base}/servers/a", json=as_the_pod_answers)
    port_deleted = keystone.mocker.delete(f"{NEUTRON}/v2.0/ports/p1", status_code=204)
    assert alt_demo.get("/compute/v2.1/servers/a").status_code == 404
    assert not port_deleted.called
    assert ResourceRouting.objects.filter(top_id="a").exists()


def shown_in_pod2_as(novas, status: str) -> None:
    novas["Pod2"].servers.clear()
    novas["Pod2"].add("a", "one", "2026-01-01T00:00:01Z", status=status)


def test_a_server_shown_deleted_is_shown_so_once_its_ports_are_gone(
    deleted_server, novas, keystone, demo
):
    """`server delete --wait` stops at DELETED, and the network is deleted next: as with Nova,
    whose compute releases the ports before it marks the server DELETED."""
    shown_in_pod2_as(novas, "DELETED")
    port_deleted = keystone.mocker.delete(f"{NEUTRON}/v2.0/ports/p1", status_code=204)
    response = demo.get("/compute/v2.1/servers/a")
    assert (response.status_code, response.json()["server"]["status"]) == (200, "DELETED")
    assert port_deleted.called
    assert not ResourceRouting.objects.filter(top_id="a").exists()


def test_the_job_is_done_once_the_pod_shows_the_server_deleted(deleted_server, novas, keystone):
    shown_in_pod2_as(novas, "DELETED")
    port_deleted = keystone.mocker.delete(f"{NEUTRON}/v2.0/ports/p1", status_code=204)
    jobs.run(deleted_server.pk)
    deleted_server.refresh_from_db()
    assert deleted_server.status == "SUCCESS", deleted_server.last_error
    assert port_deleted.called


def test_a_soft_deleted_server_keeps_its_ports(deleted_server, novas, keystone, demo):
    """It may be restored."""
    shown_in_pod2_as(novas, "SOFT_DELETED")
    port_deleted = keystone.mocker.delete(f"{NEUTRON}/v2.0/ports/p1", status_code=204)
    assert demo.get("/compute/v2.1/servers/a").json()["server"]["status"] == "SOFT_DELETED"
    jobs.run(deleted_server.pk)
    deleted_server.refresh_from_db()
    assert deleted_server.status == "FAIL"
    assert not port_deleted.called
    assert ResourceRouting.objects.filter(top_id="a").exists()
