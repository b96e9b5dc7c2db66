"""The security group proxy API when the central Neutron is not there (no answer, or a
gateway's 502-504 in front of it): 503, as the rest of the gateway answers an absent service;
any other failure is Nova's 500 (tests/test_compute_gateway_security_group_proxy.py)."""

from __future__ import annotations

import pytest
import requests

from gateway import microversions

pytestmark = pytest.mark.django_db
NEUTRON = "http://central.test"
API = "/compute/v2.1"
GROUP = "8e51a6e3-87ea-4d6c-a30b-769331e2b678"


@pytest.fixture
def central(settings, novas, keystone):
    microversions._ranges.clear()
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    return keystone.mocker


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_failure_is_a_503(demo, central, status):
    central.get(f"{NEUTRON}/v2.0/security-groups/{GROUP}", status_code=status, text="")
    response = demo.get(f"{API}/os-security-groups/{GROUP}")
    assert response.status_code == 503
    assert "the central Neutron failed" in response.json()["serviceUnavailable"]["message"]


def test_no_answer_is_a_503(demo, central):
    central.get(f"{NEUTRON}/v2.0/security-groups", exc=requests.exceptions.ConnectionError)
    response = demo.get(f"{API}/os-security-groups")
    assert response.status_code == 503
    message = response.json()["serviceUnavailable"]["message"]
    assert message == "the central Neutron is not answering."
