"""Tricircle's own region (TRICIRCLE_TOP_REGION, whose catalog names Tricircle's APIs) is
registered without an az_name and every pod with one: the top region as a pod of an AZ would
have the gateway forward each call there to itself. Refused by the admin API, on update too,
and by `manage.py onboard_pod` (which had onboarded it)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pods.models import Pod
from tests.factories import PodFactory

pytestmark = pytest.mark.django_db


def test_the_top_region_cannot_be_a_pod_of_a_zone(admin, keystone, settings):
    keystone.add_region(settings.TOP_REGION)
    response = admin.post(
        "/v1.0/pods", {"pod": {"region_name": settings.TOP_REGION, "az_name": "az1"}}, "json"
    )
    assert response.status_code == 400
    assert "Tricircle's own region" in response.json()["detail"]
    assert not Pod.objects.exists()


def test_the_top_region_is_registered_without_a_zone(admin, keystone, settings):
    keystone.add_region(settings.TOP_REGION)
    response = admin.post("/v1.0/pods", {"pod": {"region_name": settings.TOP_REGION}}, "json")
    assert response.status_code == 201, response.content
    assert Pod.objects.get().az_name == ""


def test_another_region_without_a_zone_is_refused(admin, keystone):
    keystone.add_region("Pod1")
    response = admin.post("/v1.0/pods", {"pod": {"region_name": "Pod1"}}, "json")
    assert response.status_code == 400
    assert "A pod needs an az_name" in response.json()["detail"]
    assert not Pod.objects.exists()


def test_updates_keep_the_roles(admin, settings):
    top = PodFactory(region_name=settings.TOP_REGION, az_name="")
    pod = PodFactory(region_name="Pod1", az_name="az1")
    response = admin.put(f"/v1.0/pods/{top.id}", {"pod": {"az_name": "az1"}}, "json")
    assert response.status_code == 400
    response = admin.put(f"/v1.0/pods/{pod.id}", {"pod": {"az_name": ""}}, "json")
    assert response.status_code == 400
    response = admin.put(f"/v1.0/pods/{pod.id}", {"pod": {"az_name": "az2"}}, "json")
    assert response.status_code == 200, response.content
    top.refresh_from_db()
    pod.refresh_from_db()
    assert (top.az_name, pod.az_name) == ("", "az2")


def test_onboard_pod_refuses_the_top_region(keystone, settings):
    keystone.add_region(settings.TOP_REGION)
    with pytest.raises(CommandError, match="Tricircle's own region"):
        call_command("onboard_pod", settings.TOP_REGION, "--az", "az1", stdout=StringIO())
    assert not Pod.objects.exists()
