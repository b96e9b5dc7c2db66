"""Cross-pod L3 through Tricircle with the real openstack CLI, checked directly in each pod's
Neutron: one top router over a subnet in Pod1 and one in Pod2 becomes a bottom router per pod,
joined by the project's bridge network, with exactly the expected extra routes; north-south
through an external network in Pod1; a floating IP for the Pod2 server realised in Pod1; races.

The lab has no L3 agent: what is checked is the state of each pod's Neutron (routers,
interfaces, routes, gateway, floating IPs, shadow ports), not packet forwarding."""

from __future__ import annotations

import json
import threading
import urllib.request
import uuid
from typing import Any

import pytest

from tests.lab.waiting import eventually

CONVERGE_TIMEOUT = 150


def _net(openstack, cidr: str) -> tuple[dict, dict]:
    return openstack.network_with_subnet(f"l3-{uuid.uuid4().hex[:8]}", cidr)


def _boot(openstack, net_id: str, zone: str) -> dict:
    return openstack.boot(f"l3-{zone}-{uuid.uuid4().hex[:6]}", net_id, zone)


def _in_threads(*calls: Any) -> list[Any]:
    """Run the calls at the same time; their results, or the first exception raised."""
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Any) -> None:
        try:
            results[index] = call()
        except BaseException as exc:  # handed back to the test thread
            results[index] = exc

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


class Pods:
    """What each pod's Neutron holds for one top router (read directly, as the lab's admin)."""

    def __init__(self, pod_neutrons: dict, central_neutron: Any, router: dict):
        self.neutrons = pod_neutrons
        self.central = central_neutron
        self.router_id = router["id"]
        self.project_id = router["project_id"]

    def bridge(self) -> dict | None:
        """The project's bridge network at the top (made by the first router job)."""
        found = self.central.get("/networks", name=f"bridge_net_{self.project_id}")["networks"]
        return found[0] if found else None

    def router(self, region: str) -> dict | None:
        found = self.neutrons[region].get("/routers", name=self.router_id)["routers"]
        return found[0] if found else None

    def interfaces(self, region: str) -> dict[str, str]:
        """{top subnet id (the bottom subnet's name) or 'bridge': interface IP}."""
        router = self.router(region)
        if router is None:
            return {}
        neutron = self.neutrons[region]
        ports = neutron.get(
            "/ports", device_id=router["id"], device_owner="network:router_interface"
        )["ports"]
        found = {}
        for port in ports:
            for ip in port["fixed_ips"]:
                subnet = neutron.get(f"/subnets/{ip['subnet_id']}")["subnet"]
                network = neutron.get(f"/networks/{subnet['network_id']}")["network"]
                bridge = self.bridge()
                key = "bridge" if bridge and network["name"] == bridge["id"] else subnet["name"]
                found[key] = ip["ip_address"]
        return found

    def routes(self, region: str) -> set[tuple[str, str]] | None:
        router = self.router(region)
        if router is None:
            return None
        return {(route["destination"], route["nexthop"]) for route in router["routes"]}


