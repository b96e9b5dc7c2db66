"""converge_router with the pods converged at once, by pool threads: pods that each wait for the
other's call (a barrier with a timeout) are only served when they are called concurrently; a
run with nothing to change reads each pod's router once and writes nothing; adding a subnet
writes only what changed. Then the scenarios of test_l3_convergence again, in threads.

Transactional tests: the pool threads use database connections of their own, which see only
committed rows (inside a transaction the fan-out runs in the caller's thread)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from urllib.parse import urlparse

import pytest

from networking import bottom, l3
from pods.clients import NeutronClient
from pods.models import Pod
from tests.factories import PodFactory
from tests.fake_neutron import FakeNeutron

# The scenarios of the serial module, collected here again (their fixture with them).
from tests.test_l3_convergence import (  # noqa: F401
    cloud,
    test_a_removed_interface_takes_its_pod_routes_and_bridge_ports_away,
    test_a_router_deleted_at_the_top_leaves_nothing_in_the_pods,
    test_a_router_hinted_to_a_pod_gets_a_bottom_router_there_first,
    test_a_second_run_changes_nothing,
    test_a_subnet_in_each_of_two_pods_gives_two_bottom_routers_joined_by_the_bridge,
    test_a_subnet_spanning_pods_keeps_the_gateway_in_its_first_pod,
    test_north_south_exits_through_the_external_networks_pod,
)

pytestmark = pytest.mark.django_db(transaction=True)

NEUTRON = "http://central-neutron.test:9696"
PROJECT = "demo-project"
BARRIER_TIMEOUT = 5.0


class Lab:
    """The central Neutron and `count` pods, each with a network of its own materialised there
    and attached to one router."""

    def __init__(self, keystone, count: int):
        self.keystone = keystone
        self.top = FakeNeutron(keystone.mocker, NEUTRON)
        self.pods: dict[str, FakeNeutron] = {}
        self.pod: dict[str, Pod] = {}
        for index in range(1, count + 1):
            base = keystone.add_region(f"Pod{index}")
            self.pods[f"Pod{index}"] = FakeNeutron(keystone.mocker, f"{base}/networking")
            self.pod[f"Pod{index}"] = PodFactory(region_name=f"Pod{index}", az_name=f"az{index}")
        self.router = self.top.add("routers", name="r", project_id=PROJECT)
        for index in range(1, count + 1):
            self.add_subnet(f"Pod{index}", f"10.{index}.0.0/24")

    def add_subnet(self, region: str, cidr: str) -> dict:
        net = self.top.add("networks", name=f"net-{cidr}", project_id=PROJECT)
        subnet = self.top.add(
            "subnets", network_id=net["id"], cidr=cidr, project_id=PROJECT, enable_dhcp=False
        )
        bottom.ensure_network(self.pod[region], net["id"], PROJECT)
        self.top.add(
            "ports",
            network_id=net["id"],
            project_id=PROJECT,
            fixed_ips=[{"subnet_id": subnet["id"], "ip_address": subnet["gateway_ip"]}],
            device_id=self.router["id"],
            device_owner="network:router_interface",
        )
        return subnet

    def converge(self) -> dict[str, Counter]:
        """Run the job's work; {region, or 'top': Counter of (method, path kind) called}."""
        start = len(self.keystone.mocker.request_history)
        l3.converge_router(self.router["id"])
        called: dict[str, Counter] = {name: Counter() for name in [*self.pods, "top"]}
        for request in self.keystone.mocker.request_history[start:]:
            for name, fake in [*self.pods.items(), ("top", self.top)]:
                if request.url.startswith(fake.base + "/"):
                    called[name][(request.method, kind(request.url, fake.base))] += 1
        return called


def kind(url: str, base: str) -> str:
    """A call's path with its ids left out: routers/ID/add_router_interface, ports, ..."""
    parts = urlparse(url[len(base) :]).path.strip("/").split("/")
    return "/".join(part if index % 2 == 0 else "ID" for index, part in enumerate(parts))


def writes(called: Counter) -> Counter:
    return Counter({key: count for key, count in called.items() if key[0] != "GET"})


@pytest.fixture
def lab(settings, keystone):
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    return lambda count: Lab(keystone, count)


def block_until_all_called(monkeypatch, lab: Lab, method: str, path: str) -> list[str]:
    """Every pod's `method path` (a pattern) waits until every pod has been called so: the
    barrier breaks after BARRIER_TIMEOUT when they are called one after the other. Returns
    the threads that made the calls. (The wait is in the client: requests_mock serves one
    request at a time.)"""
    barrier = threading.Barrier(len(lab.pods), timeout=BARRIER_TIMEOUT)
    threads: list[str] = []
    call = NeutronClient.call

    def blocking(client, method_called, path_called, body=None, **params):
        if (
            client.where.startswith("Neutron of ")
            and method_called == method
            and re.fullmatch(path, path_called)
        ):
            threads.append(threading.current_thread().name)
            barrier.wait()
        return call(client, method_called, path_called, body, **params)

    monkeypatch.setattr(NeutronClient, "call", blocking)
    return threads


