"""Group snapshots: made in their group's pod, routed by id with the snapshots the pod made for
them, listed across pods with Tricircle's group type ids; a group made from one goes to its
pod with its volumes routed."""

import uuid

import pytest

from gateway.services import quotas
from pods.models import Pod
from routing.models import ResourceRouting
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db

V314 = {"HTTP_OPENSTACK_API_VERSION": "volume 3.14"}
SNAPSHOTS = "/volume/v3/group_snapshots"


@pytest.fixture
def group(admin, demo, cinders) -> dict:
    """A group of demo's in az2 (Pod2) of Tricircle's types, with two volumes."""
    group_type = admin.post(
        "/volume/v3/group_types",
        {"group_type": {"name": "gold"}},
        format="json",
        HTTP_OPENSTACK_API_VERSION="volume 3.11",
    ).json()["group_type"]
    admin.post("/volume/v3/types", {"volume_type": {"name": "fast"}}, format="json")
    body = {"group": {"group_type": "gold", "volume_types": ["fast"], "availability_zone": "az2"}}
    made = demo.post("/volume/v3/groups", body, format="json", **V314).json()["group"]
    volumes = []
    for _ in range(2):
        body = {"volume": {"size": 2, "group_id": made["id"], "volume_type": "fast"}}
        volumes.append(demo.post("/volume/v3/volumes", body, format="json").json()["volume"]["id"])
    return {"id": made["id"], "group_type": group_type["id"], "volumes": volumes}


def snapshot_group(client, group_id: str, **headers):
    body = {"group_snapshot": {"group_id": group_id, "name": "gs"}}
    return client.post(SNAPSHOTS, body, format="json", **(headers or V314))


def test_made_in_the_groups_pod_with_its_snapshots_routed(demo, cinders, group):
    response = snapshot_group(demo, group["id"])
    assert response.status_code == 202, response.content
    made = response.json()["group_snapshot"]
    assert made == {"id": made["id"], "name": "gs", "group_type_id": group["group_type"]}
    assert cinders["Pod2"].created["group_snapshots"] == [{"group_id": group["id"], "name": "gs"}]
    routing = ResourceRouting.objects.get(top_id=made["id"])
    assert (routing.pod.region_name, routing.resource_type, routing.project_id) == (
        "Pod2",
        "group_snapshot",
        "demo-project",
    )
    members = [
        s["id"]
        for s in cinders["Pod2"].items["snapshots"]
        if s.get("group_snapshot_id") == made["id"]
    ]
    assert len(members) == 2
    for member in members:
        member_routing = ResourceRouting.objects.get(top_id=member)
        assert (member_routing.pod.region_name, member_routing.resource_type) == (
            "Pod2",
            "snapshot",
        )
        assert demo.get(f"/volume/v3/snapshots/{member}").status_code == 200
    shown = demo.get(f"{SNAPSHOTS}/{made['id']}", **V314)
    assert shown.status_code == 200
    assert shown.json()["group_snapshot"]["group_type_id"] == group["group_type"]
    assert shown.json()["group_snapshot"]["group_id"] == group["id"]
    assert "zone2-group-type-1" not in shown.content.decode()


def test_listed_across_pods_summary_and_detail(demo, cinders, group):
    made = snapshot_group(demo, group["id"]).json()["group_snapshot"]
    other = str(uuid.uuid4())
    cinders["Pod1"].add(
        "group_snapshots",
        other,
        "older",
        "2026-01-01T00:00:01Z",
        group_id="g",
        group_type_id="own-type",
        description=None,
    )
    RoutingFactory(
        top_id=other, pod=Pod.objects.get(region_name="Pod1"), resource_type="group_snapshot"
    )
    detail = demo.get(f"{SNAPSHOTS}/detail", **V314).json()["group_snapshots"]
    assert [(s["id"], s["group_type_id"]) for s in detail] == [
        (made["id"], group["group_type"]),
        (other, "own-type"),
    ]
    summary = demo.get(SNAPSHOTS, **V314).json()["group_snapshots"]
    assert summary == [{"id": made["id"], "name": "gs"}, {"id": other, "name": "older"}]
    page = demo.get(f"{SNAPSHOTS}?limit=1", HTTP_OPENSTACK_API_VERSION="volume 3.29").json()
    assert [s["id"] for s in page["group_snapshots"]] == [made["id"]]
    assert page["group_snapshot_links"][0]["rel"] == "next"
    # Before 3.29 Cinder reads no query of this list: the whole list.
    whole = demo.get(f"{SNAPSHOTS}?limit=1", **V314).json()["group_snapshots"]
    assert len(whole) == 2


