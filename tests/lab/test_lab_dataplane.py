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
        """Floating IPs first, then routers (routes, gateway and interfaces before the router:
        a route or a gateway holds its network), then the rest, newest first."""
        paths = list(reversed(self.made))
        first = [p for p in paths if p.startswith("/floatingips/")]
        routers = [p for p in paths if p.startswith("/routers/")]
        for path in first:
            self.api.delete(path)
        for path in routers:
            self.drop_router(path.split("/")[-1])
        for path in paths:
            if path not in first and path not in routers:
                self.api.delete(path)

    def drop_router(self, router_id: str) -> None:
        path = f"/routers/{router_id}"
        self.api.put(path, json={"router": {"routes": [], "external_gateway_info": {}}})
        ports = self.api.get("/ports", params={"device_id": router_id}).json()["ports"]
        for port in ports:
            if port["device_owner"].startswith("network:router_interface"):
                self.api.put(f"{path}/remove_router_interface", json={"port_id": port["id"]})
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
    # A Tricircle of an earlier session told each pod the other's endpoint (networking.tunnels,
    # kept in the pods' databases): forgotten first, to see the pods by themselves.
    for region, other in (("Pod1", "Pod2"), ("Pod2", "Pod1")):
        forget_tunnel_endpoint(lab, region, facts[other]["tunnel_ip"])
    DataPlane.time_to(
        lambda: facts["Pod2"]["tunnel_ip"] not in plane.tunnels("Pod1"), time.monotonic(), 30
    )
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


def vlan(segment: int) -> dict[str, Any]:
    return {
        "provider:network_type": "vlan",
        "provider:physical_network": "physnet1",
        "provider:segmentation_id": segment,
    }


