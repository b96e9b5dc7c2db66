"""Pods from the dashboard: onboarding with the checks of `manage.py onboard_pod` (one service
function for both), enabling and disabling for new placements, checking health now."""

from io import StringIO

import pytest
from django.core.management import call_command

from pods import services
from pods.models import HealthStatus, Pod
from tests.dashboard_support import log_in
from tests.factories import PodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, keystone):
    return log_in(client)


def onboard(client, **values: str):
    return client.post("/dashboard/pods/new", values, follow=True)


def test_onboarding_checks_the_region_and_registers_the_pod(staff, keystone):
    keystone.add_region("Pod3")
    response = onboard(staff, region_name="Pod3", az_name="az3", pod_az_name="nova")
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert "Pod Pod3 onboarded in az3" in html and "compute" in html
    pod = Pod.objects.get(region_name="Pod3")
    assert (pod.az_name, pod.pod_az_name, pod.health_status) == ("az3", "nova", HealthStatus.UP)
    assert '<tr data-pod="Pod3">' in html


def test_onboarding_an_unknown_region_says_so(staff):
    response = onboard(staff, region_name="Atlantis", az_name="az9")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "Atlantis is not a Keystone region" in html
    assert 'value="Atlantis"' in html
    assert not Pod.objects.exists()


def test_onboarding_a_pod_whose_services_do_not_answer_is_refused(staff, keystone):
    keystone.add_region("Pod3", answering=False)
    html = onboard(staff, region_name="Pod3", az_name="az3").content.decode()
    assert "Pod Pod3 is not usable" in html and "HTTP 503" in html
    assert not Pod.objects.exists()


def test_onboarding_twice_and_without_an_az_are_refused(staff, keystone):
    keystone.add_region("Pod3")
    onboard(staff, region_name="Pod3", az_name="az3")
    assert "already exists" in onboard(staff, region_name="Pod3", az_name="az3").content.decode()
    assert "needs an availability zone" in onboard(staff, region_name="Pod3").content.decode()


def test_the_command_and_the_page_share_the_checks(monkeypatch, staff, keystone):
    calls = []
    original = services.onboard_pod

    def spy(*args, **kwargs):
        calls.append(args or tuple(kwargs.values()))
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "onboard_pod", spy)
    keystone.add_region("Pod3")
    keystone.add_region("Pod4")
    onboard(staff, region_name="Pod3", az_name="az3")
    call_command("onboard_pod", "Pod4", "--az", "az4", stdout=StringIO())
    assert [call[0] for call in calls] == ["Pod3", "Pod4"]


def test_disable_and_enable_a_pod_for_new_placements(staff):
    pod = PodFactory(region_name="Pod1", az_name="az1")
    response = staff.post(f"/dashboard/pods/{pod.pk}/disable", follow=True)
    assert "Pod Pod1 disabled for new placements." in response.content.decode()
    pod.refresh_from_db()
    assert not pod.enabled
    assert pod not in services.bottom_pods()
    assert 'aria-label="Enable Pod1 for new placements"' in response.content.decode()
    staff.post(f"/dashboard/pods/{pod.pk}/enable")
    pod.refresh_from_db()
    assert pod.enabled and pod in services.bottom_pods()
    assert staff.get(f"/dashboard/pods/{pod.pk}/disable").status_code == 405


def test_check_health_now_records_each_pods_health(staff, keystone):
    keystone.add_region("Pod1")
    keystone.add_region("Pod2", answering=False)
    PodFactory(region_name="Pod1", az_name="az1")
    PodFactory(region_name="Pod2", az_name="az2")
    html = staff.post("/dashboard/pods/check", follow=True).content.decode()
    assert "Pod health checked." in html
    assert Pod.objects.get(region_name="Pod1").health_status == HealthStatus.UP
    assert Pod.objects.get(region_name="Pod2").health_status == HealthStatus.DOWN
