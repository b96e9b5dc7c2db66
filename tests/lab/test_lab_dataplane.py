"""Packets, not only state: cross-pod L2, L3 and north-south through the data-plane lab
(`lab.py up --dataplane`: real OVS and L3 agents on a userspace Open vSwitch per pod).

"VMs" are namespaces plugged into a pod's br-int (tests/lab/dataplane.py). Every test prints
the time from the API call to the first packet through ("converged in ..."). They skip unless
the lab is a data-plane lab; `-m dataplane` selects them alone.

Two groups:
- `test_pods_*`: each pod's own Neutron called directly as the lab's admin, without Tricircle:
  what the pods and their agents do by themselves (a shared VLAN, VXLAN and what its tunnels
  need, a router's gateway, SNAT and DNAT on physnet1). They need no Tricircle.
- `test_tricircle_*`: the issue's paths through Tricircle's top region (servers booted with the
  openstack CLI at the top, their bottom ports plugged in their pods).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.lab.dataplane import (
    DataPlane,
    Vm,
    forget_tunnel_endpoint,
    register_tunnel_endpoint,
)
from tests.lab.http_client import direct

pytestmark = pytest.mark.dataplane

CONVERGE = 120  # seconds a path gets from the API call to its first packet
CUT = 8  # seconds a cut path must stay silent


@pytest.fixture(scope="module")
def plane(lab: dict[str, Any]) -> Iterator[DataPlane]:
    if not lab.get("dataplane"):
        pytest.skip("not a data-plane lab (lab.py up --dataplane)")
    made = DataPlane(lab["dataplane"])
    yield made
    made.cleanup()


def report(what: str, seconds: float | None) -> None:
    shown = "NEVER" if seconds is None else f"{seconds:.1f}s"
    print(f"\n[dataplane] {what}: converged in {shown}")


def converge(what: str, check: Callable[[], bool], since: float) -> float:
    seconds = DataPlane.time_to(check, since, CONVERGE)
    report(what, seconds)
    assert seconds is not None, f"{what}: no packet through in {CONVERGE}s"
    return seconds


# --------------------------------------------------------------------------------------------
# The pods by themselves (no Tricircle)
# --------------------------------------------------------------------------------------------


class PodNeutron:
    """A pod's Neutron as the lab's admin; everything made is deleted by cleanup()."""

    def __init__(self, lab: dict[str, Any], region: str):
        (pod,) = [p for p in lab["pods"] if p["region_name"] == region]
        self.api = direct(lab, "admin", pod["neutron_url"] + "/v2.0")
        self.region = region
        self.host = lab["dataplane"]["pods"][region]["host"]
        self.made: list[str] = []

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.api.request(path, method, json=body)
        assert response.status_code < 300, f"{self.region} {method} {path}: {response.text}"
        return response.json() if response.content else None

    def make(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = collection.rstrip("s") if collection != "security-groups" else "security_group"
        made = self.call("POST", f"/{collection}", {kind: body})[kind]
        self.made.append(f"/{collection}/{made['id']}")
        return made

    def network(self, cidr: str, **provider: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        name = f"dp-{uuid.uuid4().hex[:6]}"
        net = self.make("networks", {"name": name, **provider})
        subnet = self.make(
            "subnets",
            {"network_id": net["id"], "cidr": cidr, "ip_version": 4, "enable_dhcp": False},
        )
        return net, subnet

    def open_group(self) -> dict[str, Any]:
        """A security group letting ICMP and TCP in (from anywhere)."""
        group = self.make("security-groups", {"name": f"dp-open-{uuid.uuid4().hex[:6]}"})
        for protocol in ("icmp", "tcp"):
            self.rule(group, protocol)
        return group

    def rule(self, group: dict[str, Any], protocol: str) -> dict[str, Any]:
        body = {
            "security_group_id": group["id"],
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": protocol,
            "remote_ip_prefix": "0.0.0.0/0",
        }
        return self.call("POST", "/security-group-rules", {"security_group_rule": body})[
            "security_group_rule"
        ]

    def port(self, net: dict[str, Any], subnet: dict[str, Any], ip: str, group: dict[str, Any]):
        return self.make(
            "ports",
            {
                "network_id": net["id"],
                "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": ip}],
                "security_groups": [group["id"]],
                "binding:host_id": self.host,  # the pod's compute host: its OVS agent wires it
                "device_owner": "compute:lab",
                "device_id": str(uuid.uuid4()),
            },
        )

    def cleanup(self) -> None:
        for path in reversed(self.made):
            if path.startswith("/routers/"):
                router = self.api.get(path).json().get("router") or {}
                if router.get("external_gateway_info"):
                    self.api.put(path, json={"router": {"external_gateway_info": {}}})
                ports = self.api.get("/ports", params={"device_id": path.split("/")[-1]}).json()[
                    "ports"
                ]
                for port in ports:
                    if port["device_owner"] == "network:router_interface":
                        self.api.put(
                            f"{path}/remove_router_interface", json={"port_id": port["id"]}
                        )
            self.api.delete(path)


@pytest.fixture
def pods(lab: dict[str, Any], plane: DataPlane) -> Iterator[dict[str, PodNeutron]]:
    made = {region: PodNeutron(lab, region) for region in ("Pod1", "Pod2")}
    yield made
    plane.cleanup()
    for neutron in made.values():
        neutron.cleanup()


def two_vms(
    plane: DataPlane, pods: dict[str, PodNeutron], cidr_prefix: str, **provider: Any
) -> tuple[Vm, Vm]:
    """The same segment made in both pods, a port in each, plugged."""
    vms = []
    for number, region in ((11, "Pod1"), (12, "Pod2")):
        neutron = pods[region]
        net, subnet = neutron.network(f"{cidr_prefix}.0/24", **provider)
        port = neutron.port(net, subnet, f"{cidr_prefix}.{number}", neutron.open_group())
        vms.append(plane.plug(region, port, subnet, mtu=net["mtu"]))
    return vms[0], vms[1]


def test_pods_share_a_vlan_segment_on_physnet1(plane, pods) -> None:
    segment = random.randint(2900, 2999)
    started = time.monotonic()
    one, two = two_vms(
        plane,
        pods,
        "10.91.0",
        **{
            "provider:network_type": "vlan",
            "provider:physical_network": "physnet1",
            "provider:segmentation_id": segment,
        },
    )
    tags = plane.wait_bound(one), plane.wait_bound(two)
    print(f"\n[dataplane] VLAN {segment}: local tags {tags}")
    converge("VLAN Pod1 -> Pod2 ping", lambda: plane.ping(one, two.ip), started)
    assert plane.ping(two, one.ip)
    assert plane.tcp_connect(one, two) and plane.tcp_connect(two, one)


def test_pods_vxlan_needs_each_pod_to_know_the_others_tunnel_endpoint(lab, plane, pods) -> None:
    vni = random.randint(9000, 9999)
    one, two = two_vms(
        plane,
        pods,
        "10.92.0",
        **{"provider:network_type": "vxlan", "provider:segmentation_id": vni},
    )
    plane.wait_bound(one), plane.wait_bound(two)
    facts = lab["dataplane"]["pods"]
    # Each pod's Neutron knows its own agent's endpoint only: no tunnel between the pods.
    assert facts["Pod2"]["tunnel_ip"] not in plane.tunnels("Pod1"), "left by an earlier run"
    assert plane.stays_down(lambda: plane.ping(one, two.ip), CUT)
    # What the original Tricircle did with its shadow agents: each pod learns the other's
    # (tunnel IP, host); its agent then makes a tunnel port, and floods reach the other pod.
    started = time.monotonic()
    try:
        for region, other in (("Pod1", "Pod2"), ("Pod2", "Pod1")):
            known = register_tunnel_endpoint(
                lab, region, facts[other]["tunnel_ip"], facts[other]["host"]
            )
            print(f"\n[dataplane] {region} knows VXLAN endpoints {known}")
        converge(f"VXLAN {vni} Pod1 -> Pod2 ping", lambda: plane.ping(one, two.ip), started)
        assert plane.ping(two, one.ip)
        assert plane.tcp_connect(one, two) and plane.tcp_connect(two, one)
    finally:
        for region, other in (("Pod1", "Pod2"), ("Pod2", "Pod1")):
            forget_tunnel_endpoint(lab, region, facts[other]["tunnel_ip"])


def test_pods_router_gateway_snat_and_floating_ip_on_physnet1(plane, pods) -> None:
    """A router of Pod1 (its L3 agent): the VM reaches its gateway, an address outside through
    SNAT on a flat external network of physnet1, and the outside reaches it through DNAT."""
    neutron = pods["Pod1"]
    net, subnet = neutron.network("10.93.0.0/24")  # the pod's default: vxlan
    port = neutron.port(net, subnet, "10.93.0.11", neutron.open_group())
    tag = uuid.uuid4().hex[:6]
    ext = neutron.make(
        "networks",
        {
            "name": f"dp-ext-{tag}",
            "router:external": True,
            "provider:network_type": "flat",
            "provider:physical_network": "physnet1",
        },
    )
    neutron.make(
        "subnets",
        {
            "network_id": ext["id"],
            "cidr": "203.0.113.0/24",
            "ip_version": 4,
            "enable_dhcp": False,
            "gateway_ip": "203.0.113.1",
            "allocation_pools": [{"start": "203.0.113.100", "end": "203.0.113.200"}],
        },
    )
    outside = plane.external(tag, "203.0.113.1/24")
    vm = plane.plug("Pod1", port, subnet, mtu=net["mtu"])
    plane.wait_bound(vm)

    started = time.monotonic()
    router = neutron.make("routers", {"name": f"dp-{tag}"})
    neutron.call(
        "PUT", f"/routers/{router['id']}/add_router_interface", {"subnet_id": subnet["id"]}
    )
    converge("Pod1 router: VM -> its gateway", lambda: plane.ping(vm, "10.93.0.1"), started)

    started = time.monotonic()
    neutron.call(
        "PUT",
        f"/routers/{router['id']}",
        {"router": {"external_gateway_info": {"network_id": ext["id"]}}},
    )
    converge("Pod1 router: SNAT VM -> outside", lambda: plane.ping(vm, outside.ip), started)
    assert plane.tcp_connect_to(vm, outside, outside.ip)

    started = time.monotonic()
    fip = neutron.make("floatingips", {"floating_network_id": ext["id"], "port_id": port["id"]})
    address = fip["floating_ip_address"]
    converge(
        f"Pod1 router: DNAT outside -> {address}", lambda: plane.ping(outside, address), started
    )
    assert plane.tcp_connect_to(outside, vm, address)
