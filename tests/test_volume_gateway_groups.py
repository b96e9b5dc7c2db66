"""Generic volume groups: made in the pod of their zone with Tricircle's types copied there,
routed by id, listed across pods, answered with Tricircle's type ids; a volume joins its
group's pod; a group made from a source goes to its source's pod, its volumes routed."""

import uuid

import pytest

from gateway.services import quotas
from pods.models import Pod
from routing.models import ResourceRouting
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db

V313 = {"HTTP_OPENSTACK_API_VERSION": "volume 3.13"}
V314 = {"HTTP_OPENSTACK_API_VERSION": "volume 3.14"}
GROUPS = "/volume/v3/groups"


@pytest.fixture
def types(admin, cinders) -> dict:
    """A group type `gold` (with a spec) and a volume type `fast` of Tricircle's."""
    group_type = admin.post(
        "/volume/v3/group_types",
        {"group_type": {"name": "gold", "group_specs": {"tier": "1"}}},
        format="json",
        HTTP_OPENSTACK_API_VERSION="volume 3.11",
    ).json()["group_type"]
    volume_type = admin.post(
        "/volume/v3/types", {"volume_type": {"name": "fast"}}, format="json"
    ).json()["volume_type"]
    return {"group_type": group_type, "volume_type": volume_type}


def make_group(client, zone: str | None = "az2", group_type="gold", volume_types=("fast",)):
    body: dict = {"group": {"name": "g", "group_type": group_type, "volume_types": volume_types}}
    if zone:
        body["group"]["availability_zone"] = zone
    return client.post(GROUPS, body, format="json", **V313)


def pod_calls(keystone, method: str, needle: str) -> list:
    return [
        call
        for call in keystone.mocker.request_history
        if call.method == method and needle in call.url
    ]


def test_a_group_goes_to_its_zones_pod_with_tricircles_types_made_there(demo, cinders, types):
    response = make_group(demo, "az1")
    assert response.status_code == 202, response.content
    group = response.json()["group"]
    assert set(group) == {"id", "name"}
    pod = cinders["Pod1"]
    assert pod.created["groups"] == [
        {
            "name": "g",
            "group_type": "nova-group-type-1",
            "volume_types": ["pod-type-1"],
            "availability_zone": "nova",
        }
    ]
    assert [t["name"] for t in pod.group_type_posts] == ["gold"]
    assert [t["name"] for t in pod.type_posts] == ["fast"]
    assert not cinders["Pod2"].created["groups"] and not cinders["Pod2"].group_type_posts
    routing = ResourceRouting.objects.get(top_id=group["id"], resource_type="group")
    assert (routing.pod.region_name, routing.bottom_id, routing.project_id) == (
        "Pod1",
        group["id"],
        "demo-project",
    )
    shown = demo.get(f"{GROUPS}/{group['id']}", **V313)
    assert shown.status_code == 200
    detail = shown.json()["group"]
    assert detail["group_type"] == types["group_type"]["id"]
    assert detail["volume_types"] == [types["volume_type"]["id"]]
    assert detail["availability_zone"] == "az1"
    assert "nova-group-type-1" not in shown.content.decode()
    assert "pod1.test" not in shown.content.decode()


def test_types_are_named_by_tricircles_ids_as_well(demo, cinders, types):
    response = make_group(demo, "az2", types["group_type"]["id"], [types["volume_type"]["id"]])
    assert response.status_code == 202, response.content
    (sent,) = cinders["Pod2"].created["groups"]
    assert (sent["group_type"], sent["volume_types"]) == ("zone2-group-type-1", ["pod-type-1"])
    assert "availability_zone" not in sent  # Pod2 has no zone name of its own


@pytest.mark.parametrize(
    ("group_type", "volume_types", "message"),
    [
        ("nope", ["fast"], "Group type with name nope could not be found."),
        (
            "7b4e3e26-6a5e-4a46-9b25-0f6d0d2c7a11",
            ["fast"],
            "Group type 7b4e3e26-6a5e-4a46-9b25-0f6d0d2c7a11 could not be found.",
        ),
        ("gold", ["fast", "slow"], "Volume type with name slow could not be found."),
        ("gold", ["__DEFAULT__"], "Volume type with name __DEFAULT__ could not be found."),
    ],
)
def test_unknown_types_are_cinders_404_and_nothing_is_made(
    demo, cinders, types, keystone, group_type, volume_types, message
):
    response = make_group(demo, "az2", group_type, volume_types)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == message
    assert not pod_calls(keystone, "POST", "/groups")
    assert not cinders["Pod2"].group_type_posts and not cinders["Pod2"].type_posts


