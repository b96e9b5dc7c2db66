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
        self.qos_specs: list[dict] = []
        self.qos_calls: list[tuple[str, str]] = []  # (method, path and query) of each QoS call
        self._serve_qos_specs(mocker)

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

    # --- QoS specs ---------------------------------------------------------------------------
    # Cinder's /qos-specs (the pod's own spec sets, a type's `qos_specs_id`), and GET
    # /types/{id} where an admin sees that id.
    def _serve_qos_specs(self, mocker: Any) -> None:
        base = re.escape(self.base)
        mocker.get(re.compile(rf"{base}/qos-specs(\?.*)?$"), json=self._qos_list)
        mocker.post(f"{self.base}/qos-specs", json=self._qos_create)
        mocker.put(re.compile(rf"{base}/qos-specs/[^/?]+$"), json=self._qos_set)
        mocker.put(re.compile(rf"{base}/qos-specs/[^/]+/delete_keys$"), json=self._qos_unset)
        mocker.delete(re.compile(rf"{base}/qos-specs/[^/?]+(\?.*)?$"), json=self._qos_delete)
        actions = r"(associate|disassociate|disassociate_all)"
        mocker.get(re.compile(rf"{base}/qos-specs/[^/]+/{actions}(\?.*)?$"), json=self._qos_action)
        mocker.get(re.compile(rf"{base}/types/[^/?]+$"), json=self._show_type)

    def qos_named(self, name: str) -> dict | None:
        return next((specs for specs in self.qos_specs if specs["name"] == name), None)

    def type_named(self, name: str) -> dict | None:
        return next((t for t in self.types if t["name"] == name), None)

    def _qos_found(self, request: Any, context: Any) -> dict | None:
        query = f"?{request.query}" if request.query else ""
        self.qos_calls.append((request.method, request.path.split("/v3", 1)[1] + query))
        specs_id = request.path.split("/qos-specs/")[1].split("/")[0]
        found = next((specs for specs in self.qos_specs if specs["id"] == specs_id), None)
        if found is None:
            context.status_code = 404
        return found

    def _qos_list(self, request: Any, context: Any) -> dict:
        return {"qos_specs": self.qos_specs}

    def _qos_create(self, request: Any, context: Any) -> dict:
        given = dict(request.json()["qos_specs"])
        self.qos_calls.append(("POST", "/qos-specs"))
        name = given.pop("name")
        if self.qos_named(name):
            context.status_code = 409
            return {"conflictingRequest": {"code": 409, "message": f"QoS Specs {name} exists."}}
        consumer = given.pop("consumer", None) or "back-end"
        made = {
            "id": f"pod-qos-{len(self.qos_specs) + 1}",
            "name": name,
            "consumer": consumer,
            "specs": given,
        }
        self.qos_specs.append(made)
        return {"qos_specs": made, "links": []}

    def _qos_set(self, request: Any, context: Any) -> dict:
        found = self._qos_found(request, context)
        given = request.json()["qos_specs"]
        if found is not None:
            changed = dict(given)
            if "consumer" in changed:
                found["consumer"] = changed.pop("consumer") or "back-end"
            found["specs"].update(changed)
        return {"qos_specs": given}

    def _qos_unset(self, request: Any, context: Any) -> dict:
        found = self._qos_found(request, context)
        if found is None:
            return {}
        for key in request.json()["keys"]:
            if key not in found["specs"]:
                context.status_code = 404
                return {"itemNotFound": {"code": 404, "message": f"No spec with key {key}."}}
            del found["specs"][key]
        context.status_code = 202
        return {}

    def _qos_delete(self, request: Any, context: Any) -> dict:
        found = self._qos_found(request, context)
        if found is not None:
            used = [t for t in self.types if t.get("qos_specs_id") == found["id"]]
            if used and parse_qs(request.query).get("force") != ["true"]:
                context.status_code = 400
                return {"badRequest": {"code": 400, "message": "Qos specs still in use."}}
            for volume_type in used:
                volume_type["qos_specs_id"] = None
            self.qos_specs.remove(found)
            context.status_code = 202
        return {}

    def _qos_action(self, request: Any, context: Any) -> dict:
        found = self._qos_found(request, context)
        if found is None:
            return {}
        action = request.path.rsplit("/", 1)[-1]
        type_ids = parse_qs(request.query).get("vol_type_id", [])
        for volume_type in self.types:
            if action == "disassociate_all" or volume_type["id"] in type_ids:
                current = volume_type.get("qos_specs_id")
                if action == "associate" and current not in (None, found["id"]):
                    context.status_code = 400
                    message = f"Type {volume_type['id']} is already associated with {current}"
                    return {"badRequest": {"code": 400, "message": message}}
                if action == "associate":
                    volume_type["qos_specs_id"] = found["id"]
                elif current == found["id"]:
                    volume_type["qos_specs_id"] = None
        context.status_code = 202
        return {}

    def _show_type(self, request: Any, context: Any) -> dict:
        type_id = request.path.rsplit("/", 1)[-1]
        found = next((t for t in self.types if t["id"] == type_id), None)
        if found is None:
            context.status_code = 404
            return {"itemNotFound": {"code": 404, "message": f"Volume type {type_id} not found"}}
        return {"volume_type": {"qos_specs_id": None, **found}}
