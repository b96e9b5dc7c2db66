"""The lab's regions behave like real OpenStack clouds: catalog, servers, volumes, central Neutron.

These run against the real services started by tests/lab/lab.py (see conftest.py) and clean up
after themselves. Pods are exercised in parallel to keep the whole file well under two minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from openstack.connection import Connection

from tests.lab.sdk import connect

BOOT_TIMEOUT = 120  # seconds; a fake-driver boot takes ~10 s on an idle lab
VOLUME_TIMEOUT = 60


def unique(prefix: str) -> str:
    return f"labtest-{prefix}-{uuid.uuid4().hex[:8]}"


def openstack_cli(lab: dict[str, Any], *args: str) -> Any:
    """Runs the lab venv's `openstack` CLI with the lab's clouds.yaml; returns its JSON output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = lab["clouds_yaml"]
    result = subprocess.run(
        [lab["openstack_cli"], *args, "-f", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"openstack {' '.join(args)} failed:\n{result.stderr}"
    return json.loads(result.stdout)


def in_each_pod(lab: dict[str, Any], check: Callable[[dict[str, Any]], None]) -> None:
    """Runs `check(pod)` for every pod at once; re-raises the first failure."""
    with ThreadPoolExecutor(max_workers=len(lab["pods"])) as pool:
        for future in [pool.submit(check, pod) for pod in lab["pods"]]:
            future.result()


def test_each_pod_region_lists_its_endpoints(lab: dict[str, Any]) -> None:
    endpoints = openstack_cli(lab, "--os-cloud", "lab-admin", "endpoint", "list")
    public = [e for e in endpoints if e["Interface"] == "public"]
    by_region: dict[str, dict[str, str]] = {}
    for endpoint in public:
        by_region.setdefault(endpoint["Region"], {})[endpoint["Service Type"]] = endpoint["URL"]

    for pod in lab["pods"]:
        catalog = by_region[pod["region_name"]]
        assert catalog["compute"] == pod["nova_url"]
        assert catalog["network"] == pod["neutron_url"]
        assert catalog["volumev3"] == pod["cinder_url"]
        assert catalog["block-storage"] == pod["cinder_url"]
        assert catalog["placement"] == pod["placement_url"]
        assert catalog["image"] == lab["glance_url"]  # one Glance shared by all pods
        assert catalog["identity"] == lab["keystone_url"]

    top = by_region[lab["top_region"]]
    tricircle = lab["tricircle_url"]
    assert top["compute"] == f"{tricircle}/compute/v2.1"
    assert top["volumev3"] == top["block-storage"] == f"{tricircle}/volume/v3"
    assert top["network"] == f"{tricircle}/networking"
    assert top["tricircle"] == f"{tricircle}/v1.0"
    # the central Neutron is reached by URL only
    assert not [e for e in endpoints if e["URL"].startswith(lab["central_neutron_url"])]


def test_cli_reaches_each_pod_by_region_name(lab: dict[str, Any]) -> None:
    def flavors_in(pod: dict[str, Any]) -> None:
        region = pod["region_name"]
        flavors = openstack_cli(
            lab, "--os-cloud", "lab-demo", "--os-region-name", region, "flavor", "list"
        )
        assert {f["Name"] for f in flavors} >= {"m1.tiny", "m1.small"}

    in_each_pod(lab, flavors_in)


def test_server_boots_to_active_in_each_pod(lab: dict[str, Any]) -> None:
    def boot_in(pod: dict[str, Any]) -> None:
        cloud = connect(lab, "demo", pod["region_name"])
        network = cloud.network.create_network(name=unique("net"))
        try:
            cloud.network.create_subnet(
                network_id=network.id, cidr="10.0.0.0/24", ip_version=4, name=unique("subnet")
            )
            server = cloud.compute.create_server(
                name=unique("vm"),
                image_id=lab["image_id"],
                flavor_id="1",
                networks=[{"uuid": network.id}],
            )
            try:
                server = cloud.compute.wait_for_server(
                    server, status="ACTIVE", interval=1, wait=BOOT_TIMEOUT
                )
                assert server.availability_zone == pod["az_name"]
                ports = list(cloud.network.ports(device_id=server.id))
                assert [port.status for port in ports] == ["ACTIVE"]
            finally:
                cloud.compute.delete_server(server)
                cloud.compute.wait_for_delete(server, interval=1, wait=BOOT_TIMEOUT)
        finally:
            cloud.network.delete_network(network)

    in_each_pod(lab, boot_in)


def test_volume_becomes_available_in_each_pod(lab: dict[str, Any]) -> None:
    def volume_in(pod: dict[str, Any]) -> None:
        cloud = connect(lab, "demo", pod["region_name"])
        volume = cloud.block_storage.create_volume(size=1, name=unique("vol"))
        try:
            volume = cloud.block_storage.wait_for_status(
                volume, status="available", failures=["error"], interval=1, wait=VOLUME_TIMEOUT
            )
            assert volume.availability_zone == pod["az_name"]
        finally:
            cloud.block_storage.delete_volume(volume)
            cloud.block_storage.wait_for_delete(volume, interval=1, wait=VOLUME_TIMEOUT)

    in_each_pod(lab, volume_in)


@pytest.fixture
def central_neutron(lab: dict[str, Any]) -> Connection:
    """Admin of the central Neutron, which is not in the catalog: reached by its URL."""
    return connect(
        lab, "admin", lab["top_region"], network_endpoint_override=lab["central_neutron_url"]
    )


def test_central_neutron_allocates_vxlan_and_vlan_segments(central_neutron: Connection) -> None:
    created = []
    try:
        vxlan = central_neutron.network.create_network(
            name=unique("vxlan"), provider_network_type="vxlan"
        )
        created.append(vxlan)
        assert vxlan.provider_network_type == "vxlan"
        assert 1000 <= vxlan.provider_segmentation_id <= 9999

        vlan = central_neutron.network.create_network(
            name=unique("vlan"),
            provider_network_type="vlan",
            provider_physical_network="physnet1",
        )
        created.append(vlan)
        assert vlan.provider_physical_network == "physnet1"
        assert 2000 <= vlan.provider_segmentation_id <= 2999
    finally:
        for network in created:
            central_neutron.network.delete_network(network)


def test_central_neutron_needs_no_agent_for_subnets_ports_routers(lab: dict[str, Any]) -> None:
    cloud = connect(
        lab, "demo", lab["top_region"], network_endpoint_override=lab["central_neutron_url"]
    )
    network = cloud.network.create_network(name=unique("net"))
    router = None
    try:
        assert network.provider_network_type is None  # hidden from non-admins
        subnet = cloud.network.create_subnet(
            network_id=network.id, cidr="10.1.0.0/24", ip_version=4, name=unique("subnet")
        )
        port = cloud.network.create_port(network_id=network.id, name=unique("port"))
        assert port.fixed_ips[0]["subnet_id"] == subnet.id
        router = cloud.network.create_router(name=unique("router"))
        cloud.network.add_interface_to_router(router, subnet=subnet.id)
        cloud.network.remove_interface_from_router(router, subnet=subnet.id)
        cloud.network.delete_port(port)
    finally:
        if router is not None:
            cloud.network.delete_router(router)
        cloud.network.delete_network(network)
