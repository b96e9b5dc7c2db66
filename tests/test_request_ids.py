"""Request ids as OpenStack has them: every answer carries one (Nova's also as
x-compute-request-id); a caller's `req-<uuid>` is kept and sent to every pod call made for the
request, so one call can be followed through the pods' logs."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_request_id_not_of_openstacks_form_is_replaced(demo, keystone, db):
    response = demo.get(
        "/compute/v2.1/os-availability-zone", HTTP_X_OPENSTACK_REQUEST_ID="evil\nid"
    )
    assert response["x-openstack-request-id"].startswith("req-")
    assert "evil" not in response["x-openstack-request-id"]


def test_the_request_id_goes_to_every_pod_call(demo, novas, keystone):
    request_id = "req-6c1ec0b4-2a43-4f0e-9f35-b8f5e7f5b1a1"
    response = demo.get("/compute/v2.1/servers/detail", HTTP_X_OPENSTACK_REQUEST_ID=request_id)
    assert response.status_code == 200
    pod_calls = [call for call in keystone.mocker.request_history if "/servers/detail" in call.url]
    assert len(pod_calls) == 2  # both pods, from the fan-out's threads
    assert all(call.headers["X-OpenStack-Request-ID"] == request_id for call in pod_calls)
    assert response["x-compute-request-id"] == response["x-openstack-request-id"]
