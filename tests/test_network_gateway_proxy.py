"""The Network API of the top region is the central Neutron behind the gateway."""

import json

import pytest
from keystoneauth1 import exceptions as ks_exceptions

from networking.models import AvailabilityZoneHints
from tests.conftest import NEUTRON_API as NEUTRON
from tests.factories import PodFactory

pytestmark = pytest.mark.django_db


def test_calls_are_forwarded_with_the_users_token_and_links_rewritten(demo, neutron):
    neutron.get(
        f"{NEUTRON}/v2.0/networks",
        json={
            "networks": [{"id": "n1"}],
            "networks_links": [{"rel": "next", "href": f"{NEUTRON}/v2.0/networks?marker=n1"}],
        },
    )
    response = demo.get("/networking/v2.0/networks?limit=1")
    assert response.status_code == 200
    body = response.json()
    assert body["networks"] == [{"id": "n1", "availability_zone_hints": []}]
    assert (
        body["networks_links"][0]["href"] == "http://testserver/networking/v2.0/networks?marker=n1"
    )
    sent = neutron.last_request
    assert sent.headers["X-Auth-Token"] == "user-token"
    assert sent.qs == {"limit": ["1"]}


def test_neutron_errors_pass_through_unchanged(demo, neutron):
    fault = {"NeutronError": {"type": "NetworkInUse", "message": "in use", "detail": ""}}
    neutron.delete(f"{NEUTRON}/v2.0/networks/n1", status_code=409, json=fault)
    response = demo.delete("/networking/v2.0/networks/n1")
    assert response.status_code == 409
    assert response.json() == fault


def test_version_list_answers_without_a_token(anonymous, neutron):
    neutron.get(
        f"{NEUTRON}/",
        json={"versions": [{"id": "v2.0", "links": [{"rel": "self", "href": f"{NEUTRON}/v2.0/"}]}]},
    )
    response = anonymous.get("/networking/")
    assert response.status_code == 200
    assert (
        response.json()["versions"][0]["links"][0]["href"] == "http://testserver/networking/v2.0/"
    )


def test_no_token_is_a_401_in_neutron_format(anonymous, neutron):
    response = anonymous.get("/networking/v2.0/networks")
    assert response.status_code == 401
    assert response.json()["NeutronError"]["type"] == "NotAuthorized"
    assert response["WWW-Authenticate"].startswith("Keystone uri=")


def test_central_neutron_down_is_a_503_naming_it(demo, neutron):
    neutron.get(f"{NEUTRON}/v2.0/networks", exc=ks_exceptions.ConnectFailure)
    response = demo.get("/networking/v2.0/networks")
    assert response.status_code == 503
    assert "central Neutron" in response.json()["NeutronError"]["message"]


def test_unknown_availability_zone_hint_is_a_400_and_nothing_is_created(demo, neutron):
    PodFactory(region_name="Pod1", az_name="az1")
    create = neutron.post(f"{NEUTRON}/v2.0/networks", status_code=201, json={})
    response = demo.post(
        "/networking/v2.0/networks",
        {"network": {"name": "n", "availability_zone_hints": ["az9"]}},
        format="json",
    )
    assert response.status_code == 400
    assert "az9" in response.json()["NeutronError"]["message"]
    assert not create.called


def test_hints_are_kept_by_tricircle_and_shown(demo, neutron):
    PodFactory(region_name="Pod1", az_name="az1")
    PodFactory(region_name="Pod2", az_name="az2")
    created = {"network": {"id": "n1", "project_id": "demo-project", "name": "n"}}
    create = neutron.post(f"{NEUTRON}/v2.0/networks", status_code=201, json=created)
    response = demo.post(
        "/networking/v2.0/networks",
        {"network": {"name": "n", "availability_zone_hints": ["az1", "az2"]}},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["network"]["availability_zone_hints"] == ["az1", "az2"]
    assert "availability_zone_hints" not in json.loads(create.last_request.body)["network"]
    assert AvailabilityZoneHints.objects.get(top_id="n1").hints == ["az1", "az2"]
    neutron.get(f"{NEUTRON}/v2.0/networks/n1", json=created)
    shown = demo.get("/networking/v2.0/networks/n1").json()["network"]
    assert shown["availability_zone_hints"] == ["az1", "az2"]
    # `fields=` asks for exactly those attributes, as Neutron answers them (Tempest checks).
    neutron.get(f"{NEUTRON}/v2.0/networks/n1", json={"network": {"id": "n1", "name": "n"}})
    shown = demo.get("/networking/v2.0/networks/n1?fields=id&fields=name").json()["network"]
    assert shown == {"id": "n1", "name": "n"}
    asked = demo.get("/networking/v2.0/networks/n1?fields=id&fields=availability_zone_hints")
    assert asked.json()["network"]["availability_zone_hints"] == ["az1", "az2"]


def test_malformed_create_body_is_a_400_in_neutron_format(demo, neutron):
    response = demo.generic(
        "POST", "/networking/v2.0/networks", "{oops", content_type="application/json"
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["NeutronError"]["message"]


def test_bookmark_links_to_the_pods_root_become_the_gateways():
    from gateway.proxy import Upstream

    upstream = Upstream(
        session=None,  # type: ignore[arg-type]  # rewrite() calls no API: no session needed
        base_url="http://127.0.0.1:8774/v2.1",
        name="Nova of Pod1",
        public_url="http://gw.test/compute/v2.1",
        region="Pod1",
        api_name="compute",
    )
    answer = (
        b'{"links": [{"rel": "self", "href": "http://127.0.0.1:8774/v2.1/servers/s"}, '
        b'{"rel": "bookmark", "href": "http://127.0.0.1:8774/servers/s"}]}'
    )
    rewritten = upstream.rewrite(answer)
    assert b"127.0.0.1:8774" not in rewritten
    assert b"http://gw.test/compute/v2.1/servers/s" in rewritten
    assert b"http://gw.test/compute/servers/s" in rewritten
