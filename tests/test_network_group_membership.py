"""A rule naming a remote group (the default group's) knows, in every pod enforcing it, the
group's members of the other pods: shadows of their ports, whatever the network type
(networking.membership)."""

from __future__ import annotations

import pytest

from jobs.models import Job
from networking import boot, membership, services
from networking.job_names import SECURITY_GROUP_MEMBERS_SYNC
from routing.models import ResourceRouting
from tests.factories import PodFactory, RoutingFactory

pytestmark = pytest.mark.django_db
CENTRAL = "http://central.test"


@pytest.fixture
def shadows(monkeypatch) -> list[tuple[str, str, str]]:
    """(pod, home pod, top port) of every shadow made."""
    made: list[tuple[str, str, str]] = []

    def make_shadows_in_pods(wanted) -> int:
        for pod, members in wanted.items():
            made.extend((pod.region_name, home.region_name, port["id"]) for port, home in members)
        return sum(len(members) for members in wanted.values())

    monkeypatch.setattr(membership, "make_shadows_in_pods", make_shadows_in_pods)
    return made


@pytest.fixture
def top(settings, keystone):
    """Pod1 and Pod2 enforce the group `sg` (each holds a copy; its rule names itself); VM
    ports a1 (server s1 in Pod1, network vlan-net) and b1 (server s2 in Pod2, network net-b)
    are members; c1 (server s3 in Pod2) is in another group only. Every pod holds a copy of
    both networks."""
    settings.CENTRAL_NEUTRON_URL = CENTRAL
    pods = {}
    for number in (1, 2, 3):
        keystone.add_region(f"Pod{number}")
        pods[number] = PodFactory(region_name=f"Pod{number}", az_name=f"az{number}")
    for number in (1, 2):
        RoutingFactory(
            top_id="sg", bottom_id=f"sg-{number}", pod=pods[number], resource_type="security_group"
        )
    for server, number in (("s1", 1), ("s2", 2), ("s3", 2)):
        RoutingFactory(top_id=server, pod=pods[number], resource_type="server")
    for network in ("vlan-net", "net-b"):
        for number in (1, 2, 3):
            RoutingFactory(
                top_id=network,
                bottom_id=f"{network}-{number}",
                pod=pods[number],
                resource_type="network",
            )
    mocker = keystone.mocker
    mocker.get(
        f"{CENTRAL}/v2.0/security-group-rules?remote_group_id=sg",
        json={"security_group_rules": [{"id": "r1", "security_group_id": "sg"}]},
    )
    mocker.get(
        f"{CENTRAL}/v2.0/security-groups/sg",
        json={"security_group": {"id": "sg", "project_id": "demo"}},
    )

    def port(port_id: str, server: str, network: str, groups: list[str], owner: str) -> dict:
        return {
            "id": port_id,
            "device_id": server,
            "device_owner": owner,
            "network_id": network,
            "security_groups": groups,
        }

    mocker.get(
        f"{CENTRAL}/v2.0/ports?project_id=demo",
        json={
            "ports": [
                port("a1", "s1", "vlan-net", ["sg"], "compute:az1"),
                port("b1", "s2", "net-b", ["sg", "other"], "compute:az2"),
                port("c1", "s3", "net-b", ["other"], "compute:az2"),
                port("shadow", "s2", "vlan-net", ["sg"], "compute:shadow"),
                port("dhcp", "dhcp", "vlan-net", ["sg"], "network:dhcp"),
            ]
        },
    )
    return pods


def test_each_enforcing_pod_gets_the_members_of_the_other_pods(top, shadows):
    assert membership.converge_group_members("sg") == 2
    assert sorted(shadows) == [("Pod1", "Pod2", "b1"), ("Pod2", "Pod1", "a1")]


def test_a_network_is_not_copied_for_membership_alone(top, shadows):
    """The pod would become one of the network's pods, and the network's routers would span
    there: a member on a network the pod does not hold is not known there."""
    ResourceRouting.objects.filter(top_id="net-b", pod=top[1]).delete()
    assert membership.converge_group_members("sg") == 1
    assert shadows == [("Pod2", "Pod1", "a1")]


def test_a_group_no_rule_names_needs_no_members(top, keystone, shadows):
    keystone.mocker.get(
        f"{CENTRAL}/v2.0/security-group-rules?remote_group_id=sg",
        json={"security_group_rules": []},
    )
    assert membership.converge_group_members("sg") == 0
    assert shadows == []


def test_members_go_where_the_rule_naming_the_group_is_enforced(top, keystone, shadows):
    """Group `web` in Pod3 admits members of `sg`: Pod3 gets them all; Pod1 and Pod2 hold a
    copy of `sg` but enforce no rule naming it."""
    keystone.mocker.get(
        f"{CENTRAL}/v2.0/security-group-rules?remote_group_id=sg",
        json={"security_group_rules": [{"id": "r2", "security_group_id": "web"}]},
    )
    RoutingFactory(top_id="web", bottom_id="web-3", pod=top[3], resource_type="security_group")
    assert membership.converge_group_members("sg") == 2
    assert sorted(shadows) == [("Pod3", "Pod1", "a1"), ("Pod3", "Pod2", "b1")]


def test_a_rule_naming_a_group_asks_for_its_members(top):
    services.security_group_rules_created(
        {"security_group_rule": {"id": "r9", "security_group_id": "sg", "remote_group_id": "sg"}}
    )
    jobs = Job.objects.filter(type=SECURITY_GROUP_MEMBERS_SYNC)
    assert [job.resource for job in jobs] == [{"security_group_id": "sg"}]


def test_a_port_updated_at_the_top_asks_for_the_members_of_its_groups(top, keystone):
    keystone.mocker.get(
        f"{CENTRAL}/v2.0/ports/a1",
        json={
            "port": {
                "id": "a1",
                "project_id": "demo-project",
                "device_owner": "compute:az1",
                "security_groups": ["sg"],
            }
        },
    )
    membership.port_changed("a1")
    jobs = Job.objects.filter(type=SECURITY_GROUP_MEMBERS_SYNC)
    assert [job.resource for job in jobs] == [{"security_group_id": "sg"}]


def test_a_booted_server_asks_for_the_members_of_its_groups(top, keystone):
    keystone.mocker.put(
        f"{CENTRAL}/v2.0/ports/a1",
        json={"port": {"id": "a1", "network_id": "vlan-net", "security_groups": ["sg"]}},
    )
    boot.ports_attached(["a1"], "s1", top[1], "demo-project")
    jobs = Job.objects.filter(type=SECURITY_GROUP_MEMBERS_SYNC)
    assert [job.resource for job in jobs] == [{"security_group_id": "sg"}]
