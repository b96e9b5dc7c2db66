"""addSecurityGroup / removeSecurityGroup name a top group (by name or id): the pod changes the
server's bottom ports with the group's copy (named after the top id), the top ports follow."""

import pytest

from gateway import microversions
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db
NEUTRON = "http://central.test"
GROUP = "8e51a6e3-87ea-4d6c-a30b-769331e2b678"


@pytest.fixture
def server(settings, novas, keystone):
    from pods.models import Pod

    microversions._ranges.clear()
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    pod = Pod.objects.get(region_name="Pod1")
    RoutingFactory(top_id="s1", pod=pod, resource_type="server", project_id="demo-project")
    keystone.mocker.get(f"{NEUTRON}/v2.0/security-groups/web-sg", status_code=404, json={})
    keystone.mocker.get(
        f"{NEUTRON}/v2.0/security-groups?name=web-sg", json={"security_groups": [{"id": GROUP}]}
    )
    keystone.mocker.get(f"{NEUTRON}/v2.0/security-groups?name=nope", json={"security_groups": []})
    keystone.mocker.get(f"{NEUTRON}/v2.0/security-groups/nope", status_code=404, json={})
    keystone.mocker.get(
        f"{NEUTRON}/v2.0/ports?device_id=s1",
        json={"ports": [{"id": "p1", "security_groups": [GROUP, "other"]}]},
    )
    return novas["Pod1"]


def test_removing_a_group_by_name_changes_the_pod_and_the_top_port(demo, server, keystone):
    action = keystone.mocker.post(f"{server.base}/servers/s1/action", status_code=202, text="")
    port = keystone.mocker.put(f"{NEUTRON}/v2.0/ports/p1", json={"port": {}})
    response = demo.post(
        "/compute/v2.1/servers/s1/action",
        {"removeSecurityGroup": {"name": "web-sg"}},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert action.last_request.json() == {"removeSecurityGroup": {"name": GROUP}}
    assert port.last_request.json() == {"port": {"security_groups": ["other"]}}


def test_the_pods_refusal_names_the_group_as_the_caller_did(demo, server, keystone):
    keystone.mocker.post(
        f"{server.base}/servers/s1/action",
        status_code=404,
        json={"itemNotFound": {"code": 404, "message": f"Security group {GROUP} not associated"}},
    )
    port = keystone.mocker.put(f"{NEUTRON}/v2.0/ports/p1", json={"port": {}})
    response = demo.post(
        "/compute/v2.1/servers/s1/action",
        {"removeSecurityGroup": {"name": "web-sg"}},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["message"] == "Security group web-sg not associated"
    assert not port.called


def test_an_unknown_group_is_a_404_and_reaches_no_pod(demo, server, keystone):
    action = keystone.mocker.post(f"{server.base}/servers/s1/action", status_code=202, text="")
    response = demo.post(
        "/compute/v2.1/servers/s1/action", {"addSecurityGroup": {"name": "nope"}}, format="json"
    )
    assert response.status_code == 404
    assert not action.called