def test_pods_tricircle_l3_plan_made_by_hand_over_vlans(plane, pods) -> None:
    """What networking/l3 plans, made by hand in the pods, with the bridge network and the
    stretched network on VLANs of physnet1 (no tunnel needed): a bottom router per pod on the
    bridge, extra routes via the other router's bridge IP (east-west both ways); the exit pod's
    router with the gateway and a default route to it in the other pod (SNAT for a subnet of
    Pod2); the Pod2 network stretched to Pod1, where the exit router has a port of its own on it
    and a floating IP on a shadow of the VM's port (DNAT; replies return through Pod2's router
    and the bridge)."""
    one, two = pods["Pod1"], pods["Pod2"]
    bridge_segment, b_segment = random.sample(range(2900, 3000), 2)
    bridge_ip = {"Pod1": "100.0.0.2", "Pod2": "100.0.0.3"}
    routers = {}
    for region, neutron in pods.items():
        net, subnet = neutron.network("100.0.0.0/24", **vlan(bridge_segment))
        port = neutron.make(
            "ports",
            {
                "network_id": net["id"],
                "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": bridge_ip[region]}],
            },
        )
        routers[region] = neutron.make("routers", {"name": f"dp-plan-{region}"})["id"]
        neutron.call(
            "PUT", f"/routers/{routers[region]}/add_router_interface", {"port_id": port["id"]}
        )
    net_a, subnet_a = one.network("10.71.0.0/24")  # VXLAN, in Pod1 only
    net_b, subnet_b = two.network("10.72.0.0/24", **vlan(b_segment))
    port_b = two.port(net_b, subnet_b, "10.72.0.11", two.open_group())
    a = plane.plug(
        "Pod1",
        one.port(net_a, subnet_a, "10.71.0.11", one.open_group()),
        subnet_a,
        mtu=net_a["mtu"],
    )
    b = plane.plug("Pod2", port_b, subnet_b)
    plane.wait_bound(a), plane.wait_bound(b)

    started = time.monotonic()
    for neutron, router, subnet in (
        (one, routers["Pod1"], subnet_a),
        (two, routers["Pod2"], subnet_b),
    ):
        neutron.call("PUT", f"/routers/{router}/add_router_interface", {"subnet_id": subnet["id"]})
    to_b = {"destination": "10.72.0.0/24", "nexthop": bridge_ip["Pod2"]}
    to_a = {"destination": "10.71.0.0/24", "nexthop": bridge_ip["Pod1"]}
    one.call("PUT", f"/routers/{routers['Pod1']}", {"router": {"routes": [to_b]}})
    two.call("PUT", f"/routers/{routers['Pod2']}", {"router": {"routes": [to_a]}})
    both_ways(plane, "plan by hand: east-west over a VLAN bridge", a, b, started)

    ext = one.make(
        "networks",
        {
            "name": "dp-plan-ext",
            "router:external": True,
            "provider:network_type": "flat",
            "provider:physical_network": "physnet1",
        },
    )
    one.make(
        "subnets",
        {
            "network_id": ext["id"],
            "cidr": "203.0.113.0/24",
            "ip_version": 4,
            "enable_dhcp": False,
            "allocation_pools": [{"start": "203.0.113.100", "end": "203.0.113.200"}],
        },
    )
    outside = plane.external("plan", "203.0.113.1/24")
    started = time.monotonic()
    gateway = {"external_gateway_info": {"network_id": ext["id"]}}
    one.call("PUT", f"/routers/{routers['Pod1']}", {"router": gateway})
    default = {"destination": "0.0.0.0/0", "nexthop": bridge_ip["Pod1"]}
    two.call("PUT", f"/routers/{routers['Pod2']}", {"router": {"routes": [to_a, default]}})
    converge(
        "plan by hand: SNAT Pod2 -> outside via Pod1", lambda: plane.ping(b, outside.ip), started
    )
    assert plane.tcp_connect_to(b, outside, outside.ip)

    net_b1, subnet_b1 = one.network("10.72.0.0/24", **vlan(b_segment))
    own = one.make(
        "ports",
        {
            "network_id": net_b1["id"],
            "fixed_ips": [{"subnet_id": subnet_b1["id"], "ip_address": "10.72.0.5"}],
        },
    )
    one.call("PUT", f"/routers/{routers['Pod1']}/add_router_interface", {"port_id": own["id"]})
    one.call("PUT", f"/routers/{routers['Pod1']}", {"router": {"routes": []}})
    shadow = one.make(
        "ports",
        {
            "network_id": net_b1["id"],
            "fixed_ips": [{"subnet_id": subnet_b1["id"], "ip_address": "10.72.0.11"}],
            "mac_address": port_b["mac_address"],
            "security_groups": [one.open_group()["id"]],
            "device_owner": "compute:shadow",
            "binding:host_id": "shadow-Pod2",  # as networking/l2.py binds shadows
        },
    )
    assert shadow["binding:vif_type"] == "binding_failed"  # no agent of that host: no matter
    started = time.monotonic()
    fip = one.make("floatingips", {"floating_network_id": ext["id"], "port_id": shadow["id"]})
    address = fip["floating_ip_address"]
    converge(
        f"plan by hand: DNAT outside -> {address} -> Pod2",
        lambda: plane.ping(outside, address),
        started,
    )
    assert plane.tcp_connect_to(outside, b, address)
    assert plane.ping(b, outside.ip) and plane.ping(a, b.ip) and plane.ping(b, a.ip)


def test_pods_a_remote_group_rule_knows_only_the_pods_own_ports(plane, pods) -> None:
    """A group like `default` (ingress from its own members only), copied into both pods: a VM
    of the other pod is no member there, so its packets are dropped; a shadow of its port in
    the group (what networking/l2.py makes for VXLAN networks only) makes it one."""
    segment = random.randint(2900, 2999)
    vms, groups, nets = {}, {}, {}
    for number, region in ((11, "Pod1"), (12, "Pod2")):
        neutron = pods[region]
        net, subnet = neutron.network("10.94.0.0/24", **vlan(segment))
        group = neutron.make("security-groups", {"name": f"dp-like-default-{number}"})
        rule = {"security_group_id": group["id"], "direction": "ingress", "ethertype": "IPv4"}
        rule["remote_group_id"] = group["id"]
        neutron.call("POST", "/security-group-rules", {"security_group_rule": rule})
        port = neutron.port(net, subnet, f"10.94.0.{number}", group)
        vms[region] = plane.plug(region, port, subnet)
        groups[region], nets[region] = group, (net, subnet, port)
    for vm in vms.values():
        plane.wait_bound(vm), plane.wait_filtered(vm)
    assert plane.stays_down(lambda: plane.ping(vms["Pod1"], vms["Pod2"].ip), CUT)
    started = time.monotonic()
    for region, other in (("Pod1", "Pod2"), ("Pod2", "Pod1")):
        net, subnet, _ = nets[region]
        remote = nets[other][2]
        pods[region].make(
            "ports",
            {
                "network_id": net["id"],
                "fixed_ips": [
                    {"subnet_id": subnet["id"], "ip_address": remote["fixed_ips"][0]["ip_address"]}
                ],
                "mac_address": remote["mac_address"],
                "security_groups": [groups[region]["id"]],
                "device_owner": "compute:shadow",
                "binding:host_id": f"shadow-{other}",
            },
        )
    both_ways(plane, "remote group with shadows", vms["Pod1"], vms["Pod2"], started)


