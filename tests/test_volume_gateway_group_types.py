"""Group types: Tricircle's, answered as Cinder answers them, copied into a pod (same name, same
specs) with the first group of the type there; changes and deletion reach the copies."""

import pytest

from gateway.models import GroupType
from routing.models import ResourceRouting

pytestmark = pytest.mark.django_db

V311 = {"HTTP_OPENSTACK_API_VERSION": "volume 3.11"}
V313 = {"HTTP_OPENSTACK_API_VERSION": "volume 3.13"}
TYPES = "/volume/v3/group_types"


def make_group_type(admin, name: str = "gold", **fields) -> dict:
    body = {"group_type": {"name": name, "group_specs": {"tier": "1"}, **fields}}
    response = admin.post(TYPES, body, format="json", **V311)
    assert response.status_code == 202, response.content
    return response.json()["group_type"]


def make_volume_type(admin, name: str = "fast") -> dict:
    response = admin.post("/volume/v3/types", {"volume_type": {"name": name}}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["volume_type"]


def make_group_in(client, zone: str, group_type: str, volume_type: str):
    body = {"group": {"group_type": group_type, "volume_types": [volume_type]}}
    if zone:
        body["group"]["availability_zone"] = zone
    return client.post("/volume/v3/groups", body, format="json", **V313)


def test_admins_create_show_update_list_and_delete_group_types(admin, demo, cinders):
    made = make_group_type(admin, description="d", is_public="true")
    assert made == {
        "id": made["id"],
        "name": "gold",
        "description": "d",
        "is_public": True,
        "group_specs": {"tier": "1"},
    }
    assert not cinders["Pod1"].group_type_posts and not cinders["Pod2"].group_type_posts
    # As Cinder's view: the specs only to admins.
    shown = demo.get(f"{TYPES}/{made['id']}", **V311)
    assert shown.status_code == 200
    assert shown.json() == {
        "group_type": {"id": made["id"], "name": "gold", "description": "d", "is_public": True}
    }
    assert shown["OpenStack-API-Version"] == "volume 3.11"
    response = admin.put(
        f"{TYPES}/{made['id']}", {"group_type": {"name": "silver"}}, format="json", **V311
    )
    assert response.status_code == 200
    assert response.json()["group_type"]["name"] == "silver"
    listed = demo.get(TYPES, **V311).json()["group_types"]
    assert [(t["id"], t["name"]) for t in listed] == [(made["id"], "silver")]
    assert "group_specs" not in listed[0]
    assert admin.delete(f"{TYPES}/{made['id']}", **V311).status_code == 202
    assert not GroupType.objects.exists()
    assert demo.get(f"{TYPES}/{made['id']}", **V311).status_code == 404


def test_users_may_not_change_group_types(admin, demo, cinders):
    body = {"group_type": {"name": "x"}}
    response = demo.post(TYPES, body, format="json", **V311)
    assert response.status_code == 403
    assert response.json()["forbidden"]["message"] == (
        "Policy doesn't allow group:group_types:create to be performed."
    )
    made = make_group_type(admin)
    url = f"{TYPES}/{made['id']}"
    assert demo.put(url, body, format="json", **V311).status_code == 403
    assert demo.delete(url, **V311).status_code == 403
    assert demo.get(f"{url}/group_specs", **V311).status_code == 403
    assert GroupType.objects.get().name == "gold"


def test_names_are_unique_and_unknown_types_are_404(admin, cinders):
    made = make_group_type(admin)
    make_group_type(admin, "silver")
    response = admin.post(TYPES, {"group_type": {"name": "gold"}}, format="json", **V311)
    assert response.status_code == 409
    assert response.json()["conflictingRequest"]["message"] == "Group Type gold already exists."
    response = admin.put(
        f"{TYPES}/{made['id']}", {"group_type": {"name": "silver"}}, format="json", **V311
    )
    assert response.status_code == 409
    response = admin.get(f"{TYPES}/nope", **V311)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == "Group type nope could not be found."
    # Shown by id only, as Cinder (a group's create takes names).
    assert admin.get(f"{TYPES}/gold", **V311).status_code == 404


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ({"group_type": {}}, "'name' is a required property"),
        ({"group_type": {"name": "  "}}, "The 'name' can not be empty."),
        ({"group_type": {"name": "a", "extra": 1}}, "'extra' was unexpected"),
        ({"group_type": {"name": "a", "is_public": "maybe"}}, "is_public"),
        ({"group_type": {"name": "a", "group_specs": {"a b!": "1"}}}, "'a b!' was unexpected"),
        ({"group_type": {"name": "a", "group_specs": {"k": 1}}}, "is not of type 'string'"),
        ({"group_types": {"name": "a"}}, "'group_type' is a required property"),
    ],
)
def test_invalid_creates_are_refused_as_cinders_schema(admin, cinders, body, fault):
    response = admin.post(TYPES, body, format="json", **V311)
    assert response.status_code == 400
    assert fault in response.json()["badRequest"]["message"]
    assert not GroupType.objects.exists()


