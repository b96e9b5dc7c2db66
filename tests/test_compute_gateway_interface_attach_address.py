"""An interface attach on a network may ask for one address, as Nova's schema takes it:
`fixed_ips` absent or a list of one {"ip_address": ...}; anything else is a 400 before a top
port is made (it was a 500 from Python)."""

import pytest

from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db
NET = "3b7f5aa1-e877-45c8-b24a-c02d305ccb92"
NEUTRON = "http://central.test"


@pytest.fixture
def server(demo, novas, keystone, settings):
    from pods.models import Pod

    settings.CENTRAL_NEUTRON_URL = NEUTRON
    novas["Pod1"].add("a", "one", "2026-01-01T00:00:01Z")
    RoutingFactory(top_id="a", pod=Pod.objects.get(region_name="Pod1"), resource_type="server")
    return keystone.mocker.post(f"{NEUTRON}/v2.0/ports", status_code=404, json={})


@pytest.mark.parametrize(
    "fixed_ips",
    ["x", 1, {"ip_address": "10.0.0.5"}, [], ["10.0.0.5"], [{"ip_address": 5}], [{}, {}]],
)
def test_fixed_ips_of_another_shape_are_a_400(demo, server, fixed_ips):
    body = {"interfaceAttachment": {"net_id": NET, "fixed_ips": fixed_ips}}
    response = demo.post("/compute/v2.1/servers/a/os-interface", body, format="json")
    assert response.status_code == 400, response.content
    assert "fixed_ips" in response.json()["badRequest"]["message"]
    assert not server.called


@pytest.mark.parametrize("fixed_ips", [None, [{"ip_address": "10.0.0.5"}]])
def test_one_address_or_none_asks_neutron_for_the_port(demo, server, fixed_ips):
    attachment = {"net_id": NET, **({"fixed_ips": fixed_ips} if fixed_ips else {})}
    response = demo.post(
        "/compute/v2.1/servers/a/os-interface", {"interfaceAttachment": attachment}, format="json"
    )
    assert response.status_code == 404  # the central Neutron knows no such network
    sent = server.last_request.json()["port"]
    assert sent.get("fixed_ips") == ([{"ip_address": "10.0.0.5"}] if fixed_ips else None)
