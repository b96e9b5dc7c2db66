"""converge_router against stateful fake Neutrons (the central one and three pods): bottom
routers, interfaces, the bridge network, extra routes, north-south and floating IPs, removal,
idempotence."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from networking import bottom, l3, placement
from pods.models import Pod
from routing.models import ResourceRouting
from tests.factories import PodFactory, RoutingFactory
from tests.fake_neutron import FakeNeutron
from tricircle_site.exceptions import ServiceUnavailable

pytestmark = pytest.mark.django_db

NEUTRON = "http://central-neutron.test:9696"
PROJECT = "demo-project"


@dataclass
class Cloud:
    top: FakeNeutron
    pods: dict[str, FakeNeutron]
    pod: dict[str, Pod]
    router: dict

    def network(self, cidr: str) -> tuple[dict, dict]:
        net = self.top.add("networks", name=f"net-{cidr}", project_id=PROJECT)
        subnet = self.top.add(
            "subnets", network_id=net["id"], cidr=cidr, project_id=PROJECT, enable_dhcp=False
        )
        return net, subnet

    def attach(self, subnet: dict) -> dict:
        return self.top.add(
            "ports",
            network_id=subnet["network_id"],
            project_id=PROJECT,
            fixed_ips=[{"subnet_id": subnet["id"], "ip_address": subnet["gateway_ip"]}],
            device_id=self.router["id"],
            device_owner="network:router_interface",
        )

    def materialise(self, region: str, net: dict) -> None:
        bottom.ensure_network(self.pod[region], net["id"], PROJECT)

    def bottom_router(self, region: str) -> dict | None:
        found = self.pods[region].named("routers", self.router["id"])
        return found[0] if found else None

    def interfaces(self, region: str) -> dict[str, str]:
        """{top subnet id, or 'bridge': the interface's IP} of the pod's bottom router."""
        router = self.bottom_router(region)
        neutron = self.pods[region]
        found = {}
        for port in neutron.interfaces(router["id"]) if router else []:
            for ip in port["fixed_ips"]:
                subnet = neutron.items["subnets"][ip["subnet_id"]]
                network = neutron.items["networks"][subnet["network_id"]]
                bridge = self.top.named("networks", f"bridge_net_{PROJECT}")
                is_bridge = bridge and network["name"] == bridge[0]["id"]
                found["bridge" if is_bridge else subnet["name"]] = ip["ip_address"]
        return found

    def routes(self, region: str) -> set[tuple[str, str]]:
        router = self.bottom_router(region)
        return {(route["destination"], route["nexthop"]) for route in router["routes"]}


@pytest.fixture
def cloud(settings, keystone) -> Cloud:
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    top = FakeNeutron(keystone.mocker, NEUTRON)
    pods, pod = {}, {}
    for index in (1, 2, 3):
        base = keystone.add_region(f"Pod{index}")
        pods[f"Pod{index}"] = FakeNeutron(keystone.mocker, f"{base}/networking")
        pod[f"Pod{index}"] = PodFactory(region_name=f"Pod{index}", az_name=f"az{index}")
    router = top.add("routers", name="r", project_id=PROJECT)
    return Cloud(top=top, pods=pods, pod=pod, router=router)


def test_a_subnet_in_each_of_two_pods_gives_two_bottom_routers_joined_by_the_bridge(cloud):
    net_a, subnet_a = cloud.network("10.1.0.0/24")
    net_b, subnet_b = cloud.network("10.2.0.0/24")
    cloud.attach(subnet_a)
    cloud.attach(subnet_b)
    cloud.materialise("Pod1", net_a)
    cloud.materialise("Pod2", net_b)

    l3.converge_router(cloud.router["id"])

    one, two = cloud.interfaces("Pod1"), cloud.interfaces("Pod2")
    assert one == {subnet_a["id"]: "10.1.0.1", "bridge": one["bridge"]}
    assert two == {subnet_b["id"]: "10.2.0.1", "bridge": two["bridge"]}
    assert one["bridge"] != two["bridge"]
    assert cloud.routes("Pod1") == {("10.2.0.0/24", two["bridge"])}
    assert cloud.routes("Pod2") == {("10.1.0.0/24", one["bridge"])}
    assert cloud.bottom_router("Pod3") is None
    # The bridge: allocated at the top, the same segment in both pods, IPs reserved at the top.
    (bridge,) = cloud.top.named("networks", f"bridge_net_{PROJECT}")
    for region in ("Pod1", "Pod2"):
        (copy,) = cloud.pods[region].named("networks", bridge["id"])
        assert copy["provider:network_type"] == bridge["provider:network_type"] == "vxlan"
        assert copy["provider:segmentation_id"] == bridge["provider:segmentation_id"]
    reserved = {
        port["name"]: port["fixed_ips"][0]["ip_address"]
        for port in cloud.top.items["ports"].values()
        if port["device_owner"] == l3.BRIDGE_PORT_OWNER
    }
    assert reserved == {"bridge_Pod1": one["bridge"], "bridge_Pod2": two["bridge"]}
    (bridge_subnet,) = [
        s for s in cloud.top.items["subnets"].values() if s["network_id"] == bridge["id"]
    ]
    assert bridge_subnet["cidr"] == "100.0.0.0/9" and bridge_subnet["gateway_ip"] is None


def test_a_second_run_changes_nothing(cloud):
    net_a, subnet_a = cloud.network("10.1.0.0/24")
    net_b, subnet_b = cloud.network("10.2.0.0/24")
    cloud.attach(subnet_a)
    cloud.attach(subnet_b)
    cloud.materialise("Pod1", net_a)
    cloud.materialise("Pod2", net_b)
    l3.converge_router(cloud.router["id"])
    for fake in (cloud.top, *cloud.pods.values()):
        fake.writes.clear()
    l3.converge_router(cloud.router["id"])
    assert [fake.writes for fake in (cloud.top, *cloud.pods.values())] == [[], [], [], []]


def test_a_removed_interface_takes_its_pod_routes_and_bridge_ports_away(cloud):
    net_a, subnet_a = cloud.network("10.1.0.0/24")
    net_b, subnet_b = cloud.network("10.2.0.0/24")
    cloud.attach(subnet_a)
    interface_b = cloud.attach(subnet_b)
    cloud.materialise("Pod1", net_a)
    cloud.materialise("Pod2", net_b)
    l3.converge_router(cloud.router["id"])

    del cloud.top.items["ports"][interface_b["id"]]
    l3.converge_router(cloud.router["id"])

    assert cloud.bottom_router("Pod2") is None
    assert cloud.interfaces("Pod1") == {subnet_a["id"]: "10.1.0.1"}
    assert cloud.routes("Pod1") == set()
    assert not [
        port
        for port in cloud.top.items["ports"].values()
        if port["device_owner"] in {l3.BRIDGE_PORT_OWNER, l3.POD_INTERFACE_OWNER}
    ]
    regions = ResourceRouting.objects.filter(top_id=cloud.router["id"]).values_list(
        "pod__region_name", flat=True
    )
    assert list(regions) == ["Pod1"]
    # The bridge ports' bottom copies left with their interfaces: no stale routing entries.
    for entry in ResourceRouting.objects.filter(resource_type="port"):
        assert entry.bottom_id in cloud.pods[entry.pod.region_name].items["ports"]


def test_a_subnet_spanning_pods_keeps_the_gateway_in_its_first_pod(cloud):
    net_a, subnet_a = cloud.network("10.1.0.0/24")
    net_c, subnet_c = cloud.network("10.3.0.0/24")
    cloud.attach(subnet_a)
    cloud.attach(subnet_c)
    cloud.materialise("Pod1", net_a)
    cloud.materialise("Pod2", net_a)
    cloud.materialise("Pod3", net_c)

    l3.converge_router(cloud.router["id"])

    one, two, three = (cloud.interfaces(region) for region in ("Pod1", "Pod2", "Pod3"))
    assert one[subnet_a["id"]] == "10.1.0.1"
    (reserved,) = [
        port
        for port in cloud.top.items["ports"].values()
        if port["device_owner"] == l3.POD_INTERFACE_OWNER
    ]
    assert reserved["name"].startswith("interface_Pod2_")
    assert two[subnet_a["id"]] == reserved["fixed_ips"][0]["ip_address"] != "10.1.0.1"
    # A is connected in Pod1 and Pod2; Pod3 reaches it through its first pod.
    assert cloud.routes("Pod1") == {("10.3.0.0/24", three["bridge"])}
    assert cloud.routes("Pod2") == {("10.3.0.0/24", three["bridge"])}
    assert cloud.routes("Pod3") == {("10.1.0.0/24", one["bridge"])}


def test_north_south_exits_through_the_external_networks_pod(cloud):
    net_a, subnet_a = cloud.network("10.1.0.0/24")
    net_b, subnet_b = cloud.network("10.2.0.0/24")
    cloud.attach(subnet_a)
    cloud.attach(subnet_b)
    cloud.materialise("Pod1", net_a)
    cloud.materialise("Pod2", net_b)
    ext = cloud.top.add("networks", name="ext", project_id="admin", **{"router:external": True})
    ext_subnet = cloud.top.add(
        "subnets", network_id=ext["id"], cidr="172.24.4.0/24", project_id="admin", enable_dhcp=False
    )
    placement.store_hints(ext["id"], "network", "admin", ["Pod1"])
    cloud.top._set_gateway(cloud.router, {"network_id": ext["id"]})
    (top_gateway_ip,) = [
        ip["ip_address"] for ip in cloud.router["external_gateway_info"]["external_fixed_ips"]
    ]
    vm_port = cloud.top.add(
        "ports",
        network_id=net_b["id"],
        project_id=PROJECT,
        fixed_ips=[{"subnet_id": subnet_b["id"]}],
        device_id="server-b",
        device_owner="compute:az2",
    )
    bottom.ensure_port(cloud.pod["Pod2"], vm_port["id"], PROJECT)
    RoutingFactory(top_id="server-b", pod=cloud.pod["Pod2"], resource_type="server")
    fip = cloud.top.add(
        "floatingips",
        floating_network_id=ext["id"],
        floating_ip_address="172.24.4.50",
        port_id=vm_port["id"],
        project_id=PROJECT,
    )
    assert fip["router_id"] == cloud.router["id"]

    l3.converge_router(cloud.router["id"])

    pod1, pod2 = cloud.pods["Pod1"], cloud.pods["Pod2"]
    (bottom_ext,) = pod1.named("networks", ext["id"])
    assert bottom_ext["router:external"] is True
    assert pod2.named("networks", ext["id"]) == []
    gateway = cloud.bottom_router("Pod1")["external_gateway_info"]
    assert gateway["network_id"] == bottom_ext["id"]
    (gateway_ip,) = gateway["external_fixed_ips"]
    assert gateway_ip["ip_address"] == top_gateway_ip
    assert pod1.items["subnets"][gateway_ip["subnet_id"]]["name"] == ext_subnet["id"]
    assert not cloud.bottom_router("Pod2")["external_gateway_info"]
    one, two = cloud.interfaces("Pod1"), cloud.interfaces("Pod2")
    assert cloud.routes("Pod2") == {("10.1.0.0/24", one["bridge"]), ("0.0.0.0/0", one["bridge"])}
    # The floating IP lives in Pod1, on a shadow of the Pod2 VM's port (its IP and MAC); B now
    # spans Pod2 (first, keeps its gateway) and Pod1 (a port of its own).
    (bottom_fip,) = pod1.items["floatingips"].values()
    assert bottom_fip["floating_ip_address"] == "172.24.4.50"
    assert bottom_fip["fixed_ip_address"] == vm_port["fixed_ips"][0]["ip_address"]
    assert bottom_fip["description"] == f"tricircle:{fip['id']}"
    shadow = pod1.items["ports"][bottom_fip["port_id"]]
    assert shadow["device_owner"] == "compute:shadow"
    assert shadow["mac_address"] == vm_port["mac_address"]
    assert pod2.items["floatingips"] == {}
    assert one[subnet_b["id"]] != "10.2.0.1" and two[subnet_b["id"]] == "10.2.0.1"
    assert cloud.routes("Pod1") == set()

    # Floating IP and gateway gone at the top: gone in the pods.
    del cloud.top.items["floatingips"][fip["id"]]
    cloud.top._set_gateway(cloud.router, {})
    l3.converge_router(cloud.router["id"])
    assert pod1.items["floatingips"] == {}
    assert not cloud.bottom_router("Pod1")["external_gateway_info"]
    assert ("0.0.0.0/0", one["bridge"]) not in cloud.routes("Pod2")


def test_a_router_hinted_to_a_pod_gets_a_bottom_router_there_first(cloud):
    _, subnet_a = cloud.network("10.1.0.0/24")
    cloud.attach(subnet_a)
    placement.store_hints(cloud.router["id"], "router", PROJECT, ["Pod3"])
    l3.converge_router(cloud.router["id"])
    assert cloud.interfaces("Pod3") == {subnet_a["id"]: "10.1.0.1"}
    assert cloud.bottom_router("Pod1") is None


def test_a_router_deleted_at_the_top_leaves_nothing_in_the_pods(cloud):
    net_a, subnet_a = cloud.network("10.1.0.0/24")
    net_b, subnet_b = cloud.network("10.2.0.0/24")
    cloud.attach(subnet_a)
    cloud.attach(subnet_b)
    cloud.materialise("Pod1", net_a)
    cloud.materialise("Pod2", net_b)
    l3.converge_router(cloud.router["id"])

    for port in list(cloud.top.items["ports"].values()):
        if port["device_owner"] == "network:router_interface":
            del cloud.top.items["ports"][port["id"]]
    del cloud.top.items["routers"][cloud.router["id"]]
    assert l3.converge_router(cloud.router["id"])["deleted"] is True

    assert cloud.pods["Pod1"].items["routers"] == {} == cloud.pods["Pod2"].items["routers"]
    assert not ResourceRouting.objects.filter(resource_type="router").exists()
    assert not [
        port
        for port in cloud.top.items["ports"].values()
        if port["device_owner"].startswith("network:router_")
    ]


def interface_removed_at_the_top(cloud: Cloud) -> tuple[dict, dict, ResourceRouting]:
    """Two subnets of Pod1 on the router, converged; then the second's interface removed at
    the top. The first subnet, the removed top interface and its copy's routing entry."""
    net_a, subnet_a = cloud.network("10.1.0.0/24")
    net_b, subnet_b = cloud.network("10.1.1.0/24")
    cloud.attach(subnet_a)
    interface_b = cloud.attach(subnet_b)
    cloud.materialise("Pod1", net_a)
    cloud.materialise("Pod1", net_b)
    l3.converge_router(cloud.router["id"])
    copy = ResourceRouting.objects.get(top_id=interface_b["id"], pod=cloud.pod["Pod1"])
    del cloud.top.items["ports"][interface_b["id"]]
    return subnet_a, interface_b, copy


def test_an_interface_removed_by_a_pod_whose_answer_was_lost_leaves_no_routing_entry(
    cloud, monkeypatch
):
    """The pod removed the interface (and so its port) but its answer never came (the pod's
    Neutron restarted): the run fails and is retried, and the retry starts from the pod's
    interfaces, which no longer name that port."""
    subnet_a, interface_b, copy = interface_removed_at_the_top(cloud)

    pod1 = cloud.pods["Pod1"]
    answer = pod1._router_action

    def done_but_unanswered(router, action, body, context):
        answer(router, action, body, context)
        if action == "remove_router_interface":
            raise requests.exceptions.ConnectionError("the pod's Neutron restarted")
        return None

    monkeypatch.setattr(pod1, "_router_action", done_but_unanswered)
    with pytest.raises(ServiceUnavailable):
        l3.converge_router(cloud.router["id"])
    monkeypatch.setattr(pod1, "_router_action", answer)
    l3.converge_router(cloud.router["id"])

    assert copy.bottom_id not in pod1.items["ports"]
    assert not ResourceRouting.objects.filter(top_id=interface_b["id"]).exists()
    assert cloud.interfaces("Pod1") == {subnet_a["id"]: "10.1.0.1"}


def test_an_interface_whose_removal_failed_is_removed_by_the_next_run(cloud, monkeypatch):
    subnet_a, _, copy = interface_removed_at_the_top(cloud)

    pod1 = cloud.pods["Pod1"]
    answer = pod1._router_action

    def refused(router, action, body, context):
        if action == "remove_router_interface":
            raise requests.exceptions.ConnectionError("the pod's Neutron is down")
        return answer(router, action, body, context)

    monkeypatch.setattr(pod1, "_router_action", refused)
    with pytest.raises(ServiceUnavailable):
        l3.converge_router(cloud.router["id"])
    assert copy.bottom_id in pod1.items["ports"]
    monkeypatch.setattr(pod1, "_router_action", answer)
    l3.converge_router(cloud.router["id"])

    assert copy.bottom_id not in pod1.items["ports"]
    assert cloud.interfaces("Pod1") == {subnet_a["id"]: "10.1.0.1"}
