"""Snapshots and backups: made in their volume's pod, routed by id, listed across pods."""

import pytest

from pods.models import Pod
from routing.models import ResourceRouting
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db


def route(item_id: str, pod_name: str, resource_type: str) -> None:
    RoutingFactory(
        top_id=item_id, pod=Pod.objects.get(region_name=pod_name), resource_type=resource_type
    )


@pytest.mark.parametrize("kind", ["snapshots", "backups"])
def test_made_in_the_volumes_pod_and_routed(demo, cinders, kind):
    cinders["Pod2"].add("volumes", "v", "vol", "2026-01-01T00:00:01Z")
    route("v", "Pod2", "volume")
    singular = kind[:-1]
    response = demo.post(
        f"/volume/v3/{kind}", {singular: {"volume_id": "v", "name": "s"}}, format="json"
    )
    assert response.status_code == 202, response.content
    made = response.json()[singular]["id"]
    assert cinders["Pod2"].created[kind] == [{"volume_id": "v", "name": "s"}]
    routing = ResourceRouting.objects.get(top_id=made)
    assert (routing.pod.region_name, routing.resource_type) == ("Pod2", singular)
    assert demo.get(f"/volume/v3/{kind}/{made}").json()[singular]["id"] == made
    response = demo.post(f"/volume/v3/{kind}", {singular: {"volume_id": "nope"}}, format="json")
    assert response.status_code == 404


def test_snapshots_are_listed_across_pods(demo, cinders):
    cinders["Pod1"].add("snapshots", "a", "one", "2026-01-01T00:00:01Z")
    cinders["Pod2"].add("snapshots", "b", "two", "2026-01-01T00:00:02Z")
    route("a", "Pod1", "snapshot")
    route("b", "Pod2", "snapshot")
    body = demo.get("/volume/v3/snapshots/detail").json()
    assert [snapshot["id"] for snapshot in body["snapshots"]] == ["b", "a"]
    page = demo.get("/volume/v3/snapshots?limit=1").json()
    assert [snapshot["id"] for snapshot in page["snapshots"]] == ["b"]
    assert "marker=b" in page["snapshots_links"][0]["href"]
    rest = demo.get("/volume/v3/snapshots?limit=1&marker=b").json()
    assert [snapshot["id"] for snapshot in rest["snapshots"]] == ["a"]


def test_a_restored_backup_volume_is_routed_to_the_backups_pod(demo, cinders, keystone):
    route("bk", "Pod1", "backup")
    keystone.mocker.post(
        f"{cinders['Pod1'].base}/backups/bk/restore",
        json={"restore": {"backup_id": "bk", "volume_id": "restored", "volume_name": "r"}},
        status_code=202,
    )
    response = demo.post("/volume/v3/backups/bk/restore", {"restore": {}}, format="json")
    assert response.status_code == 202
    assert ResourceRouting.objects.get(
        top_id="restored", resource_type="volume"
    ).pod.region_name == ("Pod1")


def test_the_snapshot_summary_is_cinders_without_the_detail_attributes(demo, cinders):
    cinders["Pod1"].add(
        "snapshots",
        "a",
        "one",
        "2026-01-01T00:00:01Z",
        volume_id="v",
        size=1,
        metadata={},
        **{"os-extended-snapshot-attributes:progress": "100%"},
    )
    route("a", "Pod1", "snapshot")
    listed = demo.get("/volume/v3/snapshots").json()["snapshots"][0]
    assert "os-extended-snapshot-attributes:progress" not in listed
    assert (listed["id"], listed["volume_id"], listed["status"]) == ("a", "v", "available")
    detailed = demo.get("/volume/v3/snapshots/detail").json()["snapshots"][0]
    assert detailed["os-extended-snapshot-attributes:progress"] == "100%"


def test_an_unknown_marker_is_cinders_not_found(demo, cinders):
    response = demo.get("/volume/v3/snapshots?marker=nope")
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == "Marker nope could not be found."


@pytest.mark.parametrize(
    ("kind", "body", "status"),
    [
        ("snapshots", {"volume_id": None}, 404),
        ("snapshots", {"name": "s"}, 400),
        ("backups", {"volume_id": None}, 400),
        ("backups", {"name": "b"}, 400),
    ],
)
def test_a_missing_volume_id_is_refused_as_cinder_refuses_it(demo, cinders, kind, body, status):
    response = demo.post(f"/volume/v3/{kind}", {kind[:-1]: body}, format="json")
    assert response.status_code == status, response.content
    assert cinders["Pod1"].created[kind] == cinders["Pod2"].created[kind] == []
