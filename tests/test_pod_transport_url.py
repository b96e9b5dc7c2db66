"""A pod's transport URL (its Neutron's message bus): validated, and a secret the admin API
and the Django admin never show in full."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from pods.models import Pod
from pods.services import clean_transport_url, masked_transport_url
from tests.factories import PodFactory
from tricircle_site.exceptions import BadRequest

pytestmark = pytest.mark.django_db
URL = "rabbit://neutron:s3cret@bus.test:5672/pod1"


def test_the_admin_api_takes_the_url_and_shows_it_without_its_password(admin, keystone):
    keystone.add_region("Pod1")
    response = admin.post(
        "/v1.0/pods",
        {"pod": {"region_name": "Pod1", "az_name": "az1", "transport_url": URL}},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert "s3cret" not in response.content.decode()
    pod = response.json()["pod"]
    assert pod["transport_url"] == "rabbit://neutron:***@bus.test:5672/pod1"
    assert Pod.objects.get(pk=pod["id"]).transport_url == URL
    listed = admin.get("/v1.0/pods").content.decode()
    assert "s3cret" not in listed and "bus.test" in listed


def test_an_update_sets_or_clears_it(admin):
    pod = PodFactory(region_name="Pod1", az_name="az1")
    response = admin.put(f"/v1.0/pods/{pod.pk}", {"pod": {"transport_url": URL}}, format="json")
    assert response.status_code == 200, response.content
    assert "s3cret" not in response.content.decode()
    pod.refresh_from_db()
    assert pod.transport_url == URL
    admin.put(f"/v1.0/pods/{pod.pk}", {"pod": {"transport_url": ""}}, format="json")
    pod.refresh_from_db()
    assert pod.transport_url == ""


@pytest.mark.parametrize(
    "url", ["http://bus.test/", "rabbit://", "rabbit:///vhost", "bus.test:5672", "rabbit://h:x/"]
)
def test_a_url_that_is_not_a_rabbit_bus_is_a_400(admin, url):
    pod = PodFactory(region_name="Pod1", az_name="az1")
    response = admin.put(f"/v1.0/pods/{pod.pk}", {"pod": {"transport_url": url}}, format="json")
    assert response.status_code == 400, response.content
    pod.refresh_from_db()
    assert pod.transport_url == ""


def test_several_hosts_and_no_password_are_accepted_and_masked():
    many = "rabbit://u:p1@h1:5672,u:p2@h2:5672/vhost?ssl=1"
    assert clean_transport_url(f" {many} ") == many
    assert masked_transport_url(many) == "rabbit://u:***@h1:5672,u:***@h2:5672/vhost?ssl=1"
    assert masked_transport_url("rabbit://h1/") == "rabbit://h1/"
    assert masked_transport_url("") == ""
    with pytest.raises(BadRequest):
        clean_transport_url("kafka://h1:9092/")


def test_the_django_admin_form_never_shows_it(client, django_user_model):
    pod = PodFactory(region_name="Pod1", az_name="az1", transport_url=URL)
    user = django_user_model.objects.create_superuser("root", "root@example.test", "pw")
    client.force_login(user)
    page = client.get(f"/admin/pods/pod/{pod.pk}/change/")
    if page.status_code == 404:
        pytest.skip("the Django admin is not mounted")
    body = page.content.decode()
    assert "s3cret" not in body and "neutron:***@bus.test" in body


def test_onboard_pod_takes_a_transport_url(keystone):
    keystone.add_region("Pod1")
    call_command("onboard_pod", "Pod1", "--az", "az1", "--transport-url", URL)
    assert Pod.objects.get(region_name="Pod1").transport_url == URL
