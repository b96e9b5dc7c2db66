"""A Network API write whose body is JSON but not an object is the caller's 400, in Neutron's
words, before anything is asked of the central Neutron (which fails some of them with a 500:
a PUT of `[]` to a security group or a floating IP)."""

import pytest

pytestmark = pytest.mark.django_db

NEUTRON = "http://central-neutron.test:9696"


@pytest.fixture
def neutron(settings, keystone):
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    return keystone.mocker


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/v2.0/security-groups/g1"),
        ("put", "/v2.0/floatingips/f1"),
        ("post", "/v2.0/security-groups"),
        ("post", "/v2.0/networks"),
        ("put", "/v2.0/networks/n1"),
        ("put", "/v2.0/routers/r1/add_router_interface"),
        ("post", "/v2.0/qos/policies"),
    ],
)
@pytest.mark.parametrize("body", ["[]", '"text"', "1", "null", "[{}]"])
def test_a_body_not_an_object_is_a_400(demo, neutron, method, path, body):
    response = getattr(demo, method)(
        f"/networking{path}", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "NeutronError": {
            "type": "BadRequest",
            "message": "Body contains invalid data",
            "detail": "",
        }
    }
    assert not [sent for sent in neutron.request_history if sent.netloc in NEUTRON]


def test_malformed_json_is_left_to_neutron(demo, neutron):
    fault = {"NeutronError": {"type": "MalformedRequestBody", "message": "bad", "detail": ""}}
    neutron.put(f"{NEUTRON}/v2.0/security-groups/g1", status_code=400, json=fault)
    response = demo.put(
        "/networking/v2.0/security-groups/g1", data="{", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == fault


def test_an_object_body_is_forwarded(demo, neutron):
    answer = {"security_group": {"id": "g1", "name": "web"}}
    neutron.put(f"{NEUTRON}/v2.0/security-groups/g1", json=answer)
    response = demo.put(
        "/networking/v2.0/security-groups/g1",
        data='{"security_group": {"name": "web"}}',
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == answer


def test_without_a_token_the_401_comes_first(anonymous, neutron):
    response = anonymous.put(
        "/networking/v2.0/security-groups/g1", data="[]", content_type="application/json"
    )
    assert response.status_code == 401
