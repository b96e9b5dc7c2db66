"""A small stateful Neutron for unit tests, served through requests_mock: networks, subnets,
ports, routers (interfaces, routes, gateway) and floating IPs, with the filters and the
allocation (IPs, MACs, segments) the L3 code relies on. One instance per Neutron (the central
one, each pod's)."""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

COLLECTIONS = {
    "networks": "network",
    "subnets": "subnet",
    "ports": "port",
    "routers": "router",
    "floatingips": "floatingip",
}


class FakeNeutron:
    def __init__(self, mocker: Any, base_url: str):
        self.base = base_url.rstrip("/") + "/v2.0"
        self.items: dict[str, dict[str, dict]] = {name: {} for name in COLLECTIONS}
        self.writes: list[tuple[str, str]] = []
        self._clock = itertools.count(1)
        self._segments = itertools.count(1000)
        self._macs = itertools.count(1)
        # Pods are converged from several threads at once: one request at a time here.
        self._lock = threading.RLock()
        pattern = re.compile(rf"^{re.escape(self.base)}/(?P<path>[^?]*)")
        for method in ("GET", "POST", "PUT", "DELETE"):
            mocker.register_uri(method, pattern, json=self._handle)

    # --- helpers for tests ----------------------------------------------------------------
    def add(self, collection: str, **fields: Any) -> dict:
        return self._create(collection, fields)

    def named(self, collection: str, name: str) -> list[dict]:
        return [item for item in self.items[collection].values() if item.get("name") == name]

    def interfaces(self, router_id: str) -> list[dict]:
        return [
            port
            for port in self.items["ports"].values()
            if port["device_id"] == router_id and port["device_owner"] == "network:router_interface"
        ]

    # --- the API --------------------------------------------------------------------------
    def _handle(self, request: Any, context: Any) -> Any:
        with self._lock:
            return self._serve(request, context)

    def _serve(self, request: Any, context: Any) -> Any:
        # request.url keeps the case (requests_mock lowercases request.path and .query).
        url = urlparse(request.url)
        parts = [part for part in url.path.split("/v2.0/", 1)[1].split("/") if part]
        query = parse_qs(url.query)
        body = json.loads(request.body) if request.body else {}
        collection = parts[0]
        if collection not in COLLECTIONS:
            context.status_code = 404
            return {"NeutronError": {"message": f"unknown {collection}"}}
        singular = COLLECTIONS[collection]
        method = request.method
        if method != "GET":
            self.writes.append((method, "/".join(parts)))
        if len(parts) == 1 and method == "GET":
            return {collection: self._list(collection, query)}
        if len(parts) == 1 and method == "POST":
            context.status_code = 201
            return {singular: self._create(collection, body[singular])}
        item = self.items[collection].get(parts[1])
        if item is None:
            context.status_code = 404
            return {"NeutronError": {"message": f"{singular} {parts[1]} not found"}}
        if len(parts) == 3:
            return self._router_action(item, parts[2], body, context)
        if method == "GET":
            return {singular: item}
        if method == "PUT":
            update = body[singular]
            if collection == "routers" and "external_gateway_info" in update:
                self._set_gateway(item, update.pop("external_gateway_info"))
            item.update(update)
            return {singular: item}
        if method == "DELETE":
            del self.items[collection][item["id"]]
            if collection == "networks":
                for kind in ("subnets", "ports"):
                    for child in list(self.items[kind].values()):
                        if child["network_id"] == item["id"]:
                            del self.items[kind][child["id"]]
            context.status_code = 204
            return None
        context.status_code = 405
        return None

    def _list(self, collection: str, query: dict[str, list[str]]) -> list[dict]:
        found = []
        for item in self.items[collection].values():
            if all(
                key == "fields" or str(_value(item, key)) in values or _value(item, key) in values
                for key, values in query.items()
            ):
                found.append(item)
        return found

    def _create(self, collection: str, fields: dict) -> dict:
        item = {
            "id": str(uuid.uuid4()),
            "name": "",
            "description": "",
            "project_id": "service-project",
            "created_at": f"2026-01-01T00:00:{next(self._clock):04d}Z",
            **fields,
        }
        getattr(self, f"_new_{COLLECTIONS[collection]}")(item)
        self.items[collection][item["id"]] = item
        return item

    def _new_network(self, item: dict) -> None:
        item.setdefault("router:external", False)
        item.setdefault("admin_state_up", True)
        if item.get("provider:network_type") in {"vxlan", "vlan"}:
            item.setdefault("provider:segmentation_id", next(self._segments))
        item.setdefault("provider:network_type", "vxlan")
        item.setdefault("provider:segmentation_id", next(self._segments))
        item.setdefault("provider:physical_network", None)

    def _new_subnet(self, item: dict) -> None:
        network = ipaddress.ip_network(item["cidr"])
        item.setdefault("ip_version", network.version)
        if "gateway_ip" not in item:
            item["gateway_ip"] = str(network.network_address + 1)
        item.setdefault("enable_dhcp", True)
        item.setdefault("allocation_pools", [])
        item.setdefault("host_routes", [])
        item.setdefault("dns_nameservers", [])

    def _new_port(self, item: dict) -> None:
        item.setdefault("device_id", "")
        item.setdefault("device_owner", "")
        item.setdefault("security_groups", [])
        item.setdefault("admin_state_up", True)
        item.setdefault("mac_address", f"fa:16:3e:00:00:{next(self._macs):02x}")
        network = self.items["networks"].get(item["network_id"])
        if network is None:
            raise AssertionError(f"port on unknown network {item['network_id']}")
        fixed = []
        for ip in item.get("fixed_ips") or []:
            address = ip.get("ip_address") or self._allocate(ip["subnet_id"])
            fixed.append({"subnet_id": ip["subnet_id"], "ip_address": address})
        item["fixed_ips"] = fixed

    def _new_router(self, item: dict) -> None:
        item.setdefault("routes", [])
        item.setdefault("admin_state_up", True)
        gateway = item.pop("external_gateway_info", None)
        item["external_gateway_info"] = None
        if gateway:
            self._set_gateway(item, gateway)

    def _new_floatingip(self, item: dict) -> None:
        port = self.items["ports"][item["port_id"]] if item.get("port_id") else None
        item["router_id"] = None
        if port is not None:
            subnets = {ip["subnet_id"] for ip in port["fixed_ips"]}
            for router_port in self.items["ports"].values():
                if router_port["device_owner"] == "network:router_interface" and subnets & {
                    ip["subnet_id"] for ip in router_port["fixed_ips"]
                }:
                    item["router_id"] = router_port["device_id"]
            if item["router_id"] is None:
                raise AssertionError("floating IP for a port no router reaches")
            item.setdefault("fixed_ip_address", port["fixed_ips"][0]["ip_address"])

    def _allocate(self, subnet_id: str) -> str:
        subnet = self.items["subnets"][subnet_id]
        used = {
            ip["ip_address"]
            for port in self.items["ports"].values()
            for ip in port["fixed_ips"]
            if ip["subnet_id"] == subnet_id
        } | {subnet["gateway_ip"]}
        for host in itertools.islice(ipaddress.ip_network(subnet["cidr"]).hosts(), 10, None):
            if str(host) not in used:
                return str(host)
        raise AssertionError("subnet full")

    def _set_gateway(self, router: dict, gateway: dict) -> None:
        for port in list(self.items["ports"].values()):
            owner = port["device_owner"]
            if port["device_id"] == router["id"] and owner == "network:router_gateway":
                del self.items["ports"][port["id"]]
        if not gateway:
            router["external_gateway_info"] = None
            return
        fixed = (
            gateway.get("external_fixed_ips")
            or [
                {"subnet_id": subnet["id"]}
                for subnet in self.items["subnets"].values()
                if subnet["network_id"] == gateway["network_id"]
            ][:1]
        )
        port = self._create(
            "ports",
            {
                "network_id": gateway["network_id"],
                "fixed_ips": fixed,
                "device_id": router["id"],
                "device_owner": "network:router_gateway",
            },
        )
        router["external_gateway_info"] = {
            "network_id": gateway["network_id"],
            "external_fixed_ips": port["fixed_ips"],
            "enable_snat": gateway.get("enable_snat", True),
        }

    def _router_action(self, router: dict, action: str, body: dict, context: Any) -> dict:
        if action == "add_router_interface":
            if "port_id" in body:
                port = self.items["ports"].get(body["port_id"])
                if port is None:
                    context.status_code = 404
                    return {"NeutronError": {"message": f"Port {body['port_id']} not found"}}
            else:
                subnet = self.items["subnets"][body["subnet_id"]]
                port = self._create(
                    "ports",
                    {
                        "network_id": subnet["network_id"],
                        "fixed_ips": [
                            {"subnet_id": subnet["id"], "ip_address": subnet["gateway_ip"]}
                        ],
                    },
                )
            if port["device_id"]:
                context.status_code = 409
                return {"NeutronError": {"message": "port in use"}}
            on = {ip["subnet_id"] for ip in port["fixed_ips"]}
            for attached in self.interfaces(router["id"]):
                taken = on & {ip["subnet_id"] for ip in attached["fixed_ips"]}
                if taken:  # as Neutron: one port of a router per subnet
                    context.status_code = 400
                    message = f"Router already has a port on subnet {taken.pop()}."
                    return {"NeutronError": {"type": "BadRequest", "message": message}}
            port.update(device_id=router["id"], device_owner="network:router_interface")
        elif action == "remove_router_interface":
            port = next(
                (
                    port
                    for port in self.interfaces(router["id"])
                    if port["id"] == body.get("port_id")
                    or body.get("subnet_id") in {ip["subnet_id"] for ip in port["fixed_ips"]}
                ),
                None,
            )
            if port is None:
                context.status_code = 404
                return {"NeutronError": {"message": "no such interface"}}
            del self.items["ports"][port["id"]]
        else:
            context.status_code = 404
            return {"NeutronError": {"message": action}}
        subnet_id = port["fixed_ips"][0]["subnet_id"] if port["fixed_ips"] else None
        return {
            "id": router["id"],
            "port_id": port["id"],
            "subnet_id": subnet_id,
            "network_id": port["network_id"],
            "project_id": router["project_id"],
        }


def _value(item: dict, key: str) -> Any:
    value = item.get(key)
    if isinstance(value, bool):
        return str(value)
    return value