def test_an_update_must_change_something(admin, cinders):
    made = make_group_type(admin)
    url = f"{TYPES}/{made['id']}"
    response = admin.put(url, {"group_type": {}}, format="json", **V311)
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == (
        "Specify group type name, description or a combination thereof."
    )
    response = admin.put(url, {"group_type": {"name": "  "}}, format="json", **V311)
    assert response.json()["badRequest"]["message"] == "Group type name can not be empty."
    response = admin.put(url, {"group_type": {"is_public": False}}, format="json", **V311)
    assert response.json()["group_type"]["is_public"] is False


def test_the_default_group_type_is_not_configured_as_in_cinder(demo, cinders):
    response = demo.get(f"{TYPES}/default", **V311)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == "Default group type can not be found."


def test_group_types_need_microversion_3_11(admin, cinders, keystone):
    for version in ({}, {"HTTP_OPENSTACK_API_VERSION": "volume 3.10"}):
        response = admin.post(TYPES, {"group_type": {"name": "x"}}, format="json", **version)
        assert response.status_code == 404
        assert response.json()["itemNotFound"]["message"] == "The resource could not be found."
        assert admin.get(TYPES, **version).status_code == 404
    assert not GroupType.objects.exists()
    assert not [call for call in keystone.mocker.request_history if "group_types" in call.url]


def test_the_list_filters_by_visibility_and_sorts_as_cinder(admin, demo, cinders):
    make_group_type(admin, "a-public")
    make_group_type(admin, "b-private", is_public=False)

    def names(client, query: str = "") -> list[str]:
        response = client.get(f"{TYPES}{query}", **V311)
        assert response.status_code == 200, response.content
        return [t["name"] for t in response.json()["group_types"]]

    assert names(admin, "?sort=name:asc&is_public=None") == ["a-public", "b-private"]
    assert names(admin, "?sort=name:desc&is_public=None") == ["b-private", "a-public"]
    assert names(admin, "?is_public=False") == ["b-private"]
    assert names(admin, "?is_public=True") == ["a-public"]
    assert names(admin) == ["a-public"]  # public ones unless asked
    assert names(demo, "?is_public=None") == ["a-public"]  # users: public ones only
    private = GroupType.objects.get(name="b-private")
    assert demo.get(f"{TYPES}/{private.id}", **V311).status_code == 404
    response = admin.get(f"{TYPES}?is_public=maybe", **V311)
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == "Invalid is_public filter [maybe]"
    assert admin.get(f"{TYPES}?sort=nope:asc", **V311).status_code == 400
    page = admin.get(f"{TYPES}?sort=name:asc&is_public=None&limit=1", **V311).json()
    assert [t["name"] for t in page["group_types"]] == ["a-public"]
    assert page["group_type_links"][0]["rel"] == "next"
    following = page["group_type_links"][0]["href"].replace("http://testserver", "")
    assert names(admin, following.removeprefix(TYPES)) == ["b-private"]


def test_admins_manage_group_specs(admin, cinders):
    made = make_group_type(admin)
    url = f"{TYPES}/{made['id']}/group_specs"
    response = admin.post(url, {"group_specs": {"key1": "v1", "key2": "v2"}}, format="json", **V311)
    assert response.status_code == 202
    assert response.json() == {"group_specs": {"key1": "v1", "key2": "v2"}}
    response = admin.put(f"{url}/key2", {"key2": "v2-updated"}, format="json", **V311)
    assert response.status_code == 200
    assert response.json() == {"key2": "v2-updated"}
    assert admin.get(f"{url}/key2", **V311).json() == {"key2": "v2-updated"}
    assert admin.get(url, **V311).json() == {
        "group_specs": {"tier": "1", "key1": "v1", "key2": "v2-updated"}
    }
    assert admin.delete(f"{url}/key1", **V311).status_code == 202
    response = admin.get(f"{url}/key1", **V311)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == (
        f"Group Type {made['id']} has no extra spec with key key1."
    )
    response = admin.delete(f"{url}/key1", **V311)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == (
        f"Group Type {made['id']} has no specs with key key1."
    )
    response = admin.put(f"{url}/key2", {"key3": "x"}, format="json", **V311)
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == "Request body and URI mismatch"
    response = admin.put(f"{url}/key2", {"key2": "x", "key3": "y"}, format="json", **V311)
    assert response.status_code == 400
    response = admin.post(url, {"group_specs": {"a/b": "1"}}, format="json", **V311)
    assert response.status_code == 400
    assert admin.get(f"{TYPES}/nope/group_specs", **V311).status_code == 404
    assert GroupType.objects.get().group_specs == {"tier": "1", "key2": "v2-updated"}


