"""A volume action whose value Cinder reads as an object without checking it (os-detach: a null
failed in the pod with a 500, answered as a 503) is refused as the caller's 400 unless it is an
object; an object goes to the volume's pod as it came."""

import pytest

from pods.models import Pod
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def volume(cinders, keystone):
    RoutingFactory(top_id="v", pod=Pod.objects.get(region_name="Pod2"), resource_type="volume")
    return keystone.mocker.post(f"{cinders['Pod2'].base}/volumes/v/action", status_code=202)


@pytest.mark.parametrize("value", [None, "x", 1, True, [], [{}]])
def test_os_detach_not_an_object_is_a_400(demo, volume, value):
    response = demo.post("/volume/v3/volumes/v/action", {"os-detach": value}, format="json")
    assert response.status_code == 400
    message = response.json()["badRequest"]["message"]
    assert message.startswith("Invalid input for field/attribute os-detach.")
    assert message.endswith("is not of type 'object'")
    assert not volume.called


@pytest.mark.parametrize("value", [{}, {"attachment_id": "a"}])
def test_os_detach_with_an_object_goes_to_the_pod(demo, volume, value):
    response = demo.post("/volume/v3/volumes/v/action", {"os-detach": value}, format="json")
    assert response.status_code == 202, response.content
    assert volume.last_request.json() == {"os-detach": value}