@pytest.fixture(scope="module")
def l3(openstack, pod_neutrons, central_neutron):
    """Two top networks with a server each (A in az1/Pod1, B in az2/Pod2) and a router."""
    made: dict[str, Any] = {"servers": [], "nets": [], "subnets": [], "fips": [], "ext": None}
    net_a, subnet_a = _net(openstack, "10.41.0.0/24")
    net_b, subnet_b = _net(openstack, "10.42.0.0/24")
    made["nets"] += [net_a["id"], net_b["id"]]
    router = openstack("lab-demo", "router", "create", f"l3-{uuid.uuid4().hex[:8]}")
    made["router"] = router["id"]
    servers = _in_threads(
        lambda: _boot(openstack, net_a["id"], "az1"), lambda: _boot(openstack, net_b["id"], "az2")
    )
    made["servers"] += [server["id"] for server in servers]
    pods = Pods(pod_neutrons, central_neutron, router)
    yield {
        "a": (net_a, subnet_a, servers[0]),
        "b": (net_b, subnet_b, servers[1]),
        "router": router,
        "pods": pods,
        "made": made,
    }
    for fip in made["fips"]:
        openstack.run("lab-demo", "floating", "ip", "delete", fip)
    for server in made["servers"]:
        openstack.run("lab-demo", "server", "delete", "--wait", server)
    openstack.run("lab-demo", "router", "unset", "--external-gateway", router["id"])
    for subnet_id in made["subnets"]:
        openstack.run("lab-demo", "router", "remove", "subnet", router["id"], subnet_id)

    def reserved_ports_gone() -> bool:
        ports = central_neutron.get("/ports", device_id=router["id"])["ports"]
        return not [port for port in ports if port["device_owner"].startswith("network:router_")]

    eventually(reserved_ports_gone, timeout=CONVERGE_TIMEOUT)
    openstack.run("lab-demo", "router", "delete", router["id"])
    for net_id in made["nets"]:
        eventually(
            lambda net_id=net_id: (
                openstack.run("lab-demo", "network", "delete", net_id).returncode == 0
            ),
            timeout=60,
            interval=3,
        )
    if made["ext"]:
        eventually(
            lambda: openstack.run("lab-admin", "network", "delete", made["ext"]).returncode == 0,
            timeout=60,
            interval=3,
        )
    # Bottom copies go through jobs: wait for them, so this session's Tricircle (stopped at the
    # end of the session) leaves nothing behind in the pods.
    for top_id in [*made["nets"], made["ext"]]:
        if top_id:
            eventually(
                lambda top_id=top_id: (
                    not any(
                        neutron.get("/networks", name=top_id)["networks"]
                        for neutron in pod_neutrons.values()
                    )
                ),
                timeout=90,
                interval=2,
            )


def _top_ip(server: dict) -> str:
    (address,) = [ip for ips in server["addresses"].values() for ip in ips]
    return address


def _bridge_ip(pods: Pods, region: str) -> str:
    return pods.interfaces(region).get("bridge", "")


