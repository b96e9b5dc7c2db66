"""Admin and quota views of the Compute API gathered from every pod."""

import pytest

from gateway import microversions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def test_limits_are_the_projects_totals_across_pods(demo, novas, keystone):
    for name, used in (("Pod1", 2), ("Pod2", 3)):
        keystone.mocker.get(
            f"{novas[name].base}/limits",
            json={
                "limits": {
                    "rate": [],
                    "absolute": {
                        "maxTotalInstances": 10,
                        "totalInstancesUsed": used,
                        "maxTotalKeypairs": -1,
                        "maxServerMeta": 128,
                    },
                }
            },
        )
    absolute = demo.get("/compute/v2.1/limits").json()["limits"]["absolute"]
    assert absolute == {
        "maxTotalInstances": 20,
        "totalInstancesUsed": 5,
        "maxTotalKeypairs": -1,
        "maxServerMeta": 128,  # a limit of each server: the same in every pod, not added up
    }


def test_hypervisors_and_services_of_every_pod(admin, novas, keystone):
    for name in ("Pod1", "Pod2"):
        keystone.mocker.get(
            f"{novas[name].base}/os-hypervisors/detail",
            json={"hypervisors": [{"id": f"h-{name}", "hypervisor_hostname": f"{name}-compute"}]},
        )
    hypervisors = admin.get("/compute/v2.1/os-hypervisors/detail").json()["hypervisors"]
    assert [row["id"] for row in hypervisors] == ["h-Pod1", "h-Pod2"]


def test_each_pod_is_an_aggregate_of_its_zone(admin, demo, novas, keystone):
    for name in ("Pod1", "Pod2"):
        keystone.mocker.get(
            f"{novas[name].base}/os-services?binary=nova-compute",
            json={"services": [{"host": f"{name}-compute"}]},
        )
    aggregates = admin.get("/compute/v2.1/os-aggregates").json()["aggregates"]
    assert [(a["name"], a["availability_zone"], a["hosts"]) for a in aggregates] == [
        ("Pod1", "az1", ["Pod1-compute"]),
        ("Pod2", "az2", ["Pod2-compute"]),
    ]
    assert demo.get("/compute/v2.1/os-aggregates").status_code == 403


def test_admin_list_filters_reach_every_pod(admin, novas, keystone):
    asked = [
        keystone.mocker.get(
            f"{novas[name].base}/os-services",
            json={"services": [{"binary": "nova-compute", "host": f"{name}-compute"}]},
        )
        for name in ("Pod1", "Pod2")
    ]
    response = admin.get("/compute/v2.1/os-services?binary=nova-compute&host=Pod2-compute")
    assert response.status_code == 200
    for matcher in asked:
        assert matcher.last_request.qs == {"binary": ["nova-compute"], "host": ["pod2-compute"]}


def test_a_filter_without_a_value_reaches_the_pods(admin, novas, keystone):
    """Tempest and novaclient send `?all_tenants` with no value; Nova takes it as true."""
    asked = [
        keystone.mocker.get(f"{novas[name].base}/servers/detail", json={"servers": []})
        for name in ("Pod1", "Pod2")
    ]
    assert admin.get("/compute/v2.1/servers/detail?all_tenants").status_code == 200
    for matcher in asked:
        assert "all_tenants" in matcher.last_request.query


def test_a_hypervisor_is_shown_by_the_pod_that_has_it(admin, novas, keystone):
    keystone.mocker.get(f"{novas['Pod1'].base}/os-hypervisors/h2", status_code=404, json={})
    keystone.mocker.get(
        f"{novas['Pod2'].base}/os-hypervisors/h2",
        json={"hypervisor": {"id": "h2", "hypervisor_hostname": "Pod2-compute"}},
    )
    shown = admin.get("/compute/v2.1/os-hypervisors/h2").json()["hypervisor"]
    assert shown["hypervisor_hostname"] == "Pod2-compute"
    for name in ("Pod1", "Pod2"):
        keystone.mocker.get(
            f"{novas[name].base}/os-hypervisors/nope/uptime",
            status_code=404,
            json={"itemNotFound": {"code": 404, "message": f"nope is not in {name}"}},
        )
    response = admin.get("/compute/v2.1/os-hypervisors/nope/uptime")
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == "nope is not in Pod1"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/os-services/s2", {"status": "disabled"}), ("/os-services/disable", {"host": "h2"})],
)
def test_a_service_is_changed_in_its_pod(admin, novas, keystone, path, body):
    changed = {}
    services = {"Pod1": {"id": "s1", "host": "h1"}, "Pod2": {"id": "s2", "host": "h2"}}
    for name, service in services.items():
        keystone.mocker.get(f"{novas[name].base}/os-services", json={"services": [service]})
        changed[name] = keystone.mocker.put(
            f"{novas[name].base}{path}", json={"service": {**service, "status": "disabled"}}
        )
    response = admin.put(f"/compute/v2.1{path}", body, format="json")
    assert response.status_code == 200, response.content
    assert (changed["Pod1"].called, changed["Pod2"].called) == (False, True)
