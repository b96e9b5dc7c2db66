"""Headers a pod answers with reach the caller as HTTP allows: a pod echoing what the caller
named (a server tag's Location) with control characters in it gets them percent-encoded,
rather than failing the whole answer in the HTTP server."""

import pytest

from pods.models import Pod
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db


def test_control_characters_in_a_forwarded_location_are_percent_encoded(demo, keystone, novas):
    RoutingFactory(
        top_id="s1",
        pod=Pod.objects.get(region_name="Pod1"),
        resource_type="server",
        project_id="demo-project",
    )
    keystone.mocker.put(
        f"{novas['Pod1'].base}/servers/s1/tags/a%01b",
        status_code=201,
        headers={"Location": f"{novas['Pod1'].base}/servers/s1/tags/a\x01b\x7f"},
    )
    response = demo.put(
        "/compute/v2.1/servers/s1/tags/a%01b", HTTP_X_OPENSTACK_NOVA_API_VERSION="2.26"
    )
    assert response.status_code == 201
    assert response["Location"].endswith("/compute/v2.1/servers/s1/tags/a%01b%7F")