def test_a_group_type_is_made_in_the_groups_pod_once_and_follows_the_top(admin, cinders, keystone):
    made = make_group_type(admin)
    volume_type = make_volume_type(admin)
    for ref in (made["id"], "gold"):  # by Tricircle's id or by name
        response = make_group_in(admin, "az2", ref, volume_type["id"])
        assert response.status_code == 202, response.content
    pod = cinders["Pod2"]
    assert pod.group_type_posts == [
        {"name": "gold", "description": None, "is_public": True, "group_specs": {"tier": "1"}}
    ]
    assert not cinders["Pod1"].group_type_posts
    routing = ResourceRouting.objects.get(top_id=made["id"], resource_type="group_type")
    assert (routing.pod.region_name, routing.bottom_id) == ("Pod2", "zone2-group-type-1")

    url = f"{TYPES}/{made['id']}"
    admin.post(f"{url}/group_specs", {"group_specs": {"k": "v"}}, format="json", **V311)
    admin.put(f"{url}/group_specs/k", {"k": "w"}, format="json", **V311)
    admin.delete(f"{url}/group_specs/tier", **V311)
    admin.put(url, {"group_type": {"description": "new"}}, format="json", **V311)
    copy = "/group_types/zone2-group-type-1"
    assert pod.group_type_changes == [
        ("POST", f"{copy}/group_specs", {"group_specs": {"k": "v"}}),
        ("PUT", f"{copy}/group_specs/k", {"k": "w"}),
        ("DELETE", f"{copy}/group_specs/tier", None),
        ("PUT", copy, {"group_type": {"description": "new"}}),
    ]
    # The service account's calls carry the microversion of group types.
    calls = [
        call
        for call in keystone.mocker.request_history
        if call.url.startswith(f"{pod.base}/group_types")
    ]
    assert {call.headers["X-Auth-Token"] for call in calls} == {"service-token"}
    assert {call.headers["OpenStack-API-Version"] for call in calls} == {"volume 3.11"}


def test_a_group_type_in_a_pod_is_adopted_by_name_with_the_tops_specs(admin, cinders):
    cinders["Pod1"].group_types.append({"id": "old-gold", "name": "gold", "group_specs": {}})
    made = make_group_type(admin)
    volume_type = make_volume_type(admin)
    assert make_group_in(admin, "az1", made["id"], volume_type["id"]).status_code == 202
    assert not cinders["Pod1"].group_type_posts
    assert cinders["Pod1"].group_types[0]["group_specs"] == {"tier": "1"}
    assert cinders["Pod1"].created["groups"][0]["group_type"] == "old-gold"


def test_a_spec_change_a_pod_refuses_leaves_the_top_changed(admin, cinders, keystone):
    made = make_group_type(admin)
    volume_type = make_volume_type(admin)
    make_group_in(admin, "az1", made["id"], volume_type["id"])
    keystone.mocker.post(
        f"{cinders['Pod1'].base}/group_types/nova-group-type-1/group_specs", status_code=500
    )
    url = f"{TYPES}/{made['id']}/group_specs"
    response = admin.post(url, {"group_specs": {"k": "v"}}, format="json", **V311)
    assert response.status_code == 202
    assert admin.get(url, **V311).json() == {"group_specs": {"tier": "1", "k": "v"}}


def test_a_group_type_in_use_in_a_pod_is_not_deleted(admin, cinders):
    made = make_group_type(admin)
    volume_type = make_volume_type(admin)
    make_group_in(admin, "az1", made["id"], volume_type["id"])
    make_group_in(admin, "az2", made["id"], volume_type["id"])
    cinders["Pod2"].group_types_in_use.add("zone2-group-type-1")
    response = admin.delete(f"{TYPES}/{made['id']}", **V311)
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == (
        f"Target group type is still in use. Group Type {made['id']} deletion is not allowed "
        "with groups present with the type."
    )
    assert GroupType.objects.filter(id=made["id"]).exists()
    assert admin.get(f"{TYPES}/{made['id']}", **V311).status_code == 200
    cinders["Pod2"].group_types_in_use.clear()
    assert admin.delete(f"{TYPES}/{made['id']}", **V311).status_code == 202
    assert not ResourceRouting.objects.filter(resource_type="group_type").exists()
    assert not cinders["Pod1"].group_types and not cinders["Pod2"].group_types
