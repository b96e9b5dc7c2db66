import pytest

from jobs import services
from jobs.models import Job, JobStatus
from tests.conftest import ALT_PROJECT, DEMO_PROJECT
from tests.factories import RoutingFactory
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db


def job_body(type_name: str = "test_record", project_id: str = DEMO_PROJECT, **resource) -> dict:
    return {
        "job": {
            "type": type_name,
            "project_id": project_id,
            "resource": resource or {"item_id": "item-1"},
        }
    }


def test_create_answers_202_with_the_job_and_sends_it(admin, sent_jobs):
    response = admin.post("/v1.0/jobs", job_body(), "json")
    assert response.status_code == 202, response.content
    job = response.json()["job"]
    assert job["status"] == "NEW"
    assert job["type"] == "test_record"
    assert job["resource"] == {"item_id": "item-1"}
    assert job["project_id"] == DEMO_PROJECT
    assert job["request_count"] == 1
    assert Job.objects.filter(pk=job["id"]).exists()


def test_a_second_create_for_the_same_resource_merges(admin):
    first = admin.post("/v1.0/jobs", job_body(), "json").json()["job"]
    second = admin.post("/v1.0/jobs/", job_body(), "json").json()["job"]
    assert second["id"] == first["id"]
    assert second["request_count"] == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (job_body("spaceship"), "Unknown job type 'spaceship'; known types:"),
        (
            {"job": {"type": "test_network", "project_id": DEMO_PROJECT, "resource": {}}},
            "takes resource fields network_id, pod_id; missing: network_id, pod_id",
        ),
        (job_body(network_id="n1"), "missing: item_id; unknown: network_id"),
        (job_body(item_id="a", extra="b"), "unknown: extra"),
        (job_body(item_id=""), "resource.item_id must be a non-empty id"),
    ],
)
def test_bad_jobs_are_400_with_a_clear_message(admin, body, message):
    response = admin.post("/v1.0/jobs", body, "json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"job": {"type": "test_record", "project_id": DEMO_PROJECT}}, "resource"),
        ({"job": {"type": "test_record", "resource": {"item_id": "a"}}}, "project_id"),
        ({"job": {**job_body()["job"], "status": "SUCCESS"}}, "status"),
        ({"type": "test_record"}, "job"),
    ],
)
def test_malformed_bodies_are_400_naming_the_field(admin, body, field):
    response = admin.post("/v1.0/jobs", body, "json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_resource_of_another_project_is_refused(admin):
    RoutingFactory(top_id="net-1", resource_type="network", project_id=ALT_PROJECT)
    body = job_body("test_network", network_id="net-1", pod_id="pod-1")
    response = admin.post("/v1.0/jobs", body, "json")
    assert response.status_code == 400
    assert f"does not belong to project {DEMO_PROJECT}" in response.json()["detail"]
    body = job_body("test_network", ALT_PROJECT, network_id="net-1", pod_id="pod-1")
    assert admin.post("/v1.0/jobs", body, "json").status_code == 202


def test_a_type_may_declare_its_own_ownership_check(admin):
    body = job_body("test_owned", thing_id=f"{ALT_PROJECT}-thing")
    assert admin.post("/v1.0/jobs", body, "json").status_code == 400
    body = job_body("test_owned", thing_id=f"{DEMO_PROJECT}-thing")
    assert admin.post("/v1.0/jobs", body, "json").status_code == 202


def test_show_has_every_field(admin):
    job = JobFactory(last_error="boom", status=JobStatus.FAIL)
    shown = admin.get(f"/v1.0/jobs/{job.pk}").json()["job"]
    assert shown["id"] == str(job.pk)
    assert shown["last_error"] == "boom"
    for field in ["attempts", "next_run_at", "worker", "lease_expires_at", "request_count"]:
        assert field in shown
    assert shown["task_status"] is None


@pytest.mark.parametrize("job_id", ["abc", "0190a0a0-0000-7000-8000-000000000000"])
def test_unknown_or_malformed_job_ids_are_404(admin, job_id):
    assert admin.get(f"/v1.0/jobs/{job_id}").status_code == 404


def test_list_filters_and_summary_fields(admin):
    JobFactory(project_id=DEMO_PROJECT, status=JobStatus.FAIL)
    JobFactory(project_id=ALT_PROJECT)
    JobFactory(project_id=ALT_PROJECT, type="test_noop")
    rows = admin.get("/v1.0/jobs").json()["jobs"]
    assert len(rows) == 3
    assert set(rows[0]) == {
        "id",
        "type",
        "project_id",
        "resource",
        "status",
        "created_at",
        "updated_at",
    }
    assert len(admin.get("/v1.0/jobs", {"project_id": ALT_PROJECT}).json()["jobs"]) == 2
    assert len(admin.get("/v1.0/jobs", {"type": "test_noop"}).json()["jobs"]) == 1
    (failed,) = admin.get("/v1.0/jobs", {"status": "FAIL"}).json()["jobs"]
    assert failed["project_id"] == DEMO_PROJECT
    assert admin.get("/v1.0/jobs", {"status": "LOST"}).status_code == 400


def test_detail_lists_every_field_with_the_same_filters(admin):
    JobFactory(project_id=DEMO_PROJECT, attempts=2)
    JobFactory(project_id=ALT_PROJECT)
    body = admin.get("/v1.0/jobs/detail", {"project_id": DEMO_PROJECT}).json()
    (row,) = body["jobs"]
    assert row["attempts"] == 2
    assert "resource_key" in row
    assert body["jobs_links"] == []


def test_pagination_walks_every_job_once_newest_first(admin):
    created = [str(JobFactory().pk) for _ in range(7)]
    seen, url, pages = [], "/v1.0/jobs?limit=3", 0
    while url:
        body = admin.get(url).json()
        seen += [row["id"] for row in body["jobs"]]
        links = [link["href"] for link in body["jobs_links"] if link["rel"] == "next"]
        url = links[0] if links else None
        pages += 1
    assert pages == 3
    assert seen == list(reversed(created))


def test_schemas_list_each_type_and_its_resource_fields(admin):
    schemas = admin.get("/v1.0/jobs/schemas").json()["schemas"]
    by_type = {schema["type"]: schema["resource"] for schema in schemas}
    assert by_type["test_network"] == ["network_id", "pod_id"]
    assert by_type["test_record"] == ["item_id"]


def test_redo_of_a_failed_job_is_202_and_sends_it(admin, sent_jobs):
    job = JobFactory(status=JobStatus.FAIL, attempts=8, last_error="boom")
    response = admin.put(f"/v1.0/jobs/{job.pk}")
    assert response.status_code == 202, response.content
    redone = response.json()["job"]
    assert redone["status"] == "NEW"
    assert redone["attempts"] == 0


@pytest.mark.parametrize("status", [JobStatus.SUCCESS, JobStatus.RUNNING])
def test_redo_of_a_success_or_running_job_is_409(admin, status):
    job = JobFactory(status=status)
    response = admin.put(f"/v1.0/jobs/{job.pk}")
    assert response.status_code == 409
    assert f"is {status}; only FAIL and NEW jobs can be redone" in response.json()["detail"]


def test_redo_while_the_same_work_is_already_new_is_409(admin):
    JobFactory(resource={"item_id": "x"})
    failed = JobFactory(resource={"item_id": "x"}, status=JobStatus.FAIL)
    response = admin.put(f"/v1.0/jobs/{failed.pk}")
    assert response.status_code == 409
    assert "already waiting" in response.json()["detail"]


def test_delete_answers_204_except_while_running(admin):
    done = JobFactory(status=JobStatus.SUCCESS)
    assert admin.delete(f"/v1.0/jobs/{done.pk}").status_code == 204
    assert not Job.objects.filter(pk=done.pk).exists()
    running = JobFactory()
    services.claim(running.pk, "w1")
    response = admin.delete(f"/v1.0/jobs/{running.pk}")
    assert response.status_code == 409
    assert "is RUNNING" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1.0/jobs"),
        ("get", "/v1.0/jobs/detail"),
        ("get", "/v1.0/jobs/schemas"),
        ("post", "/v1.0/jobs"),
        ("get", "/v1.0/jobs/{id}"),
        ("put", "/v1.0/jobs/{id}"),
        ("delete", "/v1.0/jobs/{id}"),
    ],
)
def test_jobs_need_a_token_and_the_admin_role(anonymous, demo, method, path):
    path = path.format(id=JobFactory().pk)
    assert getattr(anonymous, method)(path, job_body(), format="json").status_code == 401
    assert getattr(demo, method)(path, job_body(), format="json").status_code == 403
