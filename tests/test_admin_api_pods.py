import uuid

import pytest

from pods.models import Pod
from tests.factories import PodFactory, RoutingFactory
from tests.fake_keystone import KEYSTONE_URL

pytestmark = pytest.mark.django_db


def test_create_pod_checks_the_region_in_keystone(admin, keystone):
    keystone.add_region("Pod1")
    response = admin.post(
        "/v1.0/pods",
        {"pod": {"region_name": "Pod1", "az_name": "az1", "pod_az_name": "nova", "dc_name": "dc1"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    pod = response.json()["pod"]
    assert pod["region_name"] == "Pod1"
    assert pod["az_name"] == "az1"
    assert pod["pod_az_name"] == "nova"
    assert pod["pod_id"] == pod["id"]
    shown = admin.get(f"/v1.0/pods/{pod['id']}").json()["pod"]
    assert shown["dc_name"] == "dc1"


def test_pod_name_is_accepted_as_the_old_name_of_region_name(admin, keystone):
    keystone.add_region("Pod2")
    response = admin.post("/v1.0/pods/", {"pod": {"pod_name": "Pod2", "az_name": "az2"}}, "json")
    assert response.status_code == 201, response.content
    assert response.json()["pod"]["region_name"] == "Pod2"


def test_unknown_keystone_region_is_a_400(admin, keystone):
    response = admin.post(
        "/v1.0/pods", {"pod": {"region_name": "Nowhere", "az_name": "az1"}}, "json"
    )
    assert response.status_code == 400
    assert "Nowhere is not a Keystone region" in response.json()["detail"]


def test_keystone_down_is_a_503_not_a_500(admin, keystone):
    keystone.mocker.get(f"{KEYSTONE_URL}/regions", status_code=500)
    response = admin.post("/v1.0/pods", {"pod": {"region_name": "Pod1", "az_name": "az1"}}, "json")
    assert response.status_code == 503
    assert "Keystone" in response.json()["detail"]


def test_duplicate_region_is_a_409(admin, keystone):
    keystone.add_region("Pod1")
    PodFactory(region_name="Pod1")
    response = admin.post("/v1.0/pods", {"pod": {"region_name": "Pod1", "az_name": "az1"}}, "json")
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pod": {"az_name": "az1"}}, "region_name"),
        ({"pod": {"region_name": "Pod1", "colour": "red"}}, "colour"),
        ({"pod": {"region_name": "Pod1", "pod_name": "Pod9"}}, "pod_name"),
        ({"region_name": "Pod1"}, "pod"),
        ({"pod": "Pod1"}, "pod"),
    ],
)
def test_bad_create_bodies_are_400_naming_the_field(admin, keystone, body, field):
    keystone.add_region("Pod1")
    response = admin.post("/v1.0/pods", body, "json")
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_a_400(admin):
    response = admin.generic("POST", "/v1.0/pods", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_list_and_filter_pods(admin):
    PodFactory(region_name="Pod1", az_name="az1")
    PodFactory(region_name="Pod2", az_name="az2")
    PodFactory(region_name="CentralRegion", az_name="")
    names = [pod["region_name"] for pod in admin.get("/v1.0/pods").json()["pods"]]
    assert names == ["CentralRegion", "Pod1", "Pod2"]
    filtered = admin.get("/v1.0/pods", {"az_name": "az2"}).json()["pods"]
    assert [pod["region_name"] for pod in filtered] == ["Pod2"]


@pytest.mark.parametrize("pod_id", ["not-a-uuid", str(uuid.uuid4())])
def test_unknown_or_malformed_pod_id_is_a_404(admin, pod_id):
    response = admin.get(f"/v1.0/pods/{pod_id}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_update_pod_disables_it_for_new_placements(admin):
    pod = PodFactory()
    response = admin.patch(f"/v1.0/pods/{pod.id}", {"pod": {"enabled": False}}, "json")
    assert response.status_code == 200, response.content
    assert response.json()["pod"]["enabled"] is False
    response = admin.patch(f"/v1.0/pods/{pod.id}", {"pod": {"region_name": "Other"}}, "json")
    assert response.status_code == 400


def test_delete_pod(admin):
    pod = PodFactory()
    assert admin.delete(f"/v1.0/pods/{pod.id}").status_code == 204
    assert admin.get(f"/v1.0/pods/{pod.id}").status_code == 404


def test_deleting_a_pod_in_use_is_a_409(admin):
    routing = RoutingFactory()
    response = admin.delete(f"/v1.0/pods/{routing.pod_id}")
    assert response.status_code == 409
    assert "still holds 1 routed" in response.json()["detail"]


def test_no_token_is_a_401_with_the_keystone_uri(anonymous):
    response = anonymous.get("/v1.0/pods")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Keystone uri=")
    assert response.json()["detail"]


def test_non_admin_is_a_403(demo):
    assert demo.get("/v1.0/pods").status_code == 403
    response = demo.post("/v1.0/pods", {"pod": {"region_name": "Pod1"}}, "json")
    assert response.status_code == 403
    assert "admin role" in response.json()["detail"]


@pytest.mark.parametrize("name", ["pod1", "POD1", "x/../Pod1", "Pod1?x=", "Pod1/", " Pod1"])
def test_a_region_must_be_named_exactly_as_keystone_lists_it(admin, keystone, name):
    keystone.add_region("Pod1")
    response = admin.post("/v1.0/pods", {"pod": {"region_name": name, "az_name": "az1"}}, "json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_request"
    assert not Pod.objects.exists()
