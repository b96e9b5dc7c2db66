"""The audit's admin API: per-pod summary, findings with filters and pagination, run now,
repair one finding; admins only, errors as the admin API's JSON."""

import pytest

from gateway.audit.run import run_pod_audit
from jobs.models import Job
from routing.models import ResourceRouting
from tests.audit_support import ResourceType, new_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def audited(audit_cloud):
    """Pod1: two dangling volume routes and an unknown network; Pod2: one dangling server."""
    for _ in range(2):
        gone = new_id()
        audit_cloud.route(gone, gone, ResourceType.VOLUME)
    audit_cloud.pods["Pod1"].neutron.add("networks", name="users", project_id="someone")
    server = new_id()
    audit_cloud.route(server, server, ResourceType.SERVER, pod="Pod2")
    for pod in ("Pod1", "Pod2"):
        run_pod_audit(audit_cloud.pod(pod))
    return audit_cloud


def test_the_summary_counts_findings_per_pod_class_and_type(admin, audited):
    body = admin.get("/v1.0/audit").json()["audit"]
    by_pod = {pod["region_name"]: pod for pod in body}
    assert by_pod["Pod1"]["counts"] == {
        "dangling_route": {"volume": 2},
        "unknown": {"network": 1},
    }
    assert by_pod["Pod1"]["totals"] == {"dangling_route": 2, "unknown": 1}
    assert by_pod["Pod2"]["counts"] == {"dangling_route": {"server": 1}}
    assert by_pod["Pod1"]["last_run"]["status"] == "done"
    assert by_pod["Pod1"]["last_run"]["api_calls"] > 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 4),
        ("?pod=Pod1", 3),
        ("?class=dangling_route", 3),
        ("?class=dangling_route&type=server", 1),
        ("?type=network", 1),
        ("?project=someone", 1),
        ("?project=demo-project&pod=Pod2", 1),
    ],
)
def test_findings_are_filtered(admin, audited, query, expected):
    response = admin.get(f"/v1.0/audit/findings{query}")
    assert response.status_code == 200
    assert len(response.json()["findings"]) == expected


def test_findings_filter_by_pod_id_and_refuse_an_unknown_class(admin, audited):
    pod_id = audited.pod("Pod2").pk
    (finding,) = admin.get(f"/v1.0/audit/findings?pod={pod_id}").json()["findings"]
    assert finding["class"] == "dangling_route" and finding["region_name"] == "Pod2"
    response = admin.get("/v1.0/audit/findings?class=bogus")
    assert response.status_code == 400


def test_findings_are_paginated_newest_first(admin, audited):
    first = admin.get("/v1.0/audit/findings?limit=3").json()
    assert len(first["findings"]) == 3
    (next_link,) = first["findings_links"]
    rest = admin.get(next_link["href"]).json()
    assert len(rest["findings"]) == 1 and rest["findings_links"] == []
    ids = [f["id"] for f in first["findings"] + rest["findings"]]
    assert ids == sorted(ids, reverse=True)


def test_run_now_requests_pod_audit_jobs(admin, audited):
    response = admin.post("/v1.0/audit", {"audit": {"pod": "Pod2"}}, format="json")
    assert response.status_code == 202
    (job,) = response.json()["audit"]["jobs"]
    assert job["pod_id"] == str(audited.pod("Pod2").pk)
    assert Job.objects.get().type == "pod_audit"
    response = admin.post("/v1.0/audit")
    assert response.status_code == 202 and len(response.json()["audit"]["jobs"]) == 2


def test_run_now_for_an_unknown_pod_is_a_404(admin, audited):
    response = admin.post("/v1.0/audit", {"audit": {"pod": "Nowhere"}}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_repair_one_finding(admin, audited):
    finding = admin.get("/v1.0/audit/findings?pod=Pod1&class=dangling_route").json()["findings"][0]
    response = admin.post(f"/v1.0/audit/findings/{finding['id']}/repair")
    assert response.status_code == 200
    assert response.json()["finding"]["status"] == "repaired"
    assert not ResourceRouting.objects.filter(top_id=finding["top_id"]).exists()


def test_repairing_an_unknown_resource_is_a_409_and_an_unknown_finding_a_404(admin, audited):
    (unknown,) = admin.get("/v1.0/audit/findings?class=unknown").json()["findings"]
    response = admin.post(f"/v1.0/audit/findings/{unknown['id']}/repair")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert admin.post("/v1.0/audit/findings/999999/repair").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1.0/audit"),
        ("post", "/v1.0/audit"),
        ("get", "/v1.0/audit/findings"),
        ("post", "/v1.0/audit/findings/1/repair"),
    ],
)
def test_only_admins(demo, audited, method, path):
    assert getattr(demo, method)(path).status_code == 403
