"""Simultaneous calls through a real Tricircle end in one consistent state: boots racing to
materialise one new network in both pods, a multiple create, router interfaces added at the
same moment. (bench/bench_concurrency.py does the same at a larger scale.)"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.lab.http_client import Client
from tests.lab.tricircle_fixtures import DirectNeutron
from tests.lab.waiting import eventually

NET = "/networking/v2.0"
NOVA = "/compute/v2.1"


def boot_body(lab: dict[str, Any], name: str, network_id: str, zone: str, **extra: Any) -> dict:
    server = {
        "name": name,
        "flavorRef": "1",
        "imageRef": lab["image_id"],
        "availability_zone": zone,
        "networks": [{"uuid": network_id}],
    }
    return {"server": {**server, **extra}}


def network(demo: Client, name: str, cidr: str, **fields: Any) -> tuple[dict, dict]:
    net = demo.ok("POST", f"{NET}/networks", {"network": {"name": name, **fields}})["network"]
    subnet = demo.ok(
        "POST",
        f"{NET}/subnets",
        {"subnet": {"network_id": net["id"], "cidr": cidr, "ip_version": 4}},
    )["subnet"]
    return net, subnet


def named(neutron: DirectNeutron, collection: str, name: str) -> list[dict]:
    return neutron.get(f"/{collection}", name=name)[collection]


def all_active(demo: Client, prefix: str, count: int) -> bool:
    servers = demo.ok("GET", f"{NOVA}/servers/detail?name={prefix}")["servers"]
    assert not [s for s in servers if s["status"] == "ERROR"], servers
    return len(servers) == count and all(s["status"] == "ACTIVE" for s in servers)


def delete_all(demo: Client, prefix: str, network_id: str) -> None:
    servers = demo.ok("GET", f"{NOVA}/servers?name={prefix}")["servers"]
    for server in servers:
        demo.request("DELETE", f"{NOVA}/servers/{server['id']}")
    assert eventually(
        lambda: demo.ok("GET", f"{NOVA}/servers?name={prefix}")["servers"] == [], timeout=120
    )
    assert eventually(
        lambda: demo.request("DELETE", f"{NET}/networks/{network_id}").status_code in {204, 404},
        timeout=120,
    )


def test_simultaneous_boots_on_a_new_network_make_one_copy_of_each_resource(
    lab: dict[str, Any], demo: Client, pod_neutrons: dict[str, DirectNeutron]
) -> None:
    prefix = f"race-{uuid.uuid4().hex[:6]}"
    net, subnet = network(demo, prefix, "10.61.0.0/24")
    zones = ["az1", "az2"] * 3
    with ThreadPoolExecutor(len(zones)) as pool:
        answers = list(
            pool.map(
                lambda item: demo.request(
                    "POST",
                    f"{NOVA}/servers",
                    boot_body(lab, f"{prefix}-{item[0]}", net["id"], item[1]),
                ),
                enumerate(zones),
            )
        )
    try:
        assert [answer.status_code for answer in answers] == [202] * len(zones), [
            answer.text for answer in answers
        ]
        assert eventually(lambda: all_active(demo, prefix, len(zones)), timeout=180)
        ports = demo.ok("GET", f"{NET}/ports?network_id={net['id']}")["ports"]
        vm_ports = [port for port in ports if port["device_owner"].startswith("compute:")]
        assert len(vm_ports) == len(zones)
        for region, neutron in pod_neutrons.items():
            (bottom_net,) = named(neutron, "networks", net["id"])
            assert len(named(neutron, "subnets", subnet["id"])) == 1, region
            dhcp = neutron.get("/ports", network_id=bottom_net["id"], device_owner="network:dhcp")
            assert len(dhcp["ports"]) == 1, region
        for port in vm_ports:
            copies = [
                copy
                for neutron in pod_neutrons.values()
                for copy in named(neutron, "ports", port["id"])
            ]
            # one copy in the server's pod; in the other, at most its shadow (VxLAN)
            real = [copy for copy in copies if copy["device_owner"] != "compute:shadow"]
            assert len(real) == 1, port["id"]
            assert len(copies) - 1 <= len(pod_neutrons) - 1, port["id"]
            assert {copy["mac_address"] for copy in copies} == {port["mac_address"]}
    finally:
        delete_all(demo, prefix, net["id"])


def test_multiple_create_boots_that_many_servers_with_ports_of_their_own(
    lab: dict[str, Any], demo: Client
) -> None:
    prefix = f"multi-{uuid.uuid4().hex[:6]}"
    net, _ = network(demo, prefix, "10.62.0.0/24")
    try:
        answer = demo.request(
            "POST", f"{NOVA}/servers", boot_body(lab, prefix, net["id"], "az1", min_count=3)
        )
        assert answer.status_code == 202, answer.text
        assert eventually(lambda: all_active(demo, prefix, 3), timeout=180)
        servers = demo.ok("GET", f"{NOVA}/servers?name={prefix}")["servers"]
        assert sorted(server["name"] for server in servers) == [
            f"{prefix}-1",
            f"{prefix}-2",
            f"{prefix}-3",
        ]
        ports = demo.ok("GET", f"{NET}/ports?network_id={net['id']}")["ports"]
        assert (
            len({port["device_id"] for port in ports if port["device_owner"] != "network:dhcp"})
            == 3
        )
    finally:
        delete_all(demo, prefix, net["id"])


def test_simultaneous_interface_adds_converge_on_every_pod(
    lab: dict[str, Any], demo: Client, pod_neutrons: dict[str, DirectNeutron]
) -> None:
    prefix = f"rrace-{uuid.uuid4().hex[:6]}"
    router = demo.ok("POST", f"{NET}/routers", {"router": {"name": prefix}})["router"]
    regions = list(pod_neutrons)
    made = [
        network(
            demo,
            f"{prefix}-{index}",
            f"10.63.{index}.0/24",
            availability_zone_hints=[regions[index % len(regions)]],
        )
        for index in range(4)
    ]
    path = f"{NET}/routers/{router['id']}"
    try:
        with ThreadPoolExecutor(len(made)) as pool:
            answers = list(
                pool.map(
                    lambda item: demo.request(
                        "PUT", f"{path}/add_router_interface", {"subnet_id": item[1]["id"]}
                    ),
                    made,
                )
            )
        assert [answer.status_code for answer in answers] == [200] * len(made)

        def converged() -> bool:
            for neutron in pod_neutrons.values():
                bottoms = named(neutron, "routers", router["id"])
                if len(bottoms) != 1:
                    return False
                interfaces = neutron.get(
                    "/ports",
                    device_id=bottoms[0]["id"],
                    device_owner="network:router_interface",
                )["ports"]
                # two local subnets and the bridge; the other pod's two reached over it
                if len(interfaces) != 3 or len(bottoms[0]["routes"]) != 2:
                    return False
            return True

        assert eventually(converged, timeout=180)
    finally:
        for _, subnet in made:
            demo.request("PUT", f"{path}/remove_router_interface", {"subnet_id": subnet["id"]})
        demo.request("DELETE", path)
        for net, _ in made:
            eventually(
                lambda n=net: (
                    demo.request("DELETE", f"{NET}/networks/{n['id']}").status_code in {204, 404}
                ),
                timeout=120,
            )