def test_a_private_group_type_is_not_a_users(admin, demo, cinders, types):
    admin.put(
        f"/volume/v3/group_types/{types['group_type']['id']}",
        {"group_type": {"is_public": False}},
        format="json",
        HTTP_OPENSTACK_API_VERSION="volume 3.11",
    )
    assert make_group(demo).status_code == 404
    assert make_group(admin).status_code == 202


@pytest.mark.parametrize(
    "group",
    [
        {"group_type": "gold"},
        {"group_type": "gold", "volume_types": []},
        {"group_type": "gold", "volume_types": ["fast", "fast"]},
        {"group_type": "gold", "volume_types": ["fast"], "size": 1},
        {"group_type": "", "volume_types": ["fast"]},
    ],
)
def test_invalid_groups_are_refused_before_anything_is_made(demo, cinders, types, group):
    response = demo.post(GROUPS, {"group": group}, format="json", **V313)
    assert response.status_code == 400, response.content
    assert "badRequest" in response.json()
    assert not cinders["Pod1"].type_posts and not cinders["Pod2"].type_posts


def test_groups_need_microversion_3_13(demo, cinders, types, keystone):
    for version in ({}, {"HTTP_OPENSTACK_API_VERSION": "volume 3.12"}):
        body = {"group": {"group_type": "gold", "volume_types": ["fast"]}}
        response = demo.post(GROUPS, body, format="json", **version)
        assert response.status_code == 404
        assert response.json()["itemNotFound"]["message"] == "The resource could not be found."
        assert demo.get(f"{GROUPS}/detail", **version).status_code == 404
    assert not pod_calls(keystone, "GET", "/groups") and not pod_calls(keystone, "POST", "/groups")
    assert not cinders["Pod2"].group_type_posts


def add_group(cinders, pod: str, group_type: str, volume_types: list[str], second: int) -> str:
    group_id = str(uuid.uuid4())
    cinders[pod].add_group(
        group_id,
        group_type,
        volume_types,
        name=f"g{second}",
        created_at=f"2026-01-01T00:00:0{second}Z",
    )
    RoutingFactory(top_id=group_id, pod=Pod.objects.get(region_name=pod), resource_type="group")
    return group_id


def test_groups_are_listed_across_pods_with_tricircles_ids(demo, cinders, types):
    # The copies in each pod, as the first groups there made them.
    assert make_group(demo, "az1").status_code == 202
    assert make_group(demo, "az2").status_code == 202
    cinders["Pod1"].items["groups"].clear()
    cinders["Pod2"].items["groups"].clear()
    a = add_group(cinders, "Pod1", "nova-group-type-1", ["pod-type-1"], 1)
    b = add_group(cinders, "Pod2", "zone2-group-type-1", ["pod-type-1"], 2)
    c = add_group(cinders, "Pod1", "its-own-type", ["pod-type-1"], 3)
    body = demo.get(f"{GROUPS}/detail", **V313).json()
    assert [group["id"] for group in body["groups"]] == [c, b, a]
    top = (types["group_type"]["id"], [types["volume_type"]["id"]])
    by_id = {group["id"]: group for group in body["groups"]}
    assert (by_id[a]["group_type"], by_id[a]["volume_types"]) == top
    assert (by_id[b]["group_type"], by_id[b]["volume_types"]) == top
    # A type the pod has of its own (the group was made there directly) keeps its id.
    assert by_id[c]["group_type"] == "its-own-type"
    assert {group["availability_zone"] for group in body["groups"]} == {"az1", "az2"}
    summary = demo.get(GROUPS, **V313).json()["groups"]
    assert summary == [{"id": c, "name": "g3"}, {"id": b, "name": "g2"}, {"id": a, "name": "g1"}]
    page = demo.get(f"{GROUPS}?limit=2", **V313).json()
    assert [group["id"] for group in page["groups"]] == [c, b]
    assert "groups_links" not in page  # Cinder names it group_links
    following = page["group_links"][0]["href"].replace("http://testserver", "")
    assert [group["id"] for group in demo.get(following, **V313).json()["groups"]] == [a]


