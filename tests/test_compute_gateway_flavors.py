"""Flavors are global at Tricircle and copied into a pod on first use."""

import pytest

from gateway import microversions
from gateway.models import Flavor
from jobs import services as jobs
from jobs.models import Job
from routing.models import ResourceRouting

pytestmark = pytest.mark.django_db

TINY = {"name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1, "id": "1"}


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def test_admin_creates_flavors_that_everyone_lists(admin, demo, novas):
    response = admin.post("/compute/v2.1/flavors", {"flavor": TINY}, format="json")
    assert response.status_code == 200, response.content
    flavor = response.json()["flavor"]
    assert (flavor["id"], flavor["ram"], flavor["os-flavor-access:is_public"]) == ("1", 512, True)
    listed = demo.get("/compute/v2.1/flavors").json()["flavors"]
    assert [row["name"] for row in listed] == ["m1.tiny"]
    assert listed[0]["links"][0]["href"] == "http://testserver/compute/v2.1/flavors/1"
    detail = demo.get("/compute/v2.1/flavors/detail?minRam=1024").json()["flavors"]
    assert detail == []
    assert demo.get("/compute/v2.1/flavors/1").json()["flavor"]["vcpus"] == 1


def test_flavor_errors(admin, demo, novas):
    assert demo.post("/compute/v2.1/flavors", {"flavor": TINY}, format="json").status_code == 403
    admin.post("/compute/v2.1/flavors", {"flavor": TINY}, format="json")
    response = admin.post("/compute/v2.1/flavors", {"flavor": TINY}, format="json")
    assert response.status_code == 409
    assert "already exists" in response.json()["conflictingRequest"]["message"]
    bad = admin.post(
        "/compute/v2.1/flavors", {"flavor": {"name": "x", "ram": -1, "vcpus": 1}}, format="json"
    )
    assert bad.status_code == 400
    assert demo.get("/compute/v2.1/flavors/nope").status_code == 404


@pytest.mark.parametrize(
    ("given", "public"), [("true", True), ("YES", True), ("0", False), ("Off", False)]
)
def test_is_public_takes_the_words_nova_takes(admin, novas, given, public):
    made = admin.post(
        "/compute/v2.1/flavors",
        {"flavor": {**TINY, "os-flavor-access:is_public": given}},
        format="json",
    )
    assert made.status_code == 200, made.content
    assert made.json()["flavor"]["os-flavor-access:is_public"] is public


def test_is_public_refuses_other_words(admin, novas):
    refused = admin.post(
        "/compute/v2.1/flavors",
        {"flavor": {**TINY, "os-flavor-access:is_public": "maybe"}},
        format="json",
    )
    assert refused.status_code == 400
    assert "os-flavor-access:is_public" in refused.json()["badRequest"]["message"]


def test_private_flavors_need_access(admin, demo, alt_demo, novas):
    admin.post(
        "/compute/v2.1/flavors",
        {"flavor": {**TINY, "os-flavor-access:is_public": False}},
        format="json",
    )
    assert demo.get("/compute/v2.1/flavors/1").status_code == 404
    # Nova refuses a member's access change before it looks the flavor up: 403, not 404.
    refused = demo.post(
        "/compute/v2.1/flavors/1/action",
        {"addTenantAccess": {"tenant": "demo-project"}},
        format="json",
    )
    assert refused.status_code == 403
    response = admin.post(
        "/compute/v2.1/flavors/1/action",
        {"addTenantAccess": {"tenant": "demo-project"}},
        format="json",
    )
    assert response.json()["flavor_access"] == [{"flavor_id": "1", "tenant_id": "demo-project"}]
    assert demo.get("/compute/v2.1/flavors/1").status_code == 200
    assert alt_demo.get("/compute/v2.1/flavors/1").status_code == 404


@pytest.mark.parametrize(
    "given", [{}, {"tenant": None}, {"tenant": ""}, {"tenant": ["x"]}, "demo-project", None]
)
def test_removing_access_needs_a_tenant(admin, novas, given):
    # As Nova's schema: a removeTenantAccess without a tenant is a 400, not a 404.
    admin.post(
        "/compute/v2.1/flavors",
        {"flavor": {**TINY, "os-flavor-access:is_public": False}},
        format="json",
    )
    refused = admin.post(
        "/compute/v2.1/flavors/1/action", {"removeTenantAccess": given}, format="json"
    )
    assert refused.status_code == 400, refused.content
    assert "tenant" in refused.json()["badRequest"]["message"]


def test_extra_specs_and_their_copies_follow_the_top(admin, novas, demo):
    admin.post("/compute/v2.1/flavors", {"flavor": TINY}, format="json")
    response = admin.post(
        "/compute/v2.1/flavors/1/os-extra_specs",
        {"extra_specs": {"hw:cpu_policy": "shared"}},
        format="json",
    )
    assert response.json() == {"extra_specs": {"hw:cpu_policy": "shared"}}
    assert demo.get("/compute/v2.1/flavors/1/os-extra_specs/hw:cpu_policy").json() == {
        "hw:cpu_policy": "shared"
    }
    # A boot in Pod1 copies the flavor there with its specs.
    response = demo.post(
        "/compute/v2.1/servers",
        {
            "server": {
                "name": "vm",
                "flavorRef": "1",
                "availability_zone": "az1",
                "networks": "none",
            }
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    assert novas["Pod1"].flavors["1"]["name"] == "m1.tiny"
    assert ResourceRouting.objects.filter(top_id="1", resource_type="flavor").count() == 1
    assert Job.objects.filter(type="flavor_sync").exists()


def test_deleting_a_flavor_removes_its_copies_through_a_job(admin, novas, keystone):
    from pods.models import Pod

    admin.post("/compute/v2.1/flavors", {"flavor": TINY}, format="json")
    ResourceRouting.objects.create(
        top_id="1",
        bottom_id="1",
        resource_type="flavor",
        pod=Pod.objects.get(region_name="Pod2"),
        project_id="p",
    )
    removed = keystone.mocker.delete(f"{novas['Pod2'].base}/flavors/1", status_code=202)
    assert admin.delete("/compute/v2.1/flavors/1").status_code == 202
    assert not Flavor.objects.exists()
    job = Job.objects.get(type="flavor_sync")
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "SUCCESS", job.last_error
    assert removed.called
    assert not ResourceRouting.objects.filter(resource_type="flavor").exists()


def test_boot_with_an_unknown_flavor_is_a_400(demo, novas):
    response = demo.post(
        "/compute/v2.1/servers",
        {"server": {"name": "vm", "flavorRef": "404", "networks": "none"}},
        format="json",
    )
    assert response.status_code == 400
    assert "Flavor 404 could not be found" in response.json()["badRequest"]["message"]


def test_resize_copies_the_new_flavor_into_the_servers_pod(admin, demo, novas, keystone):
    from pods.models import Pod
    from tests.factories import RoutingFactory

    admin.post(
        "/compute/v2.1/flavors", {"flavor": {**TINY, "id": "9", "name": "m1.big"}}, format="json"
    )
    novas["Pod2"].add("a", "one", "2026-01-01T00:00:01Z")
    RoutingFactory(top_id="a", pod=Pod.objects.get(region_name="Pod2"), project_id="demo-project")
    action = keystone.mocker.post(f"{novas['Pod2'].base}/servers/a/action", status_code=202)
    response = demo.post(
        "/compute/v2.1/servers/a/action", {"resize": {"flavorRef": "9"}}, format="json"
    )
    assert response.status_code == 202
    assert action.called and "9" in novas["Pod2"].flavors
    unknown = demo.post(
        "/compute/v2.1/servers/a/action", {"resize": {"flavorRef": "404"}}, format="json"
    )
    assert unknown.status_code == 400