def test_the_pods_routers_are_made_at_once(monkeypatch, lab):
    two = lab(2)
    threads = block_until_all_called(monkeypatch, two, "POST", "/routers")
    two.converge()
    assert len(threads) == 2 and threading.current_thread().name not in threads
    assert all(fake.named("routers", two.router["id"]) for fake in two.pods.values())


def test_a_pods_router_and_its_interface_port_copies_are_made_at_once(monkeypatch, lab):
    """The router's POST and the copies' POSTs each wait for the other: served only when
    made concurrently."""
    one = lab(1)
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT)
    call = NeutronClient.call

    def blocking(client, method, path, body=None, **params):
        if client.where.startswith("Neutron of ") and (method, path) in {
            ("POST", "/routers"),
            ("POST", "/ports"),
        }:
            barrier.wait()
        return call(client, method, path, body, **params)

    monkeypatch.setattr(NeutronClient, "call", blocking)
    one.converge()
    router = one.pods["Pod1"].named("routers", one.router["id"])[0]
    assert len(one.pods["Pod1"].interfaces(router["id"])) == 1


def test_the_routes_of_all_pods_change_at_once(monkeypatch, lab):
    three = lab(3)
    three.converge()
    three.add_subnet("Pod1", "10.50.0.0/24")
    # Pod2 and Pod3 get a route to the new subnet; Pod1 its interface.
    threads = block_until_all_called(monkeypatch, three, "GET", "/routers/[^/]+")
    called = three.converge()
    assert len(set(threads)) == 3
    assert writes(called["Pod2"]) == writes(called["Pod3"]) == Counter({("PUT", "routers/ID"): 1})


def test_the_pods_a_deleted_router_leaves_are_emptied_at_once(monkeypatch, lab):
    two = lab(2)
    two.converge()
    for port in list(two.top.items["ports"].values()):
        if port["device_owner"] == "network:router_interface":
            del two.top.items["ports"][port["id"]]
    del two.top.items["routers"][two.router["id"]]
    threads = block_until_all_called(monkeypatch, two, "DELETE", "/routers/[^/]+")
    l3.converge_router(two.router["id"])
    assert len(set(threads)) == 2
    assert all(fake.items["routers"] == {} for fake in two.pods.values())


@pytest.mark.parametrize("count", [2, 5])
def test_a_run_with_nothing_to_change_reads_each_pod_once_and_writes_nothing(lab, count):
    pods_lab = lab(count)
    pods_lab.converge()
    called = pods_lab.converge()
    for region in pods_lab.pods:
        assert called[region] == Counter({("GET", "routers/ID"): 1, ("GET", "ports"): 1})
    assert writes(called["top"]) == Counter()
    # The router, its ports, subnets and floating IPs; the bridge network and its subnet.
    assert sum(called["top"].values()) == 6


@pytest.mark.parametrize("count", [2, 5])
def test_a_new_subnet_writes_its_interface_and_the_other_pods_routes_only(lab, count):
    pods_lab = lab(count)
    pods_lab.converge()
    pods_lab.add_subnet("Pod1", "10.50.0.0/24")
    called = pods_lab.converge()
    assert writes(called["Pod1"]) == Counter(
        {
            ("POST", "subnets"): 1,
            ("POST", "ports"): 1,
            ("PUT", "routers/ID/add_router_interface"): 1,
        }
    )
    for region in list(pods_lab.pods)[1:]:
        assert writes(called[region]) == Counter({("PUT", "routers/ID"): 1})
        assert sum(called[region].values()) == 3  # the router and its ports read once
    assert writes(called["top"]) == Counter()


@pytest.mark.parametrize("count", [2, 5])
def test_a_first_setup_reads_nothing_of_the_routers_it_makes(lab, count):
    pods_lab = lab(count)
    called = pods_lab.converge()
    for region in pods_lab.pods:
        # Only the look by name for a router the routing table does not know (a pod makes a
        # second router of a name); the bridge network, subnets and ports are made at once
        # (a pod refuses them twice: the copy is looked for only then).
        gets = {key: n for key, n in called[region].items() if key[0] == "GET"}
        assert gets == {("GET", "routers"): 1}


def test_an_interface_replaced_on_its_subnet_goes_before_the_new_one_comes(lab):
    """An interface removed and another added on the same subnet before the pod's router caught
    up: the new one has a new top port, so a new copy, and a router has one port per subnet."""
    pods_lab = lab(2)
    pods_lab.converge()
    old = next(
        port
        for port in pods_lab.top.items["ports"].values()
        if port["device_owner"] == "network:router_interface"
        and port["fixed_ips"][0]["ip_address"] == "10.1.0.1"
    )
    subnet_id = old["fixed_ips"][0]["subnet_id"]
    del pods_lab.top.items["ports"][old["id"]]
    new = pods_lab.top.add(
        "ports",
        network_id=old["network_id"],
        project_id=PROJECT,
        fixed_ips=[{"subnet_id": subnet_id, "ip_address": "10.1.0.5"}],
        device_id=pods_lab.router["id"],
        device_owner="network:router_interface",
    )
    pods_lab.converge()
    pod1 = pods_lab.pods["Pod1"]
    router = pod1.named("routers", pods_lab.router["id"])[0]
    names = {port["name"] for port in pod1.interfaces(router["id"])}
    assert new["id"] in names and old["id"] not in names
