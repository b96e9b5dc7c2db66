"""The top region's Compute API through Tricircle with openstacksdk as the client: servers booted
in both zones, listed across pods page by page (the SDK follows the gateway's next links), found
in their pods, deleted."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from openstack.connection import Connection

from tests.lab.sdk import connect
from tests.lab.tricircle_server import TricircleServer
from tests.lab.waiting import eventually

BOOT_TIMEOUT = 180


@pytest.fixture(scope="module")
def cloud(lab: dict[str, Any], tricircle: TricircleServer) -> Connection:
    return connect(lab, "demo", lab["top_region"])


@pytest.fixture(scope="module")
def network(cloud: Connection) -> Iterator[Any]:
    made = cloud.network.create_network(name=f"sdk-{uuid.uuid4().hex[:8]}")
    cloud.network.create_subnet(network_id=made.id, cidr="10.31.0.0/24", ip_version=4)
    yield made
    cloud.network.delete_network(made, ignore_missing=True)


def test_sdk_boots_in_both_zones_pages_across_pods_and_deletes(
    cloud: Connection, network: Any, lab: dict[str, Any]
) -> None:
    prefix = f"sdk-{uuid.uuid4().hex[:6]}"
    servers = []
    port_ids: list[str] = []
    try:
        for letter, zone in (("a", "az1"), ("b", "az2")):
            servers.append(
                cloud.compute.create_server(
                    name=f"{prefix}-{letter}",
                    image_id=lab["image_id"],
                    flavor_id="1",
                    networks=[{"uuid": network.id}],
                    availability_zone=zone,
                )
            )
        servers = [
            cloud.compute.wait_for_server(s, status="ACTIVE", interval=1, wait=BOOT_TIMEOUT)
            for s in servers
        ]
        assert [s.availability_zone for s in servers] == ["az1", "az2"]

        # One server per page, newest name first: the second page comes from the other pod.
        paged = cloud.compute.servers(
            details=True, limit=1, name=f"^{prefix}", sort_key="display_name", sort_dir="desc"
        )
        assert [s.name for s in paged] == [f"{prefix}-b", f"{prefix}-a"]

        for server, region in zip(servers, ("Pod1", "Pod2"), strict=True):
            shown = cloud.compute.get_server(server.id)
            (address,) = shown.addresses[network.name]
            (port,) = cloud.network.ports(device_id=server.id)
            assert port.fixed_ips[0]["ip_address"] == address["addr"]
            port_ids.append(port.id)
            in_pod = connect(lab, "admin", region).compute.get_server(server.id)
            assert in_pod.status == "ACTIVE"
    finally:
        for server in servers:
            cloud.compute.delete_server(server, ignore_missing=True)
        for server in servers:
            cloud.compute.wait_for_delete(server, interval=1, wait=BOOT_TIMEOUT)
    # The SDK stops waiting at status DELETED; the pod, and so the list, forget the server soon
    # after; then its ports go (a job), at the top and in the pods.
    assert eventually(lambda: not list(cloud.compute.servers(name=f"^{prefix}")))
    for server in servers:
        assert eventually(lambda server=server: not list(cloud.network.ports(device_id=server.id)))
    for region, port_id in zip(("Pod1", "Pod2"), port_ids, strict=True):
        in_pod = connect(lab, "admin", region).network
        assert eventually(lambda in_pod=in_pod, name=port_id: not list(in_pod.ports(name=name)))
