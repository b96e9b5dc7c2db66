"""Every pod's Neutron is told the other pods' tunnel endpoints (networking.tunnels), read
from their agents, and forgets those of agents and pods that went."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from jobs.models import Job
from networking import tunnels
from networking.job_names import TUNNEL_ENDPOINTS_SYNC
from networking.models import TunnelEndpoint
from pods.models import Pod
from tests.factories import PodFactory
from tricircle_site.exceptions import ServiceUnavailable

pytestmark = pytest.mark.django_db
BUS = "rabbit://neutron:secret@bus.test:5672/pod"


class FakeBus:
    """What each pod's Neutron was sent, by region; regions in `down` do not take messages."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, ...]] = []
        self.down: set[str] = set()

    @contextmanager
    def __call__(self, pod: Pod) -> Iterator[FakeBus.Pod]:
        if pod.region_name in self.down:
            raise ServiceUnavailable(f"bus of {pod.region_name} down")
        yield FakeBus.Pod(self, pod.region_name)

    class Pod:
        def __init__(self, bus: FakeBus, region: str) -> None:
            self.bus, self.region = bus, region

        def tunnel_sync(self, tunnel_ip: str, tunnel_type: str, host: str) -> None:
            self.bus.sent.append((self.region, "sync", tunnel_ip, tunnel_type, host))

        def tunnel_delete(self, tunnel_ip: str, tunnel_type: str) -> None:
            self.bus.sent.append((self.region, "delete", tunnel_ip, tunnel_type))


@pytest.fixture
def bus(monkeypatch) -> FakeBus:
    fake = FakeBus()
    monkeypatch.setattr(tunnels, "neutron_bus", fake)
    return fake


def agent(host: str, ip: str | None, types: list[str] | None = None) -> dict:
    configurations = {"tunnel_types": ["vxlan"] if types is None else types}
    if ip:
        configurations["tunneling_ip"] = ip
    return {"host": host, "agent_type": "Open vSwitch agent", "configurations": configurations}


@pytest.fixture
def pods(keystone) -> dict[str, Pod]:
    made = {}
    for number in (1, 2, 3):
        region = f"Pod{number}"
        keystone.add_region(region)
        made[region] = PodFactory(region_name=region, az_name=f"az{number}", transport_url=BUS)
    return made


def agents_of(keystone, region: str, agents: list[dict], status: int = 200) -> None:
    keystone.mocker.get(
        f"http://{region.lower()}.test/networking/v2.0/agents",
        json={"agents": agents},
        status_code=status,
    )


def test_each_pod_is_told_the_other_pods_endpoints_under_hosts_named_by_region(keystone, pods, bus):
    agents_of(keystone, "Pod1", [agent("compute", "198.18.0.1"), agent("l3", None, [])])
    agents_of(keystone, "Pod2", [agent("compute", "198.18.0.2")])
    agents_of(keystone, "Pod3", [])
    result = tunnels.converge_tunnel_endpoints()
    assert sorted(bus.sent) == [
        ("Pod1", "sync", "198.18.0.2", "vxlan", "Pod2:compute"),
        ("Pod2", "sync", "198.18.0.1", "vxlan", "Pod1:compute"),
        ("Pod3", "sync", "198.18.0.1", "vxlan", "Pod1:compute"),
        ("Pod3", "sync", "198.18.0.2", "vxlan", "Pod2:compute"),
    ]
    assert result.told == 4
    assert TunnelEndpoint.objects.count() == 2


def test_a_pod_without_a_transport_url_is_not_told_but_its_endpoints_are_told(keystone, pods, bus):
    Pod.objects.filter(region_name="Pod3").update(transport_url="")
    agents_of(keystone, "Pod1", [])
    agents_of(keystone, "Pod2", [])
    agents_of(keystone, "Pod3", [agent("c3", "198.18.0.3")])
    tunnels.converge_tunnel_endpoints()
    assert sorted(bus.sent) == [
        ("Pod1", "sync", "198.18.0.3", "vxlan", "Pod3:c3"),
        ("Pod2", "sync", "198.18.0.3", "vxlan", "Pod3:c3"),
    ]


