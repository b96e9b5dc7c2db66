"""A pod that fails or does not answer a call routed to it: the caller gets the API's own 503
fault naming the pod (which part of the one cloud is unavailable), never the pod's 500 or a
Tricircle 500. A pod's 501 (not implemented) is an answer and goes back as it came."""

import pytest
from django.conf import settings
from keystoneauth1 import exceptions as ks_exceptions

from pods.models import Pod
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed_server(novas):
    RoutingFactory(
        top_id="s1",
        pod=Pod.objects.get(region_name="Pod1"),
        resource_type="server",
        project_id="demo-project",
    )
    return f"{novas['Pod1'].base}/servers/s1"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status_code": 500, "json": {"computeFault": {"code": 500}}}, "failed (HTTP 500)"),
        ({"status_code": 503, "text": "down"}, "is unavailable (HTTP 503)"),
        ({"exc": ks_exceptions.ConnectFailure}, "is not answering"),
    ],
)
def test_a_failing_pod_is_a_503_naming_it(demo, keystone, routed_server, answer, message):
    keystone.mocker.delete(routed_server, **answer)
    response = demo.delete("/compute/v2.1/servers/s1")
    assert response.status_code == 503
    fault = response.json()["serviceUnavailable"]
    assert "Pod1" in fault["message"] and message in fault["message"]


def test_a_pods_501_is_its_answer(demo, keystone, routed_server):
    keystone.mocker.post(
        f"{routed_server}/action",
        status_code=501,
        json={"notImplemented": {"code": 501, "message": "Not implemented."}},
    )
    response = demo.post("/compute/v2.1/servers/s1/action", {"os-resetState": {}}, format="json")
    assert response.status_code == 501
    assert response.json()["notImplemented"]["message"] == "Not implemented."


def test_a_forwarded_call_waits_no_longer_than_the_pod_timeout(demo, keystone, routed_server):
    # A pod that never answers must not hold the caller for as long as gunicorn lets it.
    keystone.mocker.delete(routed_server, status_code=204)
    assert demo.delete("/compute/v2.1/servers/s1").status_code == 204
    assert keystone.mocker.last_request.timeout == settings.POD_TIMEOUT
