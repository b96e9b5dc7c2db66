"""Bottom copies that earlier test sessions left in the lab's pods. Each session starts its own
Tricircle with a fresh database, so a cleanup job still pending when a session ended is lost,
and its bottom network keeps its segment in the pod while the central Neutron, whose copy is
gone, hands the same VLAN or VNI out again ("VLAN 2894 on physnet1 is in use"). A session
starts by removing every bottom copy whose top resource no longer exists (bottom copies are
named after their top ids), and ends by letting its jobs settle (TricircleServer.stop)."""

from __future__ import annotations

import re
from typing import Any

from keystoneauth1 import adapter

from tests.lab.http_client import direct

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _neutron(lab: dict[str, Any], url: str) -> adapter.Adapter:
    return direct(lab, "admin", url + "/v2.0")


def _items(neutron: adapter.Adapter, collection: str, **params: Any) -> list[dict]:
    response = neutron.get(f"/{collection}", params=params or None)
    return response.json()[collection.replace("-", "_")] if response.status_code == 200 else []


def _orphans(neutron: adapter.Adapter, collection: str, top_ids: set[str]) -> list[dict]:
    return [
        item
        for item in _items(neutron, collection)
        if UUID.match(item.get("name") or "") and item["name"] not in top_ids
    ]


def remove_orphaned_copies(lab: dict[str, Any]) -> dict[str, int]:
    """Removes, in every pod, the routers, networks (with their ports) and security groups
    named after top resources that are gone; returns how many of each per pod."""
    central = _neutron(lab, lab["central_neutron_url"])
    top = {
        collection: {item["id"] for item in _items(central, collection)}
        for collection in ("routers", "networks", "security-groups")
    }
    removed: dict[str, int] = {}
    for pod in lab["pods"]:
        neutron = _neutron(lab, pod["neutron_url"])
        routers = _orphans(neutron, "routers", top["routers"])
        for router in routers:
            for floatingip in _items(neutron, "floatingips", router_id=router["id"]):
                neutron.delete(f"/floatingips/{floatingip['id']}")
            neutron.put(
                f"/routers/{router['id']}",
                json={"router": {"routes": [], "external_gateway_info": {}}},
            )
            for port in _items(neutron, "ports", device_id=router["id"]):
                neutron.put(
                    f"/routers/{router['id']}/remove_router_interface",
                    json={"port_id": port["id"]},
                )
            neutron.delete(f"/routers/{router['id']}")
        networks = _orphans(neutron, "networks", top["networks"])
        for network in networks:
            for port in _items(neutron, "ports", network_id=network["id"]):
                neutron.delete(f"/ports/{port['id']}")
            neutron.delete(f"/networks/{network['id']}")
        groups = _orphans(neutron, "security-groups", top["security-groups"])
        for group in groups:
            neutron.delete(f"/security-groups/{group['id']}")
        removed[pod["region_name"]] = len(routers) + len(networks) + len(groups)
    return removed