def test_an_address_a_pod_has_itself_is_never_told_to_it(keystone, pods, bus):
    """ML2 would give the address to the other pod's host, taking it from its own agent."""
    agents_of(keystone, "Pod1", [agent("a", "198.18.0.1")])
    agents_of(keystone, "Pod2", [agent("b", "198.18.0.1")])
    agents_of(keystone, "Pod3", [])
    tunnels.converge_tunnel_endpoints()
    assert ("Pod1", "sync", "198.18.0.1", "vxlan", "Pod2:b") not in bus.sent
    assert ("Pod2", "sync", "198.18.0.1", "vxlan", "Pod1:a") not in bus.sent
    assert ("Pod3", "sync", "198.18.0.1", "vxlan", "Pod1:a") in bus.sent


def test_endpoints_of_a_deleted_pod_and_of_a_gone_agent_are_withdrawn(keystone, pods, bus):
    agents_of(keystone, "Pod1", [agent("c1", "198.18.0.1")])
    agents_of(keystone, "Pod2", [agent("c2", "198.18.0.2"), agent("c2b", "198.18.0.22")])
    agents_of(keystone, "Pod3", [agent("c3", "198.18.0.3")])
    tunnels.converge_tunnel_endpoints()
    pods["Pod3"].delete()
    agents_of(keystone, "Pod2", [agent("c2", "198.18.0.2")])
    bus.sent.clear()
    result = tunnels.converge_tunnel_endpoints()
    deletes = sorted(sent for sent in bus.sent if sent[1] == "delete")
    assert deletes == [
        ("Pod1", "delete", "198.18.0.22", "vxlan"),
        ("Pod1", "delete", "198.18.0.3", "vxlan"),
        ("Pod2", "delete", "198.18.0.3", "vxlan"),
    ]
    assert result.withdrawn == 3
    assert set(TunnelEndpoint.objects.values_list("ip_address", flat=True)) == {
        "198.18.0.1",
        "198.18.0.2",
    }


def test_a_pod_whose_bus_is_down_gets_the_withdrawal_on_a_later_run(keystone, pods, bus):
    agents_of(keystone, "Pod1", [agent("c1", "198.18.0.1")])
    agents_of(keystone, "Pod2", [])
    agents_of(keystone, "Pod3", [])
    tunnels.converge_tunnel_endpoints()
    agents_of(keystone, "Pod1", [])
    bus.down.add("Pod2")
    with pytest.raises(ServiceUnavailable, match="not told to Pod2"):
        tunnels.converge_tunnel_endpoints()
    assert TunnelEndpoint.objects.get(ip_address="198.18.0.1").gone
    bus.down.clear()
    bus.sent.clear()
    tunnels.converge_tunnel_endpoints()
    assert ("Pod2", "delete", "198.18.0.1", "vxlan") in bus.sent
    assert not TunnelEndpoint.objects.exists()


def test_a_pod_that_does_not_answer_keeps_its_endpoints(keystone, pods, bus):
    agents_of(keystone, "Pod1", [agent("c1", "198.18.0.1")])
    agents_of(keystone, "Pod2", [])
    agents_of(keystone, "Pod3", [])
    tunnels.converge_tunnel_endpoints()
    agents_of(keystone, "Pod1", [], status=503)
    bus.sent.clear()
    with pytest.raises(ServiceUnavailable, match="agents not read in Pod1"):
        tunnels.converge_tunnel_endpoints()
    assert ("Pod2", "sync", "198.18.0.1", "vxlan", "Pod1:c1") in bus.sent
    assert not [sent for sent in bus.sent if sent[1] == "delete"]
    assert not TunnelEndpoint.objects.get(ip_address="198.18.0.1").gone


def test_adding_changing_or_deleting_a_pod_asks_for_a_sync_but_a_health_check_does_not():
    def requested() -> int:
        return Job.objects.filter(type=TUNNEL_ENDPOINTS_SYNC).count()

    PodFactory(region_name="Pod9", az_name="az9")
    assert requested() == 0  # no pod can be told anything: no job
    pod = PodFactory(region_name="Pod8", az_name="az8", transport_url=BUS)
    assert requested() == 1
    Job.objects.all().delete()
    pod.health_status = "up"
    pod.save(update_fields=["health_status", "updated_at"])
    assert requested() == 0
    pod.save()
    assert requested() == 1
    Job.objects.all().delete()
    TunnelEndpoint.objects.create(
        region_name="Pod8", host="c8", ip_address="198.18.0.8", tunnel_type="vxlan"
    )
    pod.delete()
    assert requested() == 1  # its endpoints are withdrawn from the others
