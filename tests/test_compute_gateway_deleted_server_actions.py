"""A deleted server's instance actions stay readable (Nova, 2.21) after Tricircle forgot the
server: the pod that still has them answers."""

import re

import pytest

from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db

SERVER = "7e651dd1-8a78-47cb-a7d3-bfeafd7f630e"
ACTIONS = {"instanceActions": [{"action": "delete", "instance_uuid": SERVER}]}
NOT_FOUND = {"itemNotFound": {"code": 404, "message": f"Instance {SERVER} could not be found."}}


def actions_in(keystone, novas, having: str) -> dict:
    return {
        name: keystone.mocker.get(
            f"{nova.base}/servers/{SERVER}/os-instance-actions",
            status_code=200 if name == having else 404,
            json=ACTIONS if name == having else NOT_FOUND,
        )
        for name, nova in novas.items()
    }


def test_a_forgotten_servers_actions_come_from_the_pod_that_has_them(demo, novas, keystone):
    actions_in(keystone, novas, "Pod2")
    response = demo.get(f"/compute/v2.1/servers/{SERVER}/os-instance-actions")
    assert response.status_code == 200, response.content
    assert response.json() == ACTIONS


def test_no_pod_has_them_is_novas_404(demo, novas, keystone):
    actions_in(keystone, novas, "nowhere")
    response = demo.get(f"/compute/v2.1/servers/{SERVER}/os-instance-actions")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_routed_server_asks_its_pod_alone(demo, novas, keystone):
    from pods.models import Pod

    RoutingFactory(top_id=SERVER, pod=Pod.objects.get(region_name="Pod1"))
    asked = actions_in(keystone, novas, "Pod1")
    assert demo.get(f"/compute/v2.1/servers/{SERVER}/os-instance-actions").status_code == 200
    assert asked["Pod1"].called and not asked["Pod2"].called


def test_an_id_that_is_no_server_id_asks_no_pod(demo, novas, keystone):
    asked = keystone.mocker.get(re.compile(r".*/os-instance-actions$"), json=ACTIONS)
    assert demo.get("/compute/v2.1/servers/not-a-uuid/os-instance-actions").status_code == 404
    assert not asked.called
