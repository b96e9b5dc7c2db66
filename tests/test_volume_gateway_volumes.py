"""Volumes across pods: placed by zone or by source, routed by id, listed together."""

import pytest
from keystoneauth1 import exceptions as ks_exceptions

from pods.models import Pod
from routing.models import ResourceRouting
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db


def route(item_id: str, pod_name: str, resource_type: str = "volume") -> None:
    RoutingFactory(
        top_id=item_id, pod=Pod.objects.get(region_name=pod_name), resource_type=resource_type
    )


def add(cinders, pod: str, item_id: str, name: str, second: int, kind: str = "volumes") -> None:
    cinders[pod].add(kind, item_id, name, f"2026-01-01T00:00:0{second}Z")
    route(item_id, pod, kind[:-1])


def test_create_goes_to_the_pod_of_the_zone_and_is_routed(demo, cinders):
    response = demo.post(
        "/volume/v3/volumes",
        {"volume": {"name": "v", "size": 1, "availability_zone": "az1"}},
        format="json",
    )
    assert response.status_code == 202, response.content
    volume = response.json()["volume"]
    (sent,) = cinders["Pod1"].created["volumes"]
    assert sent["availability_zone"] == "nova"
    assert volume["availability_zone"] == "az1"  # Tricircle's zone, not the pod's
    routing = ResourceRouting.objects.get(top_id=volume["id"])
    assert (routing.pod.region_name, routing.bottom_id, routing.resource_type) == (
        "Pod1",
        volume["id"],
        "volume",
    )
    shown = demo.get(f"/volume/v3/volumes/{volume['id']}").json()["volume"]
    assert shown["availability_zone"] == "az1"
    assert shown["links"][0]["href"].startswith("http://testserver/volume/v3/volumes/")


def test_create_in_an_unknown_zone_is_a_400(demo, cinders):
    response = demo.post(
        "/volume/v3/volumes", {"volume": {"size": 1, "availability_zone": "az9"}}, format="json"
    )
    assert response.status_code == 400
    assert "az9" in response.json()["badRequest"]["message"]
    response = demo.post("/volume/v3/volumes", {"vol": {}}, format="json")
    assert response.status_code == 400


def test_a_volume_from_a_snapshot_or_volume_goes_to_its_sources_pod(demo, cinders):
    add(cinders, "Pod2", "snap", "s", 1, "snapshots")
    add(cinders, "Pod2", "src", "v", 1)
    for field, source in (("snapshot_id", "snap"), ("source_volid", "src")):
        response = demo.post(
            "/volume/v3/volumes", {"volume": {"size": 1, field: source}}, format="json"
        )
        assert response.status_code == 202, response.content
        assert ResourceRouting.objects.get(
            top_id=response.json()["volume"]["id"]
        ).pod.region_name == ("Pod2")
    assert [sent.get("availability_zone") for sent in cinders["Pod2"].created["volumes"]] == [
        None,
        None,
    ]
    response = demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "snapshot_id": "snap", "availability_zone": "az1"}},
        format="json",
    )
    assert response.status_code == 400
    assert "az2" in response.json()["badRequest"]["message"]
    response = demo.post(
        "/volume/v3/volumes", {"volume": {"size": 1, "snapshot_id": "nope"}}, format="json"
    )
    assert response.status_code == 404


def test_list_merges_pods_newest_first_and_pages_across_them(demo, cinders):
    for second, (item_id, pod) in enumerate(
        (("a", "Pod1"), ("b", "Pod2"), ("c", "Pod1"), ("d", "Pod2")), start=1
    ):
        add(cinders, pod, item_id, f"n{5 - second}", second)
    body = demo.get("/volume/v3/volumes/detail").json()
    assert [volume["id"] for volume in body["volumes"]] == ["d", "c", "b", "a"]
    assert {v["id"]: v["availability_zone"] for v in body["volumes"]} == {
        "a": "az1",
        "b": "az2",
        "c": "az1",
        "d": "az2",
    }
    seen, url = [], "/volume/v3/volumes?limit=1"
    while url:
        page = demo.get(url).json()
        seen += [volume["id"] for volume in page["volumes"]]
        assert all(set(volume) == {"id", "name", "links"} for volume in page["volumes"])
        links = page.get("volumes_links", [])
        url = links[0]["href"].replace("http://testserver", "") if links else None
        assert len(seen) <= 4
    assert seen == ["d", "c", "b", "a"]
    by_name = demo.get("/volume/v3/volumes/detail?sort=name:asc").json()["volumes"]
    assert [volume["name"] for volume in by_name] == ["n1", "n2", "n3", "n4"]
    by_key = demo.get("/volume/v3/volumes/detail?sort_key=display_name&sort_dir=asc").json()
    assert [volume["name"] for volume in by_key["volumes"]] == ["n1", "n2", "n3", "n4"]
    assert [v["id"] for v in demo.get("/volume/v3/volumes?name=n2").json()["volumes"]] == ["c"]


def test_the_zone_filter_picks_the_pods_of_the_zone(demo, cinders):
    add(cinders, "Pod1", "a", "one", 1)
    add(cinders, "Pod2", "b", "two", 2)
    body = demo.get("/volume/v3/volumes/detail?availability_zone=az2").json()
    assert [volume["id"] for volume in body["volumes"]] == ["b"]


def test_a_pod_that_does_not_answer_is_left_out_and_named(demo, cinders, keystone):
    add(cinders, "Pod1", "a", "one", 1)
    route("lost", "Pod2")
    keystone.mocker.get(f"{cinders['Pod2'].base}/volumes/detail", exc=ks_exceptions.ConnectFailure)
    response = demo.get("/volume/v3/volumes/detail")
    assert response.status_code == 200
    assert [volume["id"] for volume in response.json()["volumes"]] == ["a"]
    assert response["X-Tricircle-Unavailable-Pods"] == "Pod2"


def test_calls_on_a_volume_are_routed_and_unknown_ones_are_404(demo, cinders, keystone):
    add(cinders, "Pod2", "a", "one", 1)
    action = keystone.mocker.post(f"{cinders['Pod2'].base}/volumes/a/action", status_code=202)
    deleted = keystone.mocker.delete(f"{cinders['Pod2'].base}/volumes/a", status_code=202)
    response = demo.post(
        "/volume/v3/volumes/a/action", {"os-extend": {"new_size": 2}}, format="json"
    )
    assert response.status_code == 202
    assert action.last_request.json() == {"os-extend": {"new_size": 2}}
    assert demo.delete("/volume/v3/volumes/a").status_code == 202
    assert deleted.called
    response = demo.get("/volume/v3/volumes/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["itemNotFound"]["message"]


def test_a_volume_the_pod_no_longer_has_leaves_the_routing_table(demo, cinders):
    route("gone", "Pod1")
    assert demo.get("/volume/v3/volumes/gone").status_code == 404
    assert not ResourceRouting.objects.filter(top_id="gone").exists()


def test_an_empty_id_is_a_404_not_the_list(demo, cinders):
    response = demo.get("/volume/v3/volumes/")
    assert response.status_code == 404
    assert "itemNotFound" in response.json()
