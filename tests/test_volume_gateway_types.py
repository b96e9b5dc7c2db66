"""Volume types: global at Tricircle, made in a pod (same name, same extra specs) on first use."""

import pytest

from gateway.models import VolumeType
from routing.models import ResourceRouting

pytestmark = pytest.mark.django_db


def make_type(admin, name: str = "gold", **fields) -> dict:
    response = admin.post(
        "/volume/v3/types",
        {"volume_type": {"name": name, "extra_specs": {"tier": "1"}, **fields}},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["volume_type"]


def test_admins_manage_types_and_extra_specs_at_the_top(admin, demo, cinders):
    made = make_type(admin)
    assert made["extra_specs"] == {"tier": "1"} and made["is_public"] is True
    assert not cinders["Pod1"].type_posts and not cinders["Pod2"].type_posts
    assert [t["name"] for t in demo.get("/volume/v3/types").json()["volume_types"]] == ["gold"]
    assert demo.get("/volume/v3/types/gold").json()["volume_type"]["id"] == made["id"]
    url = f"/volume/v3/types/{made['id']}/extra_specs"
    assert admin.post(url, {"extra_specs": {"speed": "fast"}}, format="json").status_code == 200
    assert admin.get(url).json() == {"extra_specs": {"tier": "1", "speed": "fast"}}
    # As Cinder: users who are not admins see only the user-visible extra specs.
    assert demo.get(url).json() == {"extra_specs": {}}
    assert admin.put(f"{url}/speed", {"speed": "slow"}, format="json").json() == {"speed": "slow"}
    assert admin.delete(f"{url}/tier").status_code == 202
    assert demo.get(f"{url}/tier").status_code == 404
    assert admin.get(f"{url}/speed").json() == {"speed": "slow"}
    response = admin.put(
        f"/volume/v3/types/{made['id']}", {"volume_type": {"description": "d"}}, format="json"
    )
    assert response.json()["volume_type"]["description"] == "d"
    # Cinder's update answer has no type-access attribute (its other answers have).
    assert "os-volume-type-access:is_public" not in response.json()["volume_type"]
    assert admin.delete(f"/volume/v3/types/{made['id']}").status_code == 202
    assert not VolumeType.objects.exists()


def test_users_cannot_change_types_and_names_are_unique(admin, demo, cinders):
    response = demo.post("/volume/v3/types", {"volume_type": {"name": "x"}}, format="json")
    assert response.status_code == 403
    make_type(admin)
    response = admin.post("/volume/v3/types", {"volume_type": {"name": "gold"}}, format="json")
    assert response.status_code == 409
    assert demo.get("/volume/v3/types/nope").status_code == 404


def test_private_types_are_seen_by_admins_only(admin, demo, cinders):
    make_type(admin, "secret", **{"os-volume-type-access:is_public": False})
    assert demo.get("/volume/v3/types").json()["volume_types"] == []
    assert demo.get("/volume/v3/types/secret").status_code == 404
    listed = admin.get("/volume/v3/types?is_public=None").json()["volume_types"]
    assert [t["name"] for t in listed] == ["secret"]


def test_a_project_given_a_private_type_sees_and_uses_it(admin, demo, alt_demo, cinders, keystone):
    made = make_type(admin, "secret", **{"os-volume-type-access:is_public": False})
    access = f"/volume/v3/types/{made['id']}/os-volume-type-access"
    action = f"/volume/v3/types/{made['id']}/action"
    assert admin.get(access).json() == {"volume_type_access": []}
    grant = {"addProjectAccess": {"project": "demo-project"}}
    assert demo.post(action, grant, format="json").status_code == 403
    assert admin.post(action, grant, format="json").status_code == 202
    assert admin.post(action, grant, format="json").status_code == 409
    assert admin.get(access).json() == {
        "volume_type_access": [{"volume_type_id": made["id"], "project_id": "demo-project"}]
    }
    assert [t["name"] for t in demo.get("/volume/v3/types").json()["volume_types"]] == ["secret"]
    assert demo.get("/volume/v3/types/secret").status_code == 200
    assert alt_demo.get("/volume/v3/types").json()["volume_types"] == []

    pod_grants = keystone.mocker.post(f"{cinders['Pod2'].base}/types/pod-type-1/action", text="")
    response = demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "availability_zone": "az2", "volume_type": "secret"}},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert cinders["Pod2"].type_posts[0]["os-volume-type-access:is_public"] is False
    assert pod_grants.last_request.json() == grant

    revoke = {"removeProjectAccess": {"project": "demo-project"}}
    assert admin.post(action, revoke, format="json").status_code == 202
    assert pod_grants.last_request.json() == revoke  # the pod's copy follows
    assert admin.post(action, revoke, format="json").status_code == 404
    assert demo.get("/volume/v3/types/secret").status_code == 404
    nameless = admin.post(action, {"removeProjectAccess": {}}, format="json")
    assert nameless.status_code == 400  # as Cinder: no project named, not "not found"


