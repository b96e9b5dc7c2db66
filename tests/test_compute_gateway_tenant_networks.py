"""os-tenant-networks (Nova's proxy API before 2.36) shows the caller's networks of the top
region's Neutron in Nova's format; a pod's Neutron has only copies named after top ids."""

import pytest

from gateway import microversions

pytestmark = pytest.mark.django_db
NEUTRON = "http://central.test"


@pytest.fixture
def central(settings, novas, keystone):
    microversions._ranges.clear()
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    keystone.mocker.get(
        f"{NEUTRON}/v2.0/networks", json={"networks": [{"id": "n1", "name": "web"}]}
    )
    keystone.mocker.get(
        f"{NEUTRON}/v2.0/networks/n1", json={"network": {"id": "n1", "name": "web"}}
    )
    keystone.mocker.get(f"{NEUTRON}/v2.0/networks/nope", status_code=404, json={})
    return keystone


def test_the_callers_top_networks_in_novas_format(demo, central):
    listed = demo.get("/compute/v2.1/os-tenant-networks").json()
    assert listed == {"networks": [{"id": "n1", "cidr": "None", "label": "web"}]}
    shown = demo.get("/compute/v2.1/os-tenant-networks/n1").json()
    assert shown == {"network": {"id": "n1", "cidr": "None", "label": "web"}}
    missing = demo.get("/compute/v2.1/os-tenant-networks/nope")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Network not found"