def test_bottom_routers_bridge_and_routes_after_two_interfaces_at_once(
    openstack, l3, pod_neutrons, central_neutron, lab, tricircle
):
    _, subnet_a, _ = l3["a"]
    _, subnet_b, _ = l3["b"]
    router, pods = l3["router"], l3["pods"]
    l3["made"]["subnets"] += [subnet_a["id"], subnet_b["id"]]
    # Both interfaces at once: two requests for one router job, converged from the top state.
    _in_threads(
        lambda: openstack("lab-demo", "router", "add", "subnet", router["id"], subnet_a["id"]),
        lambda: openstack("lab-demo", "router", "add", "subnet", router["id"], subnet_b["id"]),
    )
    assert eventually(pods.bridge, timeout=CONVERGE_TIMEOUT), "no bridge network at the top"
    bridge = pods.bridge()

    def converged() -> bool:
        one, two = pods.interfaces("Pod1"), pods.interfaces("Pod2")
        if set(one) != {subnet_a["id"], "bridge"} or set(two) != {subnet_b["id"], "bridge"}:
            return False
        return pods.routes("Pod1") == {(subnet_b["cidr"], two["bridge"])} and pods.routes(
            "Pod2"
        ) == {(subnet_a["cidr"], one["bridge"])}

    assert eventually(converged, timeout=CONVERGE_TIMEOUT), (
        pods.interfaces("Pod1"),
        pods.interfaces("Pod2"),
        pods.routes("Pod1"),
        pods.routes("Pod2"),
    )
    # Each subnet's gateway IP is on the router of the pod holding it.
    assert pods.interfaces("Pod1")[subnet_a["id"]] == subnet_a["gateway_ip"]
    assert pods.interfaces("Pod2")[subnet_b["id"]] == subnet_b["gateway_ip"]
    # The bridge: one segment, allocated at the top, the same in both pods.
    segments = set()
    for region in ("Pod1", "Pod2"):
        (copy,) = pod_neutrons[region].get("/networks", name=bridge["id"])["networks"]
        segments.add((copy["provider:network_type"], copy["provider:segmentation_id"]))
    assert segments == {(bridge["provider:network_type"], bridge["provider:segmentation_id"])}
    assert bridge["provider:network_type"] in {"vxlan", "vlan"}

    # Operators see the same through the admin API.
    token = openstack("lab-admin", "token", "issue")["id"]
    request = urllib.request.Request(
        f"{lab['tricircle_url']}/v1.0/routers/{router['id']}", headers={"X-Auth-Token": token}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        status = json.loads(answer.read())["router"]
    assert [pod["region_name"] for pod in status["pods"]] == ["Pod1", "Pod2"]
    assert status["bridge_network"]["id"] == bridge["id"]
    assert status["bridge_network"]["pods"] == ["Pod1", "Pod2"]
    assert {(r["destination"], r["nexthop"]) for r in status["pods"][0]["routes"]} == (
        pods.routes("Pod1")
    )
    assert status["last_job"]["status"] in {"SUCCESS", "RUNNING", "NEW"}


def test_north_south_through_pod1_and_a_floating_ip_for_the_pod2_server(
    openstack, l3, pod_neutrons, central_neutron
):
    _, subnet_a, _ = l3["a"]
    _, subnet_b, server_b = l3["b"]
    router, pods, made = l3["router"], l3["pods"], l3["made"]
    name = f"l3-ext-{uuid.uuid4().hex[:6]}"
    ext = openstack(
        "lab-admin",
        "network",
        "create",
        name,
        "--external",
        "--availability-zone-hint",
        "Pod1",
        "--provider-network-type",
        "vlan",
        "--provider-physical-network",
        "physnet1",
    )
    made["ext"] = ext["id"]
    openstack(
        "lab-admin",
        "subnet",
        "create",
        name,
        "--network",
        ext["id"],
        "--subnet-range",
        "172.31.7.0/24",
        "--no-dhcp",
    )
    # The external network exists only in Pod1, as an external network there.
    (bottom_ext,) = pod_neutrons["Pod1"].get("/networks", name=ext["id"])["networks"]
    assert bottom_ext["router:external"] is True
    assert pod_neutrons["Pod2"].get("/networks", name=ext["id"])["networks"] == []

    openstack("lab-demo", "router", "set", router["id"], "--external-gateway", ext["id"])
    top_router = openstack("lab-demo", "router", "show", router["id"])
    (top_gateway_ip,) = [
        ip["ip_address"] for ip in top_router["external_gateway_info"]["external_fixed_ips"]
    ]

    def exit_in_pod1() -> bool:
        bottom_router = pods.router("Pod1")
        gateway = bottom_router and bottom_router["external_gateway_info"]
        if not gateway or gateway["network_id"] != bottom_ext["id"]:
            return False
        one = pods.interfaces("Pod1")
        return [ip["ip_address"] for ip in gateway["external_fixed_ips"]] == [
            top_gateway_ip
        ] and pods.routes("Pod2") == {
            (subnet_a["cidr"], one["bridge"]),
            ("0.0.0.0/0", one["bridge"]),
        }

    assert eventually(exit_in_pod1, timeout=CONVERGE_TIMEOUT), (
        pods.router("Pod1"),
        pods.routes("Pod2"),
    )
    assert not pods.router("Pod2")["external_gateway_info"]

    (top_port,) = central_neutron.get("/ports", device_id=server_b["id"])["ports"]
    fip = openstack("lab-demo", "floating", "ip", "create", ext["id"], "--port", top_port["id"])
    made["fips"].append(fip["id"])
    vm_ip = _top_ip(openstack("lab-demo", "server", "show", server_b["id"]))

    def fip_in_pod1() -> list[dict]:
        found = pod_neutrons["Pod1"].get(
            "/floatingips", floating_ip_address=fip["floating_ip_address"]
        )["floatingips"]
        return [item for item in found if item["port_id"] and item["fixed_ip_address"] == vm_ip]

    assert eventually(fip_in_pod1, timeout=CONVERGE_TIMEOUT)
    (bottom_fip,) = fip_in_pod1()
    shadow = pod_neutrons["Pod1"].get(f"/ports/{bottom_fip['port_id']}")["port"]
    assert shadow["device_owner"] == "compute:shadow"
    assert shadow["mac_address"] == top_port["mac_address"]
    assert (
        pod_neutrons["Pod2"].get("/floatingips", floating_ip_address=fip["floating_ip_address"])[
            "floatingips"
        ]
        == []
    )
    # Subnet B now spans Pod1 (the shadow) and Pod2: Pod1's router has a port of its own on it,
    # Pod2's keeps the gateway IP, and B is connected in Pod1 (no route needed there).
    one = pods.interfaces("Pod1")
    assert one[subnet_b["id"]] not in {subnet_b["gateway_ip"], vm_ip}
    assert pods.interfaces("Pod2")[subnet_b["id"]] == subnet_b["gateway_ip"]
    assert eventually(lambda: pods.routes("Pod1") == set(), timeout=CONVERGE_TIMEOUT)

    # The floating IP goes: so does its bottom copy.
    openstack("lab-demo", "floating", "ip", "delete", fip["id"])
    made["fips"].remove(fip["id"])
    assert eventually(lambda: not fip_in_pod1(), timeout=CONVERGE_TIMEOUT)


def test_removing_an_interface_removes_its_routes(openstack, l3, central_neutron):
    _, subnet_a, _ = l3["a"]
    _, subnet_b, _ = l3["b"]
    router, pods = l3["router"], l3["pods"]
    openstack.run("lab-demo", "router", "unset", "--external-gateway", router["id"])
    openstack("lab-demo", "router", "remove", "subnet", router["id"], subnet_b["id"])
    l3["made"]["subnets"].remove(subnet_b["id"])

    def top_port_owners() -> list[str]:
        ports = central_neutron.get("/ports", device_id=router["id"])["ports"]
        return [port["device_owner"] for port in ports]

    def only_pod1_left() -> bool:
        # The job tears Pod2's router down first, then frees the ports it reserved at the top.
        return (
            pods.router("Pod2") is None
            and pods.routes("Pod1") == set()
            and set(pods.interfaces("Pod1")) == {subnet_a["id"]}
            and not (pods.router("Pod1") or {}).get("external_gateway_info")
            and top_port_owners() == ["network:router_interface"]
        )

    assert eventually(only_pod1_left, timeout=CONVERGE_TIMEOUT), (
        pods.router("Pod2"),
        pods.routes("Pod1"),
        pods.interfaces("Pod1"),
        top_port_owners(),
    )


def test_a_server_booting_while_an_interface_is_added_converges(openstack, l3):
    _, subnet_a, _ = l3["a"]
    router, pods, made = l3["router"], l3["pods"], l3["made"]
    net_c, subnet_c = _net(openstack, "10.43.0.0/24")
    made["nets"].append(net_c["id"])
    made["subnets"].append(subnet_c["id"])
    server, _ = _in_threads(
        lambda: _boot(openstack, net_c["id"], "az2"),
        lambda: openstack("lab-demo", "router", "add", "subnet", router["id"], subnet_c["id"]),
    )
    made["servers"].append(server["id"])

    def converged() -> bool:
        one, two = pods.interfaces("Pod1"), pods.interfaces("Pod2")
        if set(one) != {subnet_a["id"], "bridge"} or set(two) != {subnet_c["id"], "bridge"}:
            return False
        return pods.routes("Pod1") == {(subnet_c["cidr"], two["bridge"])} and pods.routes(
            "Pod2"
        ) == {(subnet_a["cidr"], one["bridge"])}

    assert eventually(converged, timeout=CONVERGE_TIMEOUT), (
        pods.interfaces("Pod1"),
        pods.interfaces("Pod2"),
        pods.routes("Pod1"),
        pods.routes("Pod2"),
    )