# --------------------------------------------------------------------------------------------
# Through Tricircle's top region (the openstack CLI as the demo user; servers booted at the top)
# --------------------------------------------------------------------------------------------


class Top:
    """What a test made at the top, deleted (in reverse) at its end."""

    def __init__(self, lab: dict[str, Any], openstack: Any, plane: DataPlane, pod_neutrons: Any):
        self.lab = lab
        self.openstack = openstack
        self.plane = plane
        self.pods = pod_neutrons
        self.undo: list[tuple[str, ...]] = []
        self.demo_project = openstack("lab-admin", "project", "show", "demo")["id"]

    def __call__(self, *args: str, cloud: str = "lab-demo") -> Any:
        return self.openstack(cloud, *args)

    def network(
        self, cidr: str, *options: str, admin: bool = False, for_demo: bool = True
    ) -> tuple[dict, dict]:
        """A top network and its subnet; `admin`: made by the admin (provider attributes), for
        the demo project unless `for_demo` is False (an external network)."""
        name = f"dp-{uuid.uuid4().hex[:6]}"
        cloud = "lab-admin" if admin else "lab-demo"
        owner = ["--project", self.demo_project] if admin and for_demo else []
        net = self("network", "create", name, *options, *owner, cloud=cloud)
        self.undo.append((cloud, "network", "delete", net["id"]))
        extra = [] if for_demo else ["--no-dhcp"]
        subnet = self(
            *("subnet", "create", name, "--network", net["id"], "--subnet-range", cidr),
            *owner,
            *extra,
            cloud=cloud,
        )
        return net, subnet

    def open_group(self, *protocols: str) -> dict:
        group = self("security", "group", "create", f"dp-{uuid.uuid4().hex[:6]}")
        self.undo.append(("lab-demo", "security", "group", "delete", group["id"]))
        for protocol in protocols:
            self.rule(group, protocol)
        return group

    def rule(self, group: dict, protocol: str) -> dict:
        return self(
            *("security", "group", "rule", "create", group["id"], "--ingress"),
            *("--protocol", protocol, "--remote-ip", "0.0.0.0/0"),
        )

    def boot(self, net: dict, zone: str, *groups: dict) -> dict:
        options = [arg for group in groups for arg in ("--security-group", group["id"])]
        server = self.openstack.boot(f"dp-{zone}-{uuid.uuid4().hex[:6]}", net["id"], zone, *options)
        self.undo.append(("lab-demo", "server", "delete", "--wait", server["id"]))
        return server

    def plug(self, server: dict) -> Vm:
        """The server's bottom port, in the pod that holds the server (top and bottom servers
        have one id: the pod whose Neutron has a port of that device; the bottom port's own id
        differs from the top port's, whose id is its name), plugged as the server's VM."""
        found = [
            (region, neutron, port)
            for region, neutron in self.pods.items()
            for port in neutron.get("/ports", device_id=server["id"])["ports"]
        ]
        assert len(found) == 1, f"server {server['id']}: bottom ports {found}"
        ((region, neutron, port),) = found
        (address,) = port["fixed_ips"]
        subnet = neutron.get(f"/subnets/{address['subnet_id']}")["subnet"]
        network = neutron.get(f"/networks/{port['network_id']}")["network"]
        vm = self.plane.plug(region, port, subnet, mtu=network["mtu"])
        vm.extra["top_port"] = port["name"]
        self.plane.wait_bound(vm)
        self.plane.wait_filtered(vm)
        return vm

    def cleanup(self) -> None:
        self.plane.cleanup()
        for command in reversed(self.undo):
            cloud, *args = command
            if args[:2] in (["network", "delete"], ["security", "group"]):
                # bottom copies go through jobs: a network in use a moment longer is retried
                DataPlane.time_to(
                    lambda c=cloud, a=args: self.openstack.run(c, *a).returncode == 0,
                    time.monotonic(),
                    60,
                )
            else:
                self.openstack.run(cloud, *args)


