"""Nova APIs of pods for unit tests, served through requests_mock."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs


class FakeNova:
    def __init__(self, mocker: Any, base_url: str, max_version: str = "2.96"):
        self.base = f"{base_url}/compute/v2.1"
        self.servers: list[dict] = []
        self.created: list[dict] = []
        mocker.get(
            self.base,
            json={"version": {"id": "v2.1", "version": max_version, "min_version": "2.1"}},
        )
        # requests_mock tries the newest matcher first: /servers/detail before /servers/{id}.
        mocker.get(re.compile(rf"{re.escape(self.base)}/servers/[^/]+$"), json=self._show)
        mocker.get(f"{self.base}/servers/detail", json=self._list)
        mocker.post(f"{self.base}/servers", json=self._create, status_code=202)
        self.flavors: dict[str, dict] = {}
        self.keypairs: list[dict] = []
        mocker.get(re.compile(rf"{re.escape(self.base)}/flavors/[^/]+$"), json=self._flavor)
        mocker.post(f"{self.base}/flavors", json=self._create_flavor)
        mocker.get(
            re.compile(rf"{re.escape(self.base)}/flavors/[^/]+/os-extra_specs$"),
            json=lambda request, context: {"extra_specs": {}},
        )
        mocker.post(
            re.compile(rf"{re.escape(self.base)}/flavors/[^/]+/os-extra_specs$"),
            json=lambda request, context: request.json(),
        )
        mocker.post(f"{self.base}/os-keypairs", json=self._create_keypair, status_code=201)

    def add(self, server_id: str, name: str, created_at: str, **fields: Any) -> dict:
        server = {
            "id": server_id,
            "name": name,
            "created": created_at,
            "status": "ACTIVE",
            "links": [{"rel": "self", "href": f"{self.base}/servers/{server_id}"}],
            **fields,
        }
        self.servers.append(server)
        return server

    def _sorted(self) -> list[dict]:
        return sorted(self.servers, key=lambda s: (s["created"], s["id"]), reverse=True)

    def _list(self, request: Any, context: Any) -> dict:
        query = parse_qs(request.query)
        items = self._sorted()
        if "name" in query:
            items = [s for s in items if re.search(query["name"][0], s["name"])]
        if "marker" in query:
            ids = [s["id"] for s in items]
            items = items[ids.index(query["marker"][0]) + 1 :]
        limit = int(query["limit"][0]) if "limit" in query else 1000
        page = items[:limit]
        body: dict = {"servers": page}
        if len(items) > limit:
            body["servers_links"] = [{"rel": "next", "href": f"{self.base}/servers/detail"}]
        return body

    def _show(self, request: Any, context: Any) -> dict:
        server_id = request.path.rsplit("/", 1)[-1]
        for server in self.servers:
            if server["id"] == server_id:
                return {"server": server}
        context.status_code = 404
        return {"itemNotFound": {"code": 404, "message": "Instance not found"}}

    def _create(self, request: Any, context: Any) -> dict:
        body = request.json()["server"]
        self.created.append(body)
        server_id = f"new-{len(self.created)}"
        reservation = {"OS-EXT-SRV-ATTR:reservation_id": f"r-{server_id}"}
        self.add(server_id, body["name"], "2026-11-25T00:00:00Z", **reservation)
        return {"server": {"id": server_id, "links": []}}

    def _flavor(self, request: Any, context: Any) -> dict:
        flavor = self.flavors.get(request.path.rsplit("/", 1)[-1])
        if flavor is None:
            context.status_code = 404
            return {"itemNotFound": {"code": 404, "message": "Flavor not found"}}
        return {"flavor": flavor}

    def _create_flavor(self, request: Any, context: Any) -> dict:
        flavor = request.json()["flavor"]
        self.flavors[flavor["id"]] = flavor
        return {"flavor": flavor}

    def _create_keypair(self, request: Any, context: Any) -> dict:
        keypair = request.json()["keypair"]
        self.keypairs.append(keypair)
        return {"keypair": keypair}
