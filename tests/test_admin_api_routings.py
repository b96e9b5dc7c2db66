import pytest

from routing.models import ResourceRouting
from tests.conftest import ALT_PROJECT, DEMO_PROJECT
from tests.factories import PodFactory, RoutingFactory

pytestmark = pytest.mark.django_db


def routing_body(pod, **fields) -> dict:
    body = {
        "top_id": "top-1",
        "bottom_id": "bottom-1",
        "pod_id": str(pod.id),
        "project_id": DEMO_PROJECT,
        "resource_type": "network",
    }
    body.update(fields)
    return {"routing": body}


def test_admin_creates_shows_updates_and_deletes_a_routing(admin):
    pod = PodFactory()
    response = admin.post("/v1.0/routings", routing_body(pod), "json")
    assert response.status_code == 201, response.content
    routing = response.json()["routing"]
    assert routing["pod_id"] == str(pod.id)
    assert admin.get(f"/v1.0/routings/{routing['id']}").json()["routing"]["top_id"] == "top-1"
    response = admin.put(
        f"/v1.0/routings/{routing['id']}", routing_body(pod, bottom_id="bottom-2"), "json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["routing"]["bottom_id"] == "bottom-2"
    response = admin.patch(f"/v1.0/routings/{routing['id']}", {"routing": {"top_id": "t9"}}, "json")
    assert response.json()["routing"]["top_id"] == "t9"
    assert admin.delete(f"/v1.0/routings/{routing['id']}").status_code == 204
    assert not ResourceRouting.objects.exists()


def test_same_top_id_twice_in_one_pod_is_a_409_or_400(admin):
    pod = PodFactory()
    assert admin.post("/v1.0/routings", routing_body(pod), "json").status_code == 201
    response = admin.post("/v1.0/routings", routing_body(pod), "json")
    assert response.status_code in {400, 409}
    assert response.json()


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"resource_type": "spaceship"}, "resource_type"),
        ({"pod_id": "not-a-uuid"}, "pod_id"),
        ({"pod_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}, "pod_id"),
        ({"top_id": ""}, "top_id"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_routing_bodies_are_400_naming_the_field(admin, fields, bad_field):
    response = admin.post("/v1.0/routings", routing_body(PodFactory(), **fields), "json")
    assert response.status_code == 400
    assert bad_field in response.json()


def test_missing_fields_are_400(admin):
    response = admin.post("/v1.0/routings", {"routing": {"top_id": "x"}}, "json")
    assert response.status_code == 400
    assert {"pod_id", "project_id", "resource_type"} <= set(response.json())


def test_malformed_routing_id_is_a_404(admin):
    assert admin.get("/v1.0/routings/abc").status_code == 404


def test_list_filters_on_any_field(admin):
    pod1, pod2 = PodFactory(), PodFactory()
    RoutingFactory(pod=pod1, top_id="a", resource_type="network")
    RoutingFactory(pod=pod2, top_id="a", resource_type="network")
    RoutingFactory(pod=pod2, top_id="b", resource_type="server", project_id=ALT_PROJECT)
    rows = admin.get("/v1.0/routings", {"top_id": "a"}).json()["routings"]
    assert len(rows) == 2
    rows = admin.get("/v1.0/routings", {"pod_id": str(pod2.id)}).json()["routings"]
    assert {row["top_id"] for row in rows} == {"a", "b"}
    rows = admin.get("/v1.0/routings", {"resource_type": "server"}).json()["routings"]
    assert [row["project_id"] for row in rows] == [ALT_PROJECT]
    response = admin.get("/v1.0/routings", {"resource_type": "spaceship"})
    assert response.status_code == 400


def test_pagination_walks_every_row_once_newest_first(admin):
    pod = PodFactory()
    created = [RoutingFactory(pod=pod).id for _ in range(7)]
    seen, url, pages = [], "/v1.0/routings?limit=3", 0
    while url:
        body = admin.get(url).json()
        seen += [row["id"] for row in body["routings"]]
        links = [link["href"] for link in body["routings_links"] if link["rel"] == "next"]
        url = links[0] if links else None
        pages += 1
    assert pages == 3
    assert seen == sorted(created, reverse=True)


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "marker=abc", "marker=999999"])
def test_bad_pagination_parameters_are_400(admin, query):
    RoutingFactory()
    response = admin.get(f"/v1.0/routings?{query}")
    assert response.status_code == 400
    assert response.json()


def test_a_project_sees_only_its_own_routings(demo, alt_demo):
    mine = RoutingFactory(project_id=DEMO_PROJECT)
    theirs = RoutingFactory(project_id=ALT_PROJECT)
    rows = demo.get("/v1.0/routings").json()["routings"]
    assert [row["id"] for row in rows] == [mine.id]
    assert demo.get(f"/v1.0/routings/{theirs.id}").status_code == 404
    assert alt_demo.get(f"/v1.0/routings/{theirs.id}").status_code == 200


def test_only_admins_change_routings(demo):
    routing = RoutingFactory(project_id=DEMO_PROJECT)
    assert demo.delete(f"/v1.0/routings/{routing.id}").status_code == 403
    assert demo.post("/v1.0/routings", routing_body(routing.pod), "json").status_code == 403


def test_no_token_is_a_401(anonymous):
    assert anonymous.get("/v1.0/routings").status_code == 401