def test_access_lists_are_for_private_types_only(admin, cinders):
    made = make_type(admin)
    assert admin.get(f"/volume/v3/types/{made['id']}/os-volume-type-access").status_code == 404
    response = admin.post(
        f"/volume/v3/types/{made['id']}/action",
        {"addProjectAccess": {"project": "demo-project"}},
        format="json",
    )
    assert response.status_code == 409
    assert "public volume type" in response.json()["conflictingRequest"]["message"]
    response = admin.post(f"/volume/v3/types/{made['id']}/action", {"x": {}}, format="json")
    assert response.status_code == 400


def test_a_volume_of_a_top_type_makes_the_type_in_its_pod_once(admin, demo, cinders):
    made = make_type(admin)
    for _ in range(2):
        response = demo.post(
            "/volume/v3/volumes",
            {"volume": {"size": 1, "availability_zone": "az2", "volume_type": made["id"]}},
            format="json",
        )
        assert response.status_code == 202, response.content
    assert cinders["Pod2"].type_posts == [
        {
            "name": "gold",
            "description": None,
            "os-volume-type-access:is_public": True,
            "extra_specs": {"tier": "1"},
        }
    ]
    assert [sent["volume_type"] for sent in cinders["Pod2"].created["volumes"]] == ["gold"] * 2
    assert not cinders["Pod1"].type_posts
    routing = ResourceRouting.objects.get(top_id=made["id"], resource_type="volume_type")
    assert (routing.pod.region_name, routing.bottom_id) == ("Pod2", "pod-type-1")


def test_a_type_already_in_the_pod_is_adopted_with_the_tops_extra_specs(admin, demo, cinders):
    cinders["Pod1"].types.append({"id": "old-gold", "name": "gold", "extra_specs": {}})
    make_type(admin)
    response = demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "availability_zone": "az1", "volume_type": "gold"}},
        format="json",
    )
    assert response.status_code == 202
    assert not cinders["Pod1"].type_posts
    assert cinders["Pod1"].types[-1]["extra_specs"] == {"tier": "1"}


def test_a_type_tricircle_does_not_know_is_passed_to_the_pod(demo, cinders):
    response = demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "availability_zone": "az1", "volume_type": "__DEFAULT__"}},
        format="json",
    )
    assert response.status_code == 202
    assert cinders["Pod1"].created["volumes"][0]["volume_type"] == "__DEFAULT__"


def test_users_see_types_as_cinder_shows_them_to_users(admin, demo, cinders):
    specs = {"tier": "1", "multiattach": "<is> True"}
    made = admin.post(
        "/volume/v3/types", {"volume_type": {"name": "m", "extra_specs": specs}}, format="json"
    ).json()["volume_type"]
    assert "qos_specs_id" not in made  # Cinder's create answer never shows it
    shown = demo.get(f"/volume/v3/types/{made['id']}").json()["volume_type"]
    assert "qos_specs_id" not in shown
    assert shown["extra_specs"] == {"multiattach": "<is> True"}
    assert demo.get(f"/volume/v3/types/{made['id']}/extra_specs/tier").status_code == 404