def test_calls_on_a_group_are_routed_and_unknown_ones_are_404(demo, alt_demo, cinders, keystone):
    group_id = add_group(cinders, "Pod2", "t", ["v"], 1)
    action = keystone.mocker.post(
        f"{cinders['Pod2'].base}/groups/{group_id}/action", status_code=202
    )
    body = {"delete": {"delete-volumes": True}}
    response = demo.post(f"{GROUPS}/{group_id}/action", body, format="json", **V313)
    assert response.status_code == 202
    assert action.last_request.json() == body
    assert action.last_request.headers["X-Auth-Token"] == "user-token"
    assert action.last_request.headers["OpenStack-API-Version"] == "volume 3.13"
    response = demo.get(f"{GROUPS}/nope", **V313)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == "Group nope could not be found."
    # Another project's group: not even routed for this caller.
    assert alt_demo.get(f"{GROUPS}/{group_id}", **V313).status_code == 404
    assert (
        alt_demo.post(f"{GROUPS}/{group_id}/action", body, format="json", **V313).status_code == 404
    )
    assert action.call_count == 1


def test_a_group_its_pod_no_longer_has_leaves_the_routing_table(demo, cinders):
    RoutingFactory(top_id="gone", pod=Pod.objects.get(region_name="Pod1"), resource_type="group")
    assert demo.get(f"{GROUPS}/gone", **V313).status_code == 404
    assert not ResourceRouting.objects.filter(top_id="gone").exists()


def test_a_volume_of_a_group_goes_to_the_groups_pod(demo, cinders, types):
    group_id = make_group(demo, "az2").json()["group"]["id"]
    body = {"volume": {"size": 1, "group_id": group_id, "volume_type": "fast"}}
    response = demo.post("/volume/v3/volumes", body, format="json", **V313)
    assert response.status_code == 202, response.content
    made = response.json()["volume"]
    assert made["group_id"] == group_id
    (sent,) = cinders["Pod2"].created["volumes"]
    assert (sent["group_id"], sent["volume_type"]) == (group_id, "fast")
    assert "availability_zone" not in sent
    assert ResourceRouting.objects.get(top_id=made["id"]).pod.region_name == "Pod2"
    # At any microversion: Cinder reads group_id whatever the version.
    assert demo.post("/volume/v3/volumes", body, format="json").status_code == 202
    body["volume"]["availability_zone"] = "az1"
    response = demo.post("/volume/v3/volumes", body, format="json", **V313)
    assert response.status_code == 400
    assert "az2" in response.json()["badRequest"]["message"]


def test_a_volume_cannot_join_a_group_the_caller_does_not_see(demo, cinders, keystone, types):
    unknown = str(uuid.uuid4())
    body = {"volume": {"size": 1, "group_id": unknown, "volume_type": "fast"}}
    response = demo.post("/volume/v3/volumes", body, format="json", **V313)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == f"Group {unknown} could not be found."
    # Routed to this project, but its pod does not show it to the caller.
    hidden = add_group(cinders, "Pod2", "t", ["v"], 1)
    keystone.mocker.get(f"{cinders['Pod2'].base}/groups/{hidden}", status_code=404, json={})
    body = {"volume": {"size": 1, "group_id": hidden, "volume_type": "fast"}}
    response = demo.post("/volume/v3/volumes", body, format="json", **V313)
    assert response.status_code == 404
    assert not cinders["Pod2"].created["volumes"] and not cinders["Pod2"].type_posts


def test_volumes_added_to_a_group_must_be_in_its_pod(demo, cinders, keystone, types):
    group_id = make_group(demo, "az2").json()["group"]["id"]
    updated = keystone.mocker.put(f"{cinders['Pod2'].base}/groups/{group_id}", status_code=202)
    for pod, volume_id in (("Pod1", "far"), ("Pod2", "near")):
        cinders[pod].add("volumes", volume_id, volume_id, "2026-01-01T00:00:01Z")
        RoutingFactory(
            top_id=volume_id, pod=Pod.objects.get(region_name=pod), resource_type="volume"
        )

    def add(volumes: str):
        body = {"group": {"add_volumes": volumes}}
        return demo.put(f"{GROUPS}/{group_id}", body, format="json", **V313)

    response = add("near,far")
    assert response.status_code == 400
    message = response.json()["badRequest"]["message"]
    assert message.startswith(f"Invalid volume: Cannot add volume far to group {group_id} because")
    assert "different pods" in message
    response = add("near,nope")
    assert response.json()["badRequest"]["message"] == (
        f"Invalid volume: Cannot add volume nope to group {group_id} because volume cannot be "
        "found."
    )
    # Routed, but not shown to the caller by its pod: as unknown.
    keystone.mocker.get(f"{cinders['Pod1'].base}/volumes/far", status_code=404, json={})
    assert "cannot be found" in add("far").json()["badRequest"]["message"]
    assert not updated.called
    assert add("near").status_code == 202
    assert updated.last_request.json() == {"group": {"add_volumes": "near"}}


