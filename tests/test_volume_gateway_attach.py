"""Attaching a volume through the compute gateway: the server and the volume must share a pod."""

import pytest

from pods.models import Pod
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(novas):
    pods = {pod.region_name: pod for pod in Pod.objects.all()}
    RoutingFactory(top_id="vm", pod=pods["Pod1"], resource_type="server")
    RoutingFactory(top_id="near", pod=pods["Pod1"], resource_type="volume")
    RoutingFactory(top_id="far", pod=pods["Pod2"], resource_type="volume")
    return novas


def test_a_volume_of_the_servers_pod_is_attached_there(demo, placed, keystone):
    attach = keystone.mocker.post(
        f"{placed['Pod1'].base}/servers/vm/os-volume_attachments",
        json={"volumeAttachment": {"volumeId": "near", "serverId": "vm"}},
    )
    response = demo.post(
        "/compute/v2.1/servers/vm/os-volume_attachments",
        {"volumeAttachment": {"volumeId": "near"}},
        format="json",
    )
    assert response.status_code == 200
    assert attach.called


def test_a_volume_of_another_pod_is_a_clear_409(demo, placed, keystone):
    attach = keystone.mocker.post(f"{placed['Pod1'].base}/servers/vm/os-volume_attachments")
    response = demo.post(
        "/compute/v2.1/servers/vm/os-volume_attachments",
        {"volumeAttachment": {"volumeId": "far"}},
        format="json",
    )
    assert response.status_code == 409
    message = response.json()["conflictingRequest"]["message"]
    assert "different pods" in message and "Pod1" in message and "Pod2" in message
    assert not attach.called
    response = demo.post(
        "/compute/v2.1/servers/vm/os-volume_attachments",
        {"volumeAttachment": {"volumeId": "unknown"}},
        format="json",
    )
    assert response.status_code == 404
