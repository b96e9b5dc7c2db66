"""A deleted volume, snapshot or backup: Cinder deletes in the background, so the item stays
routed (shown "deleting" by its pod) and a job drops its routing entry once the pod let it go;
no user has to read it again for the routing table to forget it."""

import pytest

from jobs import services as jobs
from jobs.models import Job, JobStatus
from pods.models import Pod
from routing.models import ResourceRouting
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db

KINDS = ["volumes", "snapshots", "backups"]


def routed_item(cinders, kind: str, item_id: str) -> None:
    cinders["Pod1"].add(kind, item_id, "x", "2026-01-01T00:00:01Z")
    RoutingFactory(top_id=item_id, pod=Pod.objects.get(region_name="Pod1"), resource_type=kind[:-1])


def pod_answers(keystone, cinders, method: str, path: str, status: int) -> None:
    getattr(keystone.mocker, method)(f"{cinders['Pod1'].base}{path}", status_code=status)


def release_job(kind: str) -> Job:
    return Job.objects.get(type=f"{kind[:-1]}_route_release")


@pytest.mark.parametrize("kind", KINDS)
def test_the_route_goes_once_the_pod_let_the_item_go(demo, cinders, keystone, kind):
    routed_item(cinders, kind, "it")
    pod_answers(keystone, cinders, "delete", f"/{kind}/it", 202)
    assert demo.delete(f"/volume/v3/{kind}/it").status_code == 202
    job = release_job(kind)
    assert job.resource == {f"{kind[:-1]}_id": "it"}
    cinders["Pod1"].items[kind].clear()  # the pod finished deleting
    assert jobs.run(job.pk) == JobStatus.SUCCESS
    assert not ResourceRouting.objects.filter(top_id="it").exists()


@pytest.mark.parametrize("kind", KINDS)
def test_while_the_pod_still_has_it_the_route_stays_and_the_job_retries(
    demo, cinders, keystone, settings, kind
):
    settings.SERVER_DELETE_WAIT_SECONDS = 0
    routed_item(cinders, kind, "it")
    pod_answers(keystone, cinders, "delete", f"/{kind}/it", 202)
    demo.delete(f"/volume/v3/{kind}/it")
    job = release_job(kind)
    assert jobs.run(job.pk).startswith(JobStatus.FAIL)
    job.refresh_from_db()
    assert "still in its pod" in job.last_error and job.next_run_at is not None
    assert ResourceRouting.objects.filter(top_id="it").exists()
    assert demo.get(f"/volume/v3/{kind}/it").status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_deletion_asks_for_nothing(demo, cinders, keystone, kind):
    routed_item(cinders, kind, "it")
    pod_answers(keystone, cinders, "delete", f"/{kind}/it", 400)
    assert demo.delete(f"/volume/v3/{kind}/it").status_code == 400
    assert not Job.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_forced_deletion_is_followed_too(admin, cinders, keystone, kind):
    routed_item(cinders, kind, "it")
    pod_answers(keystone, cinders, "post", f"/{kind}/it/action", 202)
    response = admin.post(f"/volume/v3/{kind}/it/action", {"os-force_delete": {}}, format="json")
    assert response.status_code == 202
    assert release_job(kind).resource == {f"{kind[:-1]}_id": "it"}
    other = admin.post(f"/volume/v3/{kind}/it/action", {"os-reset_status": {}}, format="json")
    assert other.status_code == 202
    assert Job.objects.count() == 1