def test_calls_on_a_group_snapshot_are_routed(demo, cinders, keystone, group):
    made = snapshot_group(demo, group["id"]).json()["group_snapshot"]["id"]
    base = cinders["Pod2"].base
    deleted = keystone.mocker.delete(f"{base}/group_snapshots/{made}", status_code=202)
    action = keystone.mocker.post(f"{base}/group_snapshots/{made}/action", status_code=202)
    body = {"reset_status": {"status": "error"}}
    assert demo.post(f"{SNAPSHOTS}/{made}/action", body, format="json", **V314).status_code == 202
    assert action.last_request.json() == body
    assert demo.delete(f"{SNAPSHOTS}/{made}", **V314).status_code == 202
    assert deleted.last_request.headers["X-Auth-Token"] == "user-token"
    response = demo.get(f"{SNAPSHOTS}/nope", **V314)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == "GroupSnapshot nope could not be found."


def test_a_group_snapshot_of_an_unknown_group_is_cinders_404(demo, alt_demo, cinders, group):
    unknown = str(uuid.uuid4())
    response = snapshot_group(demo, unknown)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == f"Group {unknown} could not be found."
    # Another project's group is not routed for this caller.
    assert snapshot_group(alt_demo, group["id"]).status_code == 404
    response = snapshot_group(demo, "not-a-uuid")
    assert response.status_code == 400
    assert "group_id" in response.json()["badRequest"]["message"]
    assert not cinders["Pod2"].created["group_snapshots"]


def test_group_snapshots_need_microversion_3_14(demo, cinders, group, keystone):
    version = {"HTTP_OPENSTACK_API_VERSION": "volume 3.13"}
    response = snapshot_group(demo, group["id"], **version)
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == "The resource could not be found."
    assert demo.get(f"{SNAPSHOTS}/detail", **version).status_code == 404
    assert not [call for call in keystone.mocker.request_history if "group_snapshots" in call.url]


def test_a_group_snapshot_counts_against_tricircles_snapshot_limit(demo, cinders, group):
    quotas.record("demo-project", quotas.VOLUME, {"snapshots": 1})
    cinders["Pod2"].limits["totalSnapshotsUsed"] = 0
    response = snapshot_group(demo, group["id"])
    assert response.status_code == 413
    assert "snapshots" in response.json()["overLimit"]["message"]
    assert not cinders["Pod2"].created["group_snapshots"]


def test_a_group_made_from_a_group_snapshot_goes_to_its_pod(demo, cinders, group):
    made = snapshot_group(demo, group["id"]).json()["group_snapshot"]["id"]
    response = demo.post(
        "/volume/v3/groups/action",
        {"create-from-src": {"group_snapshot_id": made, "name": "restored"}},
        format="json",
        **V314,
    )
    assert response.status_code == 202, response.content
    new_group = response.json()["group"]["id"]
    assert ResourceRouting.objects.get(top_id=new_group).pod.region_name == "Pod2"
    new_volumes = [
        v["id"] for v in cinders["Pod2"].items["volumes"] if v.get("group_id") == new_group
    ]
    assert len(new_volumes) == 2
    for volume_id in new_volumes:
        assert demo.get(f"/volume/v3/volumes/{volume_id}").status_code == 200
    unknown = str(uuid.uuid4())
    response = demo.post(
        "/volume/v3/groups/action",
        {"create-from-src": {"group_snapshot_id": unknown}},
        format="json",
        **V314,
    )
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == (
        f"GroupSnapshot {unknown} could not be found."
    )
