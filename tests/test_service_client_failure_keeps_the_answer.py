"""A typed client's 5xx answer is ServiceFailed: still a ServiceUnavailable (a 503 to whoever
does not word it), keeping the answer for a caller that words the failure itself."""

from __future__ import annotations

import pytest

from pods.clients import ServiceFailed, central_neutron_as
from tricircle_site.exceptions import ServiceUnavailable

NEUTRON = "http://central.test"


def test_a_failure_keeps_its_answer(settings, keystone):
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    keystone.mocker.get(
        f"{NEUTRON}/v2.0/security-groups",
        status_code=500,
        json={"NeutronError": {"message": "Boom."}},
        headers={"X-Openstack-Request-Id": "req-1"},
    )
    with pytest.raises(ServiceFailed) as failed:
        central_neutron_as("user-token").request("GET", "/security-groups")
    assert isinstance(failed.value, ServiceUnavailable)
    assert failed.value.status_code == 503
    assert failed.value.message == "the central Neutron failed: HTTP 500 Boom."
    assert failed.value.response.status_code == 500
    assert failed.value.response.headers["x-openstack-request-id"] == "req-1"


def test_a_refusal_is_answered_as_it_is(settings, keystone):
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    keystone.mocker.get(f"{NEUTRON}/v2.0/security-groups", status_code=404, json={})
    response = central_neutron_as("user-token").request("GET", "/security-groups")
    assert response.status_code == 404
