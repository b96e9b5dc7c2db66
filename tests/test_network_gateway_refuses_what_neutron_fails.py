"""Requests the central Neutron fails with a 500 on some of its resources are the caller's 400,
refused before anything is asked of it: a write whose body is JSON but not an object (a PUT of
`[]` to a security group or a floating IP), a query string that is not UTF-8 once decoded
(`name=%ff` on routers, floating IPs, security groups), a page limit beyond what its database
takes (over 2**64 - 1), and mistakes it refuses elsewhere (gateway/network/neutron_mistakes.py):
extra routes that are not a list of routes, a port update's fixed IP naming neither subnet nor
address, a subnet with no cidr and no pool or a cidr not a string, a rule whose remote group is
empty or not a string."""

import pytest

from gateway.network import neutron_mistakes
from tests.conftest import NEUTRON_API as NEUTRON

pytestmark = pytest.mark.django_db


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


QUERY_REFUSED = {
    "name=%ff": "The query string is not valid UTF-8.",
    "description=%c3%28&limit=1": "The query string is not valid UTF-8.",
    "limit=18446744073709551616": (
        "Bad limit request: Limit must be an integer from 0 to 18446744073709551615 and not "
        "'18446744073709551616'."
    ),
}


@pytest.mark.parametrize("query", sorted(QUERY_REFUSED))
@pytest.mark.parametrize(
    "path", ["/v2.0/routers", "/v2.0/floatingips", "/v2.0/security-groups", "/v2.0/ports"]
)
def test_a_query_neutron_cannot_take_is_a_400(demo, neutron, query, path):
    response = demo.get(f"/networking{path}?{query}")
    assert response.status_code == 400
    assert response.json()["NeutronError"]["message"] == QUERY_REFUSED[query]
    assert not [sent for sent in neutron.request_history if sent.netloc in NEUTRON]


@pytest.mark.parametrize(
    "query", ["name=%C3%A9t%C3%A9", "limit=18446744073709551615", "limit=x", "limit=%C2%B2"]
)
def test_other_queries_are_forwarded(demo, neutron, query):
    """UTF-8 names, the largest limit, and a limit Neutron refuses in its own words."""
    neutron.get(f"{NEUTRON}/v2.0/ports", json={"ports": []})
    response = demo.get(f"/networking/v2.0/ports?{query}")
    assert response.status_code == 200
    assert neutron.last_request.url.endswith(query)


ROUTES_NOT_DICTS = (
    "Invalid input for routes. Reason: Invalid input. '{}' must be a dictionary with keys: "
    "['destination', 'nexthop']."
)
BODY_REFUSED = [
    *(
        (
            "put",
            f"/v2.0/routers/r1/{action}",
            body,
            "Bad request: Unable to find 'router' in request body.",
        )
        for action in ("add_extraroutes", "remove_extraroutes")
        for body in ({}, {"router": None}, {"router": []}, {"routes": []})
    ),
    *(
        (
            "put",
            "/v2.0/routers/r1/add_extraroutes",
            {"router": {"routes": [{"destination": "10.1.0.0/24", "nexthop": nexthop}]}},
            f"Invalid input for routes. Reason: '{nexthop}' is not a valid IP address.",
        )
        for nexthop in ("10.77.0.0/24", "::/0", "../x")
    ),
    (
        "post",
        "/v2.0/security-group-rules",
        {"security_group_rule": {"security_group_id": "g1", "remote_address_group_id": 0}},
        "Invalid input for remote_address_group_id. Reason: '0' is not a valid UUID.",
    ),
    (
        "put",
        "/v2.0/routers/r1/add_extraroutes",
        {"router": {"routes": 1}},
        "Invalid input for routes. Reason: Invalid data format for hostroute: '1'.",
    ),
    (
        "put",
        "/v2.0/routers/r1/remove_extraroutes",
        {"router": {"routes": [1]}},
        ROUTES_NOT_DICTS.format(1),
    ),
    (
        "put",
        "/v2.0/routers/r1/add_extraroutes",
        {"router": {"routes": [{"destination": ["x"], "nexthop": "10.0.0.1"}]}},
        ROUTES_NOT_DICTS.format({"destination": ["x"], "nexthop": "10.0.0.1"}),
    ),
    (
        "put",
        "/v2.0/ports/p1",
        {"port": {"fixed_ips": [{"ip_address": "10.0.0.5"}, {}]}},
        "Invalid input for operation: IP allocation requires subnet_id or ip_address.",
    ),
    (
        "post",
        "/v2.0/subnets",
        {"subnet": {"network_id": "n1", "cidr": None, "ip_version": 4}},
        "Bad subnets request: a subnetpool must be specified in the absence of a cidr.",
    ),
    (
        "post",
        "/v2.0/subnets",
        {"subnets": [{"network_id": "n1", "cidr": None, "ip_version": 4}]},
        "Bad subnets request: a subnetpool must be specified in the absence of a cidr.",
    ),
    (
        "post",
        "/v2.0/subnets",
        {"subnet": {"network_id": "n1", "cidr": [], "ip_version": 4}},
        "Bad subnets request: a subnetpool must be specified in the absence of a cidr.",
    ),
    (
        "post",
        "/v2.0/subnets",
        {"subnet": {"network_id": "n1", "cidr": 1, "ip_version": 4}},
        "Invalid input for operation: 1 is not in a CIDR format.",
    ),
    (
        "post",
        "/v2.0/security-group-rules",
        {"security_group_rule": {"security_group_id": "g1", "remote_group_id": []}},
        "Invalid input for remote_group_id. Reason: '[]' is not a valid UUID.",
    ),
    (
        "post",
        "/v2.0/security-group-rules",
        {"security_group_rule": {"security_group_id": "g1", "remote_group_id": ""}},
        "Invalid input for remote_group_id. Reason: '' is not a valid UUID.",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "message"), BODY_REFUSED)
def test_a_mistake_neutron_fails_on_is_its_400(demo, neutron, method, path, body, message):
    response = getattr(demo, method)(f"/networking{path}", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["NeutronError"]["message"] == message
    assert not [sent for sent in neutron.request_history if sent.netloc in NEUTRON]


def test_what_neutron_judges_goes_to_it(demo, neutron):
    body = {"port": {"fixed_ips": [{"subnet_id": "s1"}, {"ip_address": "10.0.0.5"}]}}
    neutron.put(f"{NEUTRON}/v2.0/ports/p1", json={"port": {"id": "p1"}})
    response = demo.put("/networking/v2.0/ports/p1", body, format="json")
    assert response.status_code == 200, response.content
    assert neutron.last_request.json() == body


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "PUT",
            "/v2.0/routers/r1/add_extraroutes",
            {"router": {"routes": [{"destination": "10.1.0.0/24", "nexthop": "10.0.0.1"}]}},
        ),
        ("PUT", "/v2.0/routers/r1/remove_extraroutes", {"router": {"routes": []}}),
        ("POST", "/v2.0/subnets", {"subnet": {"cidr": None, "subnetpool_id": "sp"}}),
        ("POST", "/v2.0/subnets", {"subnet": {"network_id": "n1"}}),
        ("POST", "/v2.0/security-group-rules", {"security_group_rule": {"remote_group_id": "g"}}),
        ("POST", "/v2.0/ports", {"port": {"fixed_ips": [{}]}}),
    ],
)
def test_valid_or_other_calls_are_no_mistake(method, path, body):
    assert neutron_mistakes.mistake(method, path, body) is None
