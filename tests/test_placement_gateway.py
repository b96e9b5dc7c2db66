"""The read side of Placement at the top: providers of every pod, one provider from the pod
that has it, traits united, usages summed, links the top's; changes are refused (405)."""

import pytest

from gateway import microversions
from pods.models import Pod

pytestmark = pytest.mark.django_db
RP1, RP2 = "0e408149-059c-4b67-80c0-6f0466d9ed18", "8e51a6e3-87ea-4d6c-a30b-769331e2b678"


def provider(uuid: str, name: str) -> dict:
    return {
        "uuid": uuid,
        "name": name,
        "generation": 1,
        "links": [{"rel": "self", "href": f"/placement/resource_providers/{uuid}"}],
    }


@pytest.fixture
def placements(keystone, db):
    microversions._ranges.clear()
    mocker = keystone.mocker
    for name, zone, rp, traits, used in (
        ("Pod1", "az1", RP1, ["COMPUTE_NODE", "HW_CPU_X86_SSE2"], 1),
        ("Pod2", "az2", RP2, ["COMPUTE_NODE", "CUSTOM_POD2"], 2),
    ):
        Pod.objects.create(region_name=name, az_name=zone)
        base = keystone.add_region(name) + "/placement"
        mocker.get(
            base,
            json={
                "versions": [
                    {
                        "id": "v1.0",
                        "min_version": "1.0",
                        "max_version": "1.39" if name == "Pod1" else "1.36",
                        "status": "CURRENT",
                    }
                ]
            },
        )
        mocker.get(f"{base}/resource_providers", json={"resource_providers": [provider(rp, name)]})
        other = RP2 if rp == RP1 else RP1
        mocker.get(
            f"{base}/resource_providers/{rp}/inventories",
            json={"inventories": {"VCPU": {"total": 8}}, "resource_provider_generation": 1},
        )
        mocker.get(
            f"{base}/resource_providers/{other}/inventories",
            status_code=404,
            json={
                "errors": [{"status": 404, "title": "Not Found", "detail": "No resource provider"}]
            },
        )
        mocker.get(f"{base}/traits", json={"traits": traits})
        mocker.get(f"{base}/usages", json={"usages": {"VCPU": used, "MEMORY_MB": 512 * used}})
    return mocker


def test_the_version_document_is_the_pods_intersection(anonymous, placements):
    (version,) = anonymous.get("/placement/").json()["versions"]
    assert (version["min_version"], version["max_version"]) == ("1.0", "1.36")


def test_providers_of_every_pod_with_the_tops_links(admin, placements):
    response = admin.get(
        "/placement/resource_providers", HTTP_OPENSTACK_API_VERSION="placement 1.14"
    )
    assert response.status_code == 200
    assert response["OpenStack-API-Version"] == "placement 1.14"
    providers = response.json()["resource_providers"]
    assert [p["uuid"] for p in providers] == [RP1, RP2]
    assert providers[1]["links"][0]["href"] == f"/placement/resource_providers/{RP2}"


def test_one_provider_comes_from_the_pod_that_has_it(admin, placements):
    response = admin.get(f"/placement/resource_providers/{RP2}/inventories")
    assert response.status_code == 200
    assert response.json()["inventories"]["VCPU"]["total"] == 8


def test_an_unknown_provider_is_placements_404(admin, placements):
    missing = "6c1ec0b4-2a43-4f0e-9f35-b8f5e7f5b1a1"
    for pod in ("pod1", "pod2"):
        placements.get(
            f"http://{pod}.test/placement/resource_providers/{missing}",
            status_code=404,
            json={"errors": [{"status": 404, "title": "Not Found", "detail": "none"}]},
        )
    response = admin.get(f"/placement/resource_providers/{missing}")
    assert response.status_code == 404
    assert response.json()["errors"][0]["status"] == 404


def test_traits_are_united_and_usages_summed(admin, placements):
    assert admin.get("/placement/traits").json()["traits"] == [
        "COMPUTE_NODE",
        "CUSTOM_POD2",
        "HW_CPU_X86_SSE2",
    ]
    assert admin.get("/placement/usages?project_id=p").json()["usages"] == {
        "VCPU": 3,
        "MEMORY_MB": 1536,
    }
    asked = [r for r in placements.request_history if r.path.endswith("/usages")]
    assert len(asked) == 2 and all(r.qs == {"project_id": ["p"]} for r in asked)


def test_a_pods_refusal_is_passed_on(demo, placements):
    for pod in ("pod1", "pod2"):
        placements.get(
            f"http://{pod}.test/placement/resource_providers",
            status_code=403,
            json={
                "errors": [{"status": 403, "title": "Forbidden", "detail": "Policy does not allow"}]
            },
        )
    response = demo.get("/placement/resource_providers")
    assert response.status_code == 403
    assert "Policy" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_changes_are_refused_with_405(admin, placements, method):
    response = getattr(admin, method)("/placement/resource_providers", {}, format="json")
    assert response.status_code == 405
    assert response["Allow"].split(", ")[0] == "GET"
    assert "POST" not in response["Allow"]
    (error,) = response.json()["errors"]
    assert error["status"] == 405 and error["title"] == "Method Not Allowed"
