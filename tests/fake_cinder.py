"""Cinder APIs of pods for unit tests, served through requests_mock."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs


class FakeCinder:
    def __init__(self, mocker: Any, base_url: str, max_version: str = "3.71", zone: str = "nova"):
        self.root = f"{base_url}/volume"
        self.base = f"{self.root}/v3"
        self.zone = zone
        self.items: dict[str, list[dict]] = {"volumes": [], "snapshots": [], "backups": []}
        self.created: dict[str, list[dict]] = {"volumes": [], "snapshots": [], "backups": []}
        self.types: list[dict] = [{"id": "default-id", "name": "__DEFAULT__", "extra_specs": {}}]
        self.type_posts: list[dict] = []
        self.limits = {"maxTotalVolumes": 10, "totalVolumesUsed": 0, "maxTotalSnapshots": -1}
        mocker.get(
            self.root,
            json={
                "versions": [
                    {
                        "id": "v3.0",
                        "status": "CURRENT",
                        "version": max_version,
                        "min_version": "3.0",
                    }
                ]
            },
        )
        base = re.escape(self.base)
        for kind in self.items:
            # requests_mock tries the newest matcher first: /detail before /{id}.
            mocker.get(re.compile(rf"{base}/{kind}/[^/?]+(\?.*)?$"), json=self._show)
            mocker.get(re.compile(rf"{base}/{kind}/detail(\?.*)?$"), json=self._list)
            mocker.post(f"{self.base}/{kind}", json=self._create, status_code=202)
        mocker.get(re.compile(rf"{base}/types(\?.*)?$"), json=self._types)
        mocker.post(f"{self.base}/types", json=self._create_type)
        mocker.post(re.compile(rf"{base}/types/[^/]+/extra_specs$"), json=self._set_specs)
        mocker.get(f"{self.base}/limits", json=self._limits)

    def add(self, kind: str, item_id: str, name: str, created_at: str, **fields: Any) -> dict:
        item = {
            "id": item_id,
            "name": name,
            "created_at": created_at,
            "status": "available",
            "links": [{"rel": "self", "href": f"{self.base}/{kind}/{item_id}"}],
            **fields,
        }
        if kind == "volumes":
            item.setdefault("availability_zone", self.zone)
            item.setdefault("size", 1)
        self.items[kind].append(item)
        return item

    @staticmethod
    def _kind(request: Any) -> str:
        return request.path.split("/v3/", 1)[1].split("/")[0]

    def _list(self, request: Any, context: Any) -> dict:
        kind = self._kind(request)
        query = parse_qs(request.query)
        items = sorted(self.items[kind], key=lambda v: (v["created_at"], v["id"]), reverse=True)
        if "sort" in query and query["sort"][0].startswith("name"):
            items.sort(key=lambda v: (v["name"], v["id"]), reverse="asc" not in query["sort"][0])
        if "name" in query:
            items = [item for item in items if item["name"] == query["name"][0]]
        if "status" in query:
            items = [item for item in items if item["status"] == query["status"][0]]
        if "marker" in query:
            ids = [item["id"] for item in items]
            items = items[ids.index(query["marker"][0]) + 1 :]
        limit = int(query["limit"][0]) if "limit" in query else 1000
        body: dict = {kind: items[:limit]}
        if len(items) > limit:
            body[f"{kind}_links"] = [{"rel": "next", "href": f"{self.base}/{kind}/detail"}]
        return body

    def _show(self, request: Any, context: Any) -> dict:
        kind = self._kind(request)
        item_id = request.path.rsplit("/", 1)[-1]
        for item in self.items[kind]:
            if item["id"] == item_id:
                return {kind[:-1]: item}
        context.status_code = 404
        return {"itemNotFound": {"code": 404, "message": f"{kind} {item_id} not found"}}

    def _create(self, request: Any, context: Any) -> dict:
        kind = self._kind(request)
        body = request.json()[kind[:-1]]
        self.created[kind].append(body)
        item_id = f"{self.zone}-{kind[:-1]}-{len(self.created[kind])}"
        item = self.add(kind, item_id, body.get("name") or "", "2026-11-25T00:00:00Z")
        return {kind[:-1]: item}

    def _types(self, request: Any, context: Any) -> dict:
        return {"volume_types": self.types}

    def _create_type(self, request: Any, context: Any) -> dict:
        body = request.json()["volume_type"]
        self.type_posts.append(body)
        created = {**body, "id": f"pod-type-{len(self.types)}"}
        self.types.append(created)
        return {"volume_type": created}

    def _set_specs(self, request: Any, context: Any) -> dict:
        type_id = request.path.split("/types/")[1].split("/")[0]
        specs = request.json()["extra_specs"]
        for volume_type in self.types:
            if volume_type["id"] == type_id:
                volume_type.setdefault("extra_specs", {}).update(specs)
        return {"extra_specs": specs}

    def _limits(self, request: Any, context: Any) -> dict:
        return {"limits": {"rate": [], "absolute": self.limits}}