@pytest.fixture
def top(lab, plane, openstack, pod_neutrons) -> Iterator[Top]:
    made = Top(lab, openstack, plane, pod_neutrons)
    yield made
    made.cleanup()


def both_ways(plane: DataPlane, what: str, a: Vm, b: Vm, since: float) -> None:
    """Ping a -> b (timed from `since`), then b -> a, then TCP both ways."""
    converge(f"{what}: {a} -> {b} ping", lambda: plane.ping(a, b.ip), since)
    converge(f"{what}: {b} -> {a} ping", lambda: plane.ping(b, a.ip), since)
    assert plane.tcp_connect(a, b), f"{what}: TCP {a} -> {b}"
    assert plane.tcp_connect(b, a), f"{what}: TCP {b} -> {a}"


def test_tricircle_one_network_over_vxlan_in_pod1_and_pod2(top, plane) -> None:
    """A tenant network of the top (VXLAN, allocated centrally) with a server in each pod, both
    in the project's default security group: they reach each other as in one cloud."""
    net, _ = top.network("10.61.0.0/24")
    # Provider attributes are for admins (the demo user sees None).
    shown = top("network", "show", net["id"], cloud="lab-admin")
    assert shown["provider:network_type"] == "vxlan"
    started = time.monotonic()
    a, b = top.boot(net, "az1"), top.boot(net, "az2")
    one, two = top.plug(a), top.plug(b)
    print(
        f"\n[dataplane] tunnels: Pod1 -> {plane.tunnels('Pod1')}, Pod2 -> {plane.tunnels('Pod2')}"
    )
    both_ways(plane, "VXLAN network across pods", one, two, started)


def test_tricircle_one_network_over_a_shared_vlan_in_pod1_and_pod2(top, plane) -> None:
    """The same over a VLAN segment of physnet1 (a provider network the admin made for demo)."""
    net, _ = top.network(
        "10.62.0.0/24",
        *("--provider-network-type", "vlan", "--provider-physical-network", "physnet1"),
        admin=True,
    )
    started = time.monotonic()
    a, b = top.boot(net, "az1"), top.boot(net, "az2")
    one, two = top.plug(a), top.plug(b)
    both_ways(plane, "VLAN network across pods", one, two, started)


def test_tricircle_two_networks_in_two_pods_through_one_router(top, plane) -> None:
    """East-west through one top router: a bottom router per pod, the bridge network, extra
    routes. Both directions; after subnet B leaves the router, neither way passes."""
    net_a, subnet_a = top.network("10.63.0.0/24")
    net_b, subnet_b = top.network("10.64.0.0/24")
    # A group open to ICMP and TCP: this test is about routing (the default group's
    # remote-group rule is another matter: test_pods_a_remote_group_rule_*).
    group = top.open_group("icmp", "tcp")
    a, b = top.boot(net_a, "az1", group), top.boot(net_b, "az2", group)
    one, two = top.plug(a), top.plug(b)
    router = top("router", "create", f"dp-{uuid.uuid4().hex[:6]}")
    top.undo.append(("lab-demo", "router", "delete", router["id"]))
    started = time.monotonic()
    for subnet in (subnet_a, subnet_b):
        top("router", "add", "subnet", router["id"], subnet["id"])
        top.undo.append(("lab-demo", "router", "remove", "subnet", router["id"], subnet["id"]))
    both_ways(plane, "east-west through the top router", one, two, started)

    top("router", "remove", "subnet", router["id"], subnet_b["id"])
    top.undo.remove(("lab-demo", "router", "remove", "subnet", router["id"], subnet_b["id"]))
    started = time.monotonic()
    gone = DataPlane.time_to(lambda: not plane.ping(one, two.ip), started, CONVERGE)
    report("interface B removed: A -> B stops", gone)
    assert gone is not None
    assert plane.stays_down(lambda: plane.ping(one, two.ip) or plane.ping(two, one.ip), CUT)


