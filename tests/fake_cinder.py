"""Cinder APIs of pods for unit tests, served through requests_mock."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs

import requests_mock


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
        self._serve_groups(mocker)

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
        for field in ("name", "status", "group_id", "volume_id"):
            if field in query:
                items = [item for item in items if item.get(field) == query[field][0]]
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
        kept = ("group_id", "volume_type", "size")
        item.update({key: body[key] for key in kept if body.get(key) is not None})
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

    # --- generic volume groups ---------------------------------------------------------------
    # Group types, groups and group snapshots answer only at the microversions that have them
    # (Cinder's 404 below), so the tests see which version each call carried.
    GROUP_VERSIONS = {"group_types": (3, 11), "groups": (3, 13), "group_snapshots": (3, 14)}

    def _serve_groups(self, mocker: Any) -> None:
        self.group_types: list[dict] = []
        self.group_type_posts: list[dict] = []
        # (method, path, body) of every change to a group type after its create
        self.group_type_changes: list[tuple[str, str, Any]] = []
        self.group_types_in_use: set[str] = set()
        for kind in ("groups", "group_snapshots"):
            self.items[kind] = []
            self.created[kind] = []
        base = re.escape(self.base)
        mocker.get(re.compile(rf"{base}/group_types(\?.*)?$"), json=self._group_types)
        mocker.post(f"{self.base}/group_types", json=self._create_group_type, status_code=202)
        mocker.register_uri(
            requests_mock.ANY,
            re.compile(rf"{base}/group_types/[^/?]+(/group_specs(/[^/?]+)?)?$"),
            json=self._change_group_type,
        )
        for kind in ("groups", "group_snapshots"):
            mocker.get(re.compile(rf"{base}/{kind}/[^/?]+(\?.*)?$"), json=self._group_show)
            mocker.get(re.compile(rf"{base}/{kind}/detail(\?.*)?$"), json=self._group_list)
        mocker.post(f"{self.base}/groups", json=self._create_group)
        mocker.post(f"{self.base}/groups/action", json=self._create_group_from_source)
        mocker.post(f"{self.base}/group_snapshots", json=self._create_group_snapshot)

    def _version_refused(self, request: Any, context: Any) -> dict | None:
        kind = self._kind(request)
        header = request.headers.get("OpenStack-API-Version", "volume 3.0").split()[-1]
        major, minor = (int(part) for part in header.split("."))
        if (major, minor) >= self.GROUP_VERSIONS[kind]:
            return None
        context.status_code = 404
        return {"itemNotFound": {"code": 404, "message": "The resource could not be found."}}

    def _group_types(self, request: Any, context: Any) -> dict:
        return self._version_refused(request, context) or {"group_types": self.group_types}

    def _create_group_type(self, request: Any, context: Any) -> dict:
        refused = self._version_refused(request, context)
        if refused:
            return refused
        body = request.json()["group_type"]
        self.group_type_posts.append(body)
        made = {**body, "id": f"{self.zone}-group-type-{len(self.group_type_posts)}"}
        self.group_types.append(made)
        return {"group_type": made}

    def _change_group_type(self, request: Any, context: Any) -> dict:
        refused = self._version_refused(request, context)
        if refused:
            return refused
        path = request.path.split("/v3", 1)[1]
        type_id = path.split("/")[2]
        body = request.json() if request.body else None
        self.group_type_changes.append((request.method, path, body))
        if request.method == "DELETE" and path == f"/group_types/{type_id}":
            if type_id in self.group_types_in_use:
                context.status_code = 400
                return {"badRequest": {"code": 400, "message": "Target group type is in use."}}
            self.group_types = [t for t in self.group_types if t["id"] != type_id]
            context.status_code = 202
            return {}
        for group_type in self.group_types:
            if group_type["id"] == type_id and request.method == "POST":
                group_type.setdefault("group_specs", {}).update(body["group_specs"])
        context.status_code = 202 if request.method in {"POST", "DELETE"} else 200
        return body or {}

    def _group_show(self, request: Any, context: Any) -> dict:
        return self._version_refused(request, context) or self._show(request, context)

    def _group_list(self, request: Any, context: Any) -> dict:
        return self._version_refused(request, context) or self._list(request, context)

    def add_group(
        self, group_id: str, group_type: str, volume_types: list[str], **fields: Any
    ) -> dict:
        """A group of the pod: its type and volume types are the pod's ids."""
        shown = {
            "group_type": group_type,
            "volume_types": volume_types,
            "availability_zone": self.zone,
            "description": None,
            "group_snapshot_id": None,
            "source_group_id": None,
            **fields,
        }
        name = shown.pop("name", group_id)
        return self.add(
            "groups", group_id, name, shown.pop("created_at", "2026-11-25T00:00:00Z"), **shown
        )

    def _create_group(self, request: Any, context: Any) -> dict:
        refused = self._version_refused(request, context)
        if refused:
            return refused
        body = request.json()["group"]
        self.created["groups"].append(body)
        group_id = str(uuid.uuid4())  # Cinder's schemas take group ids as uuids
        made = self.add_group(
            group_id, body["group_type"], body["volume_types"], name=body.get("name") or ""
        )
        context.status_code = 202
        return {"group": {"id": made["id"], "name": made["name"]}}

    def _create_group_from_source(self, request: Any, context: Any) -> dict:
        """create-from-src: a new group with a volume for each volume of the source group or
        each snapshot of the source group snapshot."""
        refused = self._version_refused(request, context)
        if refused:
            return refused
        body = request.json()["create-from-src"]
        self.created["groups"].append(body)
        group_id = str(uuid.uuid4())  # Cinder's schemas take group ids as uuids
        if body.get("source_group_id"):
            (source,) = [g for g in self.items["groups"] if g["id"] == body["source_group_id"]]
            members = [v for v in self.items["volumes"] if v.get("group_id") == source["id"]]
        else:
            (snapshot,) = [
                s for s in self.items["group_snapshots"] if s["id"] == body["group_snapshot_id"]
            ]
            (source,) = [g for g in self.items["groups"] if g["id"] == snapshot["group_id"]]
            members = [
                s for s in self.items["snapshots"] if s.get("group_snapshot_id") == snapshot["id"]
            ]
        made = self.add_group(
            group_id,
            source["group_type"],
            source["volume_types"],
            name=body.get("name") or "",
            source_group_id=body.get("source_group_id"),
            group_snapshot_id=body.get("group_snapshot_id"),
        )
        for index, _ in enumerate(members, 1):
            self.add(
                "volumes", f"{group_id}-volume-{index}", "", made["created_at"], group_id=group_id
            )
        context.status_code = 202
        return {"group": {"id": made["id"], "name": made["name"]}}

    def _create_group_snapshot(self, request: Any, context: Any) -> dict:
        """A group snapshot and a snapshot of each volume of the group (made before the answer,
        named in none of it, as Cinder's)."""
        refused = self._version_refused(request, context)
        if refused:
            return refused
        body = request.json()["group_snapshot"]
        self.created["group_snapshots"].append(body)
        snapshot_id = str(uuid.uuid4())
        (group,) = [g for g in self.items["groups"] if g["id"] == body["group_id"]]
        made = self.add(
            "group_snapshots",
            snapshot_id,
            body.get("name") or "",
            "2026-11-25T00:00:00Z",
            group_id=group["id"],
            group_type_id=group["group_type"],
            description=body.get("description"),
        )
        for member in [v for v in self.items["volumes"] if v.get("group_id") == group["id"]]:
            self.add(
                "snapshots",
                f"{snapshot_id}-{member['id']}",
                "",
                made["created_at"],
                volume_id=member["id"],
                group_snapshot_id=snapshot_id,
                size=member.get("size", 1),
            )
        context.status_code = 202
        return {
            "group_snapshot": {
                "id": snapshot_id,
                "name": made["name"],
                "group_type_id": group["group_type"],
            }
        }
