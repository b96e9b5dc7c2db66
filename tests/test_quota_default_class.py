"""The `default` quota class set through the top region gives every project the limits it has
not set itself, across all pods: its defaults read as the class's value (not the sum of every
pod's default) and creates beyond it are refused at the gateway."""

import pytest

from gateway.models import ProjectQuota, QuotaClassLimit

pytestmark = pytest.mark.django_db

PROJECT = "demo-project"


def pods_answer(keystone, pods, path: str, body: dict, method: str = "get") -> list:
    return [getattr(keystone.mocker, method)(f"{pod.base}{path}", json=body) for pod in pods]


def test_the_default_class_is_every_projects_default_across_pods(admin, demo, cinders, keystone):
    pod_class = {"quota_class_set": {"id": "default", "volumes": 4, "gigabytes": 20, "groups": 3}}
    changed = pods_answer(
        keystone, cinders.values(), "/os-quota-class-sets/default", pod_class, "put"
    )
    body = {"quota_class_set": {"volumes": 4, "gigabytes": 20}}
    response = admin.put("/volume/v3/os-quota-class-sets/default", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["quota_class_set"]["volumes"] == 4
    assert all(put.last_request.json() == body for put in changed)
    assert dict(QuotaClassLimit.objects.values_list("resource", "hard_limit")) == {
        "volumes": 4,
        "gigabytes": 20,
    }

    # Each pod enforces the default on its own part: their defaults add up to 8 volumes.
    defaults = {"quota_set": {"id": PROJECT, "volumes": 4, "gigabytes": 20, "groups": 3}}
    pods_answer(keystone, cinders.values(), f"/os-quota-sets/{PROJECT}/defaults", defaults)
    pods_answer(keystone, cinders.values(), f"/os-quota-sets/{PROJECT}", defaults)
    shown = admin.get(f"/volume/v3/os-quota-sets/{PROJECT}/defaults").json()["quota_set"]
    assert (shown["volumes"], shown["gigabytes"], shown["groups"]) == (4, 20, 3)
    shown = admin.get(f"/volume/v3/os-quota-sets/{PROJECT}").json()["quota_set"]
    assert (shown["volumes"], shown["gigabytes"]) == (4, 20)
    pods_answer(keystone, cinders.values(), "/os-quota-class-sets/default", pod_class)
    shown = admin.get("/volume/v3/os-quota-class-sets/default").json()["quota_class_set"]
    assert (shown["volumes"], shown["groups"]) == (4, 3)

    # The class's limit holds across pods: 2 + 2 volumes in use, a fifth is refused.
    for cinder in cinders.values():
        cinder.limits.update({"maxTotalVolumes": 4, "totalVolumesUsed": 2})
    create = {"volume": {"size": 1, "availability_zone": "az1"}}
    refused = demo.post("/volume/v3/volumes", create, format="json")
    assert refused.status_code == 413, refused.content
    assert "volumes" in refused.json()["overLimit"]["message"]
    assert not cinders["Pod1"].created["volumes"]


def test_a_projects_own_limit_wins_over_the_default_class(admin, novas, keystone):
    QuotaClassLimit.objects.create(
        class_name="default", service="compute", resource="instances", hard_limit=10
    )
    ProjectQuota.objects.create(
        project_id=PROJECT, service="compute", resource="instances", hard_limit=3
    )
    quota_set = {"quota_set": {"id": PROJECT, "instances": 10, "cores": 20}}
    pods_answer(keystone, novas.values(), f"/os-quota-sets/{PROJECT}", quota_set)
    shown = admin.get(f"/compute/v2.1/os-quota-sets/{PROJECT}").json()["quota_set"]
    assert (shown["instances"], shown["cores"]) == (3, 40)  # cores: no class limit, the sum


def test_another_class_changes_no_projects_defaults(admin, novas, keystone):
    pods_answer(
        keystone,
        novas.values(),
        "/os-quota-class-sets/gold",
        {"quota_class_set": {"id": "gold", "instances": 50}},
        "put",
    )
    body = {"quota_class_set": {"instances": 50}}
    assert admin.put("/compute/v2.1/os-quota-class-sets/gold", body, format="json").json() == {
        "quota_class_set": {"id": "gold", "instances": 50}
    }
    defaults = {"quota_set": {"id": PROJECT, "instances": 10}}
    pods_answer(keystone, novas.values(), f"/os-quota-sets/{PROJECT}/defaults", defaults)
    shown = admin.get(f"/compute/v2.1/os-quota-sets/{PROJECT}/defaults").json()["quota_set"]
    assert shown["instances"] == 20


def test_a_bad_class_limit_is_refused_before_any_pod(admin, novas, keystone):
    changed = pods_answer(
        keystone, novas.values(), "/os-quota-class-sets/default", {"quota_class_set": {}}, "put"
    )
    body = {"quota_class_set": {"cores": "many"}}
    bad = admin.put("/compute/v2.1/os-quota-class-sets/default", body, format="json")
    assert bad.status_code == 400 and "cores" in bad.json()["badRequest"]["message"]
    assert not any(put.called for put in changed)
    assert not QuotaClassLimit.objects.exists()