def test_tricircle_north_south_snat_through_the_exit_pod_and_dnat_to_a_floating_ip(
    top, plane
) -> None:
    """A server in Pod2 reaches an address of the external network (which lives in Pod1, the
    exit pod) through SNAT, and its floating IP is reached from the external side (DNAT in
    Pod1 to the server's own address, through its shadow port on the stretched network)."""
    ext, _ = top.network(
        "203.0.113.0/24",
        *("--external", "--availability-zone-hint", "Pod1"),
        *("--provider-network-type", "flat", "--provider-physical-network", "physnet1"),
        admin=True,
        for_demo=False,
    )
    outside = plane.external(uuid.uuid4().hex[:6], "203.0.113.1/24")
    group = top.open_group("icmp", "tcp")  # the outside is no member of any group
    net, subnet = top.network("10.65.0.0/24")
    server = top.boot(net, "az2", group)
    vm = top.plug(server)
    router = top("router", "create", f"dp-{uuid.uuid4().hex[:6]}")
    top.undo.append(("lab-demo", "router", "delete", router["id"]))
    top("router", "add", "subnet", router["id"], subnet["id"])
    top.undo.append(("lab-demo", "router", "remove", "subnet", router["id"], subnet["id"]))
    started = time.monotonic()
    top("router", "set", router["id"], "--external-gateway", ext["id"])
    top.undo.append(("lab-demo", "router", "unset", "--external-gateway", router["id"]))
    converge("SNAT: Pod2 server -> outside", lambda: plane.ping(vm, outside.ip), started)
    assert plane.tcp_connect_to(vm, outside, outside.ip)

    started = time.monotonic()
    fip = top("floating", "ip", "create", ext["id"], "--port", vm.extra["top_port"])
    top.undo.append(("lab-demo", "floating", "ip", "delete", fip["id"]))
    address = fip["floating_ip_address"]
    converge(f"DNAT: outside -> {address}", lambda: plane.ping(outside, address), started)
    assert plane.tcp_connect_to(outside, vm, address)


def test_tricircle_a_security_group_rule_removed_at_the_top_stops_its_flow_in_both_pods(
    top, plane
) -> None:
    """Servers in Pod1 and Pod2 on one VLAN network, in a group letting ICMP and TCP in: ping
    passes both ways (each direction is filtered in the receiving pod). The ICMP rule removed
    at the top: ping stops both ways, TCP still passes."""
    net, _ = top.network(
        "10.66.0.0/24",
        *("--provider-network-type", "vlan", "--provider-physical-network", "physnet1"),
        admin=True,
    )
    group = top.open_group("tcp")
    icmp = top.rule(group, "icmp")
    a, b = top.boot(net, "az1", group), top.boot(net, "az2", group)
    one, two = top.plug(a), top.plug(b)
    both_ways(plane, "the group's rules", one, two, time.monotonic())

    started = time.monotonic()
    top("security", "group", "rule", "delete", icmp["id"])
    for src, dst, pod in ((one, two, "Pod2"), (two, one, "Pod1")):
        stopped = DataPlane.time_to(lambda s=src, d=dst: not plane.ping(s, d.ip), started, CONVERGE)
        report(f"ICMP rule removed: stops in {pod}", stopped)
        assert stopped is not None
    assert plane.stays_down(lambda: plane.ping(one, two.ip) or plane.ping(two, one.ip), CUT)
    assert plane.tcp_connect(one, two) and plane.tcp_connect(two, one)
