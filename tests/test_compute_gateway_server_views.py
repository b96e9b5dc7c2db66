"""A server as a single Nova would show it: addresses keyed by the top network's name (also in
/ips), security groups by the top group's name, os-security-groups with the top's groups."""

import threading
import time

import pytest

from gateway import microversions
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db
NEUTRON = "http://central.test"
NET, GROUP = "6c1ec0b4-2a43-4f0e-9f35-b8f5e7f5b1a1", "8e51a6e3-87ea-4d6c-a30b-769331e2b678"


@pytest.fixture
def server(settings, novas, keystone):
    from pods.models import Pod

    microversions._ranges.clear()
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    pod = Pod.objects.get(region_name="Pod1")
    RoutingFactory(top_id="s1", pod=pod, resource_type="server", project_id="demo-project")
    RoutingFactory(top_id=NET, bottom_id="bn", pod=pod, resource_type="network")
    RoutingFactory(top_id=GROUP, bottom_id="bg", pod=pod, resource_type="security_group")
    addresses = {NET: [{"addr": "10.0.0.5", "version": 4}]}
    novas["Pod1"].add(
        "s1",
        "vm",
        "2026-01-01T00:00:01Z",
        addresses=addresses,
        security_groups=[{"name": GROUP}],
    )
    base = novas["Pod1"].base
    keystone.mocker.get(f"{base}/servers/s1/ips", json={"addresses": addresses})
    keystone.mocker.get(
        f"{base}/servers/s1/os-security-groups",
        json={"security_groups": [{"id": "bg", "name": GROUP, "rules": []}]},
    )
    keystone.mocker.get(f"{NEUTRON}/v2.0/networks", json={"networks": [{"id": NET, "name": "web"}]})
    keystone.mocker.get(
        f"{NEUTRON}/v2.0/security-groups",
        json={
            "security_groups": [
                {
                    "id": GROUP,
                    "name": "web-sg",
                    "description": "d",
                    "project_id": "demo-project",
                    "security_group_rules": [
                        {
                            "id": "r1",
                            "security_group_id": GROUP,
                            "direction": "ingress",
                            "protocol": "tcp",
                            "port_range_min": 22,
                            "port_range_max": 22,
                            "remote_ip_prefix": "0.0.0.0/0",
                            "remote_group_id": None,
                        },
                        {
                            "id": "r2",
                            "security_group_id": GROUP,
                            "direction": "egress",
                            "protocol": None,
                        },
                    ],
                }
            ]
        },
    )


def test_show_names_networks_and_groups_as_the_top(demo, server):
    shown = demo.get("/compute/v2.1/servers/s1").json()["server"]
    assert list(shown["addresses"]) == ["web"]
    assert shown["security_groups"] == [{"name": "web-sg"}]


def test_ips_are_keyed_by_the_top_networks_name(demo, server):
    assert list(demo.get("/compute/v2.1/servers/s1/ips").json()["addresses"]) == ["web"]


def test_the_ips_of_one_network_are_asked_by_its_top_name(demo, server):
    response = demo.get("/compute/v2.1/servers/s1/ips/web")
    assert response.json() == {"web": [{"addr": "10.0.0.5", "version": 4}]}
    missing = demo.get("/compute/v2.1/servers/s1/ips/other")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        "Instance is not a member of specified network"
    )


