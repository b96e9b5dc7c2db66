"""os-simple-tenant-usage at the top: a project's usage is the sum of its usage in every pod."""

import pytest

from gateway import microversions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def usage(project: str, hours: float, server: str) -> dict:
    return {
        "tenant_id": project,
        "start": "2026-11-01T00:00:00",
        "stop": "2026-11-30T00:00:00",
        "total_hours": hours,
        "total_local_gb_usage": hours,
        "total_memory_mb_usage": 512 * hours,
        "total_vcpus_usage": hours,
        "server_usages": [{"instance_id": server, "hours": hours}],
    }


def test_a_projects_usage_adds_up_over_the_pods(admin, novas, keystone):
    keystone.mocker.get(
        f"{novas['Pod1'].base}/os-simple-tenant-usage/p", json={"tenant_usage": usage("p", 1, "a")}
    )
    keystone.mocker.get(
        f"{novas['Pod2'].base}/os-simple-tenant-usage/p", json={"tenant_usage": usage("p", 2, "b")}
    )
    shown = admin.get("/compute/v2.1/os-simple-tenant-usage/p?detailed=1").json()["tenant_usage"]
    assert (shown["total_hours"], shown["total_memory_mb_usage"]) == (3, 1536)
    assert [server["instance_id"] for server in shown["server_usages"]] == ["a", "b"]


def test_a_pod_without_usage_adds_nothing(admin, novas, keystone):
    keystone.mocker.get(f"{novas['Pod1'].base}/os-simple-tenant-usage/p", json={"tenant_usage": {}})
    keystone.mocker.get(
        f"{novas['Pod2'].base}/os-simple-tenant-usage/p", json={"tenant_usage": usage("p", 2, "b")}
    )
    shown = admin.get("/compute/v2.1/os-simple-tenant-usage/p").json()["tenant_usage"]
    assert shown["total_hours"] == 2


def test_the_list_has_one_row_per_project(admin, novas, keystone):
    keystone.mocker.get(
        f"{novas['Pod1'].base}/os-simple-tenant-usage",
        json={"tenant_usages": [usage("p", 1, "a"), usage("q", 4, "c")]},
    )
    keystone.mocker.get(
        f"{novas['Pod2'].base}/os-simple-tenant-usage",
        json={"tenant_usages": [usage("p", 2, "b")]},
    )
    rows = admin.get("/compute/v2.1/os-simple-tenant-usage").json()["tenant_usages"]
    assert [(row["tenant_id"], row["total_hours"]) for row in rows] == [("p", 3), ("q", 4)]