def test_a_group_made_from_a_group_goes_to_its_pod_with_its_volumes_routed(demo, cinders, types):
    source = make_group(demo, "az2").json()["group"]["id"]
    body = {"volume": {"size": 1, "group_id": source, "volume_type": "fast"}}
    assert demo.post("/volume/v3/volumes", body, format="json").status_code == 202
    response = demo.post(
        f"{GROUPS}/action",
        {"create-from-src": {"source_group_id": source, "name": "copy"}},
        format="json",
        **V314,
    )
    assert response.status_code == 202, response.content
    made = response.json()["group"]
    assert made["name"] == "copy"
    assert cinders["Pod2"].created["groups"][-1] == {"source_group_id": source, "name": "copy"}
    routing = ResourceRouting.objects.get(top_id=made["id"], resource_type="group")
    assert routing.pod.region_name == "Pod2"
    (new_volume,) = [
        v["id"] for v in cinders["Pod2"].items["volumes"] if v.get("group_id") == made["id"]
    ]
    assert demo.get(f"/volume/v3/volumes/{new_volume}").status_code == 200
    volume_routing = ResourceRouting.objects.get(top_id=new_volume)
    assert (volume_routing.resource_type, volume_routing.project_id) == ("volume", "demo-project")
    shown = demo.get(f"{GROUPS}/{made['id']}", **V314).json()["group"]
    assert shown["source_group_id"] == source
    assert shown["group_type"] == types["group_type"]["id"]


def test_a_group_from_a_source_needs_3_14_and_a_known_source(demo, cinders):
    source = add_group(cinders, "Pod2", "t", ["v"], 1)
    body = {"create-from-src": {"source_group_id": source}}
    assert demo.post(f"{GROUPS}/action", body, format="json", **V313).status_code == 404
    unknown = str(uuid.uuid4())
    response = demo.post(
        f"{GROUPS}/action", {"create-from-src": {"source_group_id": unknown}}, format="json", **V314
    )
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == f"Group {unknown} could not be found."
    both = {"create-from-src": {"source_group_id": source, "group_snapshot_id": source}}
    assert demo.post(f"{GROUPS}/action", both, format="json", **V314).status_code == 400
    not_uuid = {"create-from-src": {"source_group_id": "abc"}}
    assert demo.post(f"{GROUPS}/action", not_uuid, format="json", **V314).status_code == 400
    response = demo.post(f"{GROUPS}/action", {"other": {}}, format="json", **V314)
    assert response.status_code == 400
    assert "There is no such action: other" in response.json()["badRequest"]["message"]
    assert not cinders["Pod2"].created["groups"]


def test_a_group_from_a_source_counts_against_tricircles_volume_limits(demo, cinders, types):
    source = make_group(demo, "az2").json()["group"]["id"]
    for _ in range(2):
        body = {"volume": {"size": 3, "group_id": source, "volume_type": "fast"}}
        assert demo.post("/volume/v3/volumes", body, format="json").status_code == 202
    cinders["Pod2"].limits["totalGigabytesUsed"] = 6
    quotas.record("demo-project", quotas.VOLUME, {"gigabytes": 10})
    response = demo.post(
        f"{GROUPS}/action", {"create-from-src": {"source_group_id": source}}, format="json", **V314
    )
    assert response.status_code == 413
    assert "gigabytes" in response.json()["overLimit"]["message"]
    assert len(cinders["Pod2"].created["groups"]) == 1


def test_volume_answers_name_tricircles_type_ids(demo, cinders, types):
    make_group(demo, "az1")  # the type's copy in Pod1: pod-type-1
    cinders["Pod1"].add(
        "volumes", "v", "v", "2026-01-01T00:00:01Z", volume_type="fast", volume_type_id="pod-type-1"
    )
    RoutingFactory(top_id="v", pod=Pod.objects.get(region_name="Pod1"), resource_type="volume")
    top = types["volume_type"]["id"]
    assert demo.get("/volume/v3/volumes/v").json()["volume"]["volume_type_id"] == top
    listed = demo.get("/volume/v3/volumes/detail").json()["volumes"]
    assert [volume["volume_type_id"] for volume in listed] == [top]