def test_os_security_groups_are_the_tops_groups_in_novas_format(demo, server, keystone):
    (group,) = demo.get("/compute/v2.1/servers/s1/os-security-groups").json()["security_groups"]
    (read,) = [sent for sent in keystone.mocker.request_history if "/security-groups" in sent.path]
    assert read.headers["X-Auth-Token"] == "user-token"  # read as the caller, as Nova does
    assert (group["id"], group["name"], group["tenant_id"]) == (GROUP, "web-sg", "demo-project")
    assert group["rules"] == [
        {
            "id": "r1",
            "parent_group_id": GROUP,
            "ip_protocol": "tcp",
            "from_port": 22,
            "to_port": 22,
            "ip_range": {"cidr": "0.0.0.0/0"},
            "group": {},
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_the_networks_and_groups_names_are_asked_at_once(demo, server, monkeypatch):
    """Two central Neutron calls in one round trip: each goes out only once the other is on its
    way too (asked one after the other, they would wait 5 s for each other, then fail)."""
    from gateway.services import servers

    both_asked = threading.Barrier(2, timeout=5)
    ask = servers._names_at_top

    def ask_with_the_other(asked):
        both_asked.wait()
        return ask(asked)

    monkeypatch.setattr(servers, "_names_at_top", ask_with_the_other)
    shown = demo.get("/compute/v2.1/servers/s1").json()["server"]
    assert list(shown["addresses"]) == ["web"]
    assert shown["security_groups"] == [{"name": "web-sg"}]


def test_names_given_recently_are_not_asked_again(demo, server, keystone, settings):
    """Kept NAME_CACHE_SECONDS: a second show asks the central Neutron nothing; a rename shows
    once they are over (0 in the other tests: asked every time)."""
    settings.NAME_CACHE_SECONDS = 60
    from gateway.services.servers import RECENT_NAMES

    RECENT_NAMES.names.clear()
    central = [r for r in keystone.mocker.request_history if r.url.startswith(NEUTRON)]
    assert demo.get("/compute/v2.1/servers/s1").json()["server"]["security_groups"] == [
        {"name": "web-sg"}
    ]
    asked = len([r for r in keystone.mocker.request_history if r.url.startswith(NEUTRON)])
    keystone.mocker.get(f"{NEUTRON}/v2.0/networks", json={"networks": [{"id": NET, "name": "new"}]})
    shown = demo.get("/compute/v2.1/servers/s1").json()["server"]
    assert list(shown["addresses"]) == ["web"]
    assert len([r for r in keystone.mocker.request_history if r.url.startswith(NEUTRON)]) == asked
    assert asked > len(central)
    RECENT_NAMES.names.clear()  # the time is over
    assert list(demo.get("/compute/v2.1/servers/s1").json()["server"]["addresses"]) == ["new"]
    RECENT_NAMES.names.clear()


def test_a_name_no_longer_fresh_is_answered_and_asked_again_in_the_background(
    demo, server, keystone, settings
):
    """Past NAME_CACHE_SECONDS a known name is still answered (no wait for the central
    Neutron) and asked again once, in the background; the next shows have the new name."""
    settings.NAME_CACHE_SECONDS = 60
    from gateway.services.servers import RECENT_NAMES

    RECENT_NAMES.names.clear()
    assert list(demo.get("/compute/v2.1/servers/s1").json()["server"]["addresses"]) == ["web"]
    keystone.mocker.get(f"{NEUTRON}/v2.0/networks", json={"networks": [{"id": NET, "name": "new"}]})
    key = ("network", NET)
    name, _, usable_until = RECENT_NAMES.names[key]
    RECENT_NAMES.names[key] = (name, 0.0, usable_until)  # no longer fresh
    before = len([r for r in keystone.mocker.request_history if "/v2.0/networks" in r.url])
    assert list(demo.get("/compute/v2.1/servers/s1").json()["server"]["addresses"]) == ["web"]
    deadline = time.monotonic() + 5
    while RECENT_NAMES.names[key][0] != "new" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert RECENT_NAMES.names[key][0] == "new"
    after = len([r for r in keystone.mocker.request_history if "/v2.0/networks" in r.url])
    assert after == before + 1
    assert list(demo.get("/compute/v2.1/servers/s1").json()["server"]["addresses"]) == ["new"]
    RECENT_NAMES.names.clear()


def test_a_name_unused_for_twice_the_time_is_asked_before_answering(
    demo, server, keystone, settings
):
    settings.NAME_CACHE_SECONDS = 60
    from gateway.services.servers import RECENT_NAMES

    RECENT_NAMES.names.clear()
    demo.get("/compute/v2.1/servers/s1")
    keystone.mocker.get(f"{NEUTRON}/v2.0/networks", json={"networks": [{"id": NET, "name": "new"}]})
    key = ("network", NET)
    RECENT_NAMES.names[key] = (RECENT_NAMES.names[key][0], 0.0, 0.0)
    assert list(demo.get("/compute/v2.1/servers/s1").json()["server"]["addresses"]) == ["new"]
    RECENT_NAMES.names.clear()
