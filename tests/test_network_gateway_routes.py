"""The Network API's declared routes: a path outside Neutron's API is a 404 and a resource
Tricircle adds meaning to, asked with a method Neutron does not take on it, a 405 naming the
methods it takes, both in Neutron's fault format and without asking the central Neutron; every
other `/v2.0` path goes to the central Neutron, which answers it (its own 404 too)."""

import pytest

from tests.conftest import NEUTRON_API as NEUTRON
from tests.factories import PodFactory

pytestmark = pytest.mark.django_db


def central_calls(neutron) -> list[str]:
    return [r.url for r in neutron.request_history if r.url.startswith(NEUTRON)]


@pytest.mark.parametrize("path", ["/networking/v3", "/networking/v2.1/networks", "/networking/x"])
def test_a_path_outside_neutrons_api_is_a_404_in_neutron_format(demo, neutron, path):
    response = demo.get(path)
    assert response.status_code == 404
    assert response.json()["NeutronError"] == {
        "type": "NotFound",
        "message": "The resource could not be found.",
        "detail": "",
    }
    assert central_calls(neutron) == []


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("put", "/networking/v2.0/networks", "GET, POST"),
        ("delete", "/networking/v2.0/routers", "GET, POST"),
        ("patch", "/networking/v2.0/subnets", "GET, POST"),
        ("post", "/networking/v2.0/networks/n1", "DELETE, GET, PUT"),
        ("patch", "/networking/v2.0/ports/p1", "DELETE, GET, PUT"),
        ("post", "/networking/v2.0/floatingips/f1", "DELETE, GET, PUT"),
        ("get", "/networking/v2.0/routers/r1/add_router_interface", "PUT"),
        ("post", "/networking/v2.0/routers/r1/remove_router_interface", "PUT"),
        ("put", "/networking/v2.0/security-group-rules", "GET, POST"),
        ("delete", "/networking/v2.0/", "GET"),
    ],
)
def test_a_known_path_with_another_method_is_a_405_naming_the_allowed(
    demo, neutron, method, path, allow
):
    response = getattr(demo, method)(path, {}, format="json")
    assert response.status_code == 405
    assert response["Allow"] == allow
    fault = response.json()["NeutronError"]
    assert fault["type"] == "MethodNotAllowed"
    assert method.upper() in fault["message"]
    assert central_calls(neutron) == []


def test_the_version_list_takes_only_get_even_without_a_token(anonymous, neutron):
    response = anonymous.post("/networking/", {}, format="json")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert "NeutronError" in response.json()


def test_no_token_is_a_401_before_any_405(anonymous, neutron):
    response = anonymous.put("/networking/v2.0/networks", {}, format="json")
    assert response.status_code == 401
    assert response.json()["NeutronError"]["type"] == "NotAuthorized"


def test_other_v2_paths_go_to_the_central_neutron_with_the_callers_token(demo, neutron):
    neutron.get(f"{NEUTRON}/v2.0/qos/policies", json={"policies": [{"id": "q1"}]})
    response = demo.get("/networking/v2.0/qos/policies?name=gold")
    assert response.status_code == 200
    assert response.json() == {"policies": [{"id": "q1"}]}
    sent = neutron.last_request
    assert sent.headers["X-Auth-Token"] == "user-token"
    assert sent.qs == {"name": ["gold"]}


def test_the_central_neutrons_own_404_and_405_pass_through(demo, neutron):
    missing = {"NeutronError": {"type": "HTTPNotFound", "message": "nope", "detail": ""}}
    neutron.get(f"{NEUTRON}/v2.0/nothing", status_code=404, json=missing)
    response = demo.get("/networking/v2.0/nothing")
    assert response.status_code == 404
    assert response.json() == missing
    refused = {"NeutronError": {"type": "HTTPMethodNotAllowed", "message": "no", "detail": ""}}
    neutron.patch(f"{NEUTRON}/v2.0/networks/n1/tags", status_code=405, json=refused)
    response = demo.patch("/networking/v2.0/networks/n1/tags", {}, format="json")
    assert response.status_code == 405
    assert response.json() == refused


def test_a_json_suffix_names_the_same_resource(demo, neutron):
    PodFactory(region_name="Pod1", az_name="az1")
    created = {"network": {"id": "n1", "project_id": "demo-project", "name": "n"}}
    create = neutron.post(f"{NEUTRON}/v2.0/networks.json", status_code=201, json=created)
    response = demo.post(
        "/networking/v2.0/networks.json",
        {"network": {"name": "n", "availability_zone_hints": ["az1"]}},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["network"]["availability_zone_hints"] == ["az1"]
    assert create.called
