"""Neutron, Nova and Cinder APIs reduced to what the drift audit uses, served through
requests_mock: collections listed page by page (limit/marker, `<key>_links` next links), items
shown, made and deleted, every call recorded; `down` makes the whole API answer 503. One
instance per API (the central Neutron, a pod's Neutron, Nova, Cinder)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

# URL collection -> body key, per API.
NEUTRON = {
    "networks": "networks",
    "subnets": "subnets",
    "ports": "ports",
    "security-groups": "security_groups",
    "security-group-rules": "security_group_rules",
    "routers": "routers",
    "floatingips": "floatingips",
}
NOVA = {"servers": "servers", "flavors": "flavors", "os-keypairs": "keypairs"}
CINDER = {
    "volumes": "volumes",
    "snapshots": "snapshots",
    "backups": "backups",
    "types": "volume_types",
}


class FakeListedApi:
    def __init__(self, mocker: Any, base_url: str, collections: dict[str, str]):
        self.base = base_url.rstrip("/")
        self.collections = collections
        self.items: dict[str, list[dict]] = {name: [] for name in collections}
        self.calls: list[tuple[str, str]] = []  # (method, path with query)
        self.down = False
        pattern = re.compile(rf"^{re.escape(self.base)}/(?P<path>[^?]*)")
        for method in ("GET", "POST", "PUT", "DELETE"):
            mocker.register_uri(method, pattern, json=self._handle)

    def add(self, collection: str, **fields: Any) -> dict:
        item = {"id": str(uuid.uuid4()), "name": "", **fields}
        self.items[collection].append(item)
        return item

    def find(self, collection: str, item_id: str) -> dict | None:
        return next((i for i in self.items[collection] if _key(collection, i) == item_id), None)

    def remove(self, collection: str, item_id: str) -> None:
        self.items[collection] = [
            i for i in self.items[collection] if _key(collection, i) != item_id
        ]

    def lists(self) -> int:
        return sum(1 for method, path in self.calls if method == "GET")

    def _handle(self, request: Any, context: Any) -> Any:
        url = urlparse(request.url)
        path = url.path[len(urlparse(self.base).path) :].strip("/")
        self.calls.append((request.method, f"{path}?{url.query}"))
        if self.down:
            context.status_code = 503
            return {"error": "down"}
        parts = [part for part in path.split("/") if part and part != "detail"]
        collection = parts[0] if parts else ""
        if collection not in self.collections:
            context.status_code = 404
            return {"error": {"message": f"unknown {collection}"}}
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if len(parts) == 1 and request.method == "GET":
            return self._page(collection, query)
        if len(parts) == 1 and request.method == "POST":
            body = json.loads(request.body)
            (fields,) = body.values()
            context.status_code = 201
            return {next(iter(body)): self.add(collection, **fields)}
        item = self.find(collection, parts[1])
        if item is None:
            context.status_code = 404
            return {"itemNotFound": {"message": f"{parts[1]} not found"}}
        if request.method == "DELETE":
            self.remove(collection, parts[1])
            context.status_code = 204
            return None
        if len(parts) > 2:  # a sub-resource (extra specs): answered from the item
            return {parts[2]: item.get(parts[2], {})}
        return {collection.rstrip("s").replace("-", "_"): item}

    def _page(self, collection: str, query: dict[str, str]) -> dict:
        filters = {
            k: v
            for k, v in query.items()
            if k not in {"limit", "marker", "all_tenants", "is_public", "user_id", "fields"}
        }
        items = [
            i for i in self.items[collection] if all(str(i.get(k)) == v for k, v in filters.items())
        ]
        if collection == "os-keypairs":
            items = [i for i in items if i.get("user_id") == query.get("user_id")]
        if "marker" in query:
            keys = [_key(collection, i) for i in items]
            items = items[keys.index(query["marker"]) + 1 :]
        limit = int(query.get("limit", 1000))
        page = items[:limit]
        key = self.collections[collection]
        body: dict = {key: [{"keypair": i} for i in page] if collection == "os-keypairs" else page}
        if len(items) > limit:
            body[f"{key}_links"] = [{"rel": "next", "href": f"{self.base}/{collection}?marker=x"}]
        return body


def _key(collection: str, item: dict) -> str:
    return str(item["name"] if collection == "os-keypairs" else item["id"])


class FakePod:
    """A pod's Neutron, Nova and Cinder (each a FakeListedApi) at the fake Keystone's URLs."""

    def __init__(self, mocker: Any, base_url: str):
        self.neutron = FakeListedApi(mocker, f"{base_url}/networking/v2.0", NEUTRON)
        self.nova = FakeListedApi(mocker, f"{base_url}/compute/v2.1", NOVA)
        self.cinder = FakeListedApi(mocker, f"{base_url}/volume/v3", CINDER)

    @property
    def apis(self) -> list[FakeListedApi]:
        return [self.neutron, self.nova, self.cinder]

    def set_down(self, down: bool = True) -> None:
        for api in self.apis:
            api.down = down

    def list_calls(self) -> int:
        return sum(api.lists() for api in self.apis)
