"""manage.py onboard_pod and list_pods, against a fake Keystone catalog."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pods.models import HealthStatus, Pod

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_onboard_pod_checks_endpoints_then_registers(keystone):
    keystone.add_region("Pod1")
    output = run("onboard_pod", "Pod1", "--az", "az1", "--pod-az-name", "nova")
    assert "compute: answers" in output
    assert "onboarded in az1" in output
    pod = Pod.objects.get(region_name="Pod1")
    assert (pod.az_name, pod.pod_az_name, pod.health_status) == ("az1", "nova", HealthStatus.UP)


def test_onboard_unknown_region_names_it(keystone):
    with pytest.raises(CommandError, match="Nowhere is not a Keystone region"):
        run("onboard_pod", "Nowhere", "--az", "az1")
    assert not Pod.objects.exists()


def test_onboard_refuses_a_pod_whose_services_do_not_answer(keystone):
    keystone.add_region("Pod1", answering=False)
    with pytest.raises(CommandError, match=r"compute: .*HTTP 503"):
        run("onboard_pod", "Pod1", "--az", "az1")
    assert not Pod.objects.exists()


def test_onboard_refuses_a_region_without_endpoints(keystone):
    keystone.add_region("Pod1")
    keystone.regions["Empty"] = ""
    keystone.mocker.get("http://empty.test/compute/v2.1", status_code=404)
    with pytest.raises(CommandError, match="Empty"):
        run("onboard_pod", "Empty", "--az", "az1")


def test_onboard_twice_is_a_clear_error_or_quiet_with_if_missing(keystone):
    keystone.add_region("Pod1")
    run("onboard_pod", "Pod1", "--az", "az1")
    with pytest.raises(CommandError, match="already exists"):
        run("onboard_pod", "Pod1", "--az", "az1")
    assert "already registered" in run("onboard_pod", "Pod1", "--az", "az1", "--if-missing")


def test_list_pods_shows_health(keystone):
    keystone.add_region("Pod1")
    keystone.add_region("Pod2", answering=False)
    Pod.objects.create(region_name="Pod1", az_name="az1")
    Pod.objects.create(region_name="Pod2", az_name="az2")
    output = run("list_pods")
    lines = {line.split()[0]: line for line in output.splitlines()[1:]}
    assert " up " in lines["Pod1"]
    assert " down " in lines["Pod2"] and "HTTP 503" in lines["Pod2"]
    assert "Pod1" in run("list_pods", "--no-check")


def test_list_pods_without_pods_says_how_to_add_one():
    assert "onboard_pod" in run("list_pods", "--no-check")


def test_list_pods_names_a_pod_whose_region_lost_its_endpoints(keystone):
    """A pod registered when its region had endpoints, listed after they were removed from the
    catalog, where the volume service is registered under two of its aliases (as DevStack and
    the lab do): keystoneauth raises ValueError there, not EndpointNotFound (a `.ci/start` after
    the lab shrank from 5 pods to 2 ended in that traceback)."""
    keystone.add_region("Pod1")
    keystone.list_volume_service_under_two_aliases()
    Pod.objects.create(region_name="Pod1", az_name="az1")
    Pod.objects.create(region_name="Gone", az_name="az2")
    output = run("list_pods")
    lines = {line.split()[0]: line for line in output.splitlines()[1:]}
    assert " up " in lines["Pod1"]
    assert " down " in lines["Gone"]
    assert "volumev3: no public endpoint in region Gone" in lines["Gone"]
