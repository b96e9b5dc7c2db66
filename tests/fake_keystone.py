"""A Keystone for unit tests, served through requests_mock: token issue with a catalog that
names each registered region's compute, network and volume endpoints, region lookups and
the users list."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

import requests_mock

KEYSTONE_URL = "http://keystone.test:5000/v3"
SERVICE_TYPES = {
    "compute": "/compute/v2.1",
    "network": "/networking",
    "volumev3": "/volume/v3",
    "placement": "/placement",
}


class FakeKeystone:
    def __init__(self, mocker: requests_mock.Mocker):
        self.mocker = mocker
        self.regions: dict[str, str] = {}
        self.user_ids: list[str] = []
        self.users_status = 200
        self.users_cap: int | None = None  # a Keystone with list_limit: truncates, no paging
        mocker.post(
            f"{KEYSTONE_URL}/auth/tokens",
            json=self._issue_token,
            status_code=201,
            headers={"X-Subject-Token": "service-token"},
        )
        # Like a Keystone on a case-insensitive database: a lookup by id ignores case.
        mocker.get(re.compile(rf"{re.escape(KEYSTONE_URL)}/regions/.+"), json=self._region)
        mocker.get(
            re.compile(rf"{re.escape(KEYSTONE_URL)}/regions(\?.*)?$"),
            json=lambda request, context: {"regions": [{"id": name} for name in self.regions]},
        )
        mocker.get(re.compile(rf"{re.escape(KEYSTONE_URL)}/users(\?.*)?$"), json=self._users)

    def _users(self, request: Any, context: Any) -> dict:
        """Paged as Keystone pages (limit and marker, `links.next` while more follow)."""
        if self.users_status != 200:
            context.status_code = self.users_status
            return {"error": {"code": self.users_status, "message": "refused"}}
        ids = self.user_ids
        if self.users_cap is not None:
            truncated = len(ids) > self.users_cap
            return {
                "users": [{"id": user_id} for user_id in ids[: self.users_cap]],
                "truncated": truncated,
            }
        query = parse_qs(request.query)
        marker = query.get("marker", [None])[0]
        if marker is not None:
            ids = ids[ids.index(marker) + 1 :]
        limit = int(query.get("limit", [len(ids) or 1])[0])
        page = ids[:limit]
        more = f"{KEYSTONE_URL}/users?marker={page[-1]}" if len(ids) > limit else None
        return {"users": [{"id": user_id} for user_id in page], "links": {"next": more}}

    def list_volume_service_under_two_aliases(self) -> None:
        """Tokens' catalogs list the volume service as `volumev3` and `block-storage` too, as
        DevStack and the lab register it."""
        issue_token = self._issue_token

        def with_block_storage_alias(request: Any, context: Any) -> dict:
            body = issue_token(request, context)
            catalog = body["token"]["catalog"]
            (volume,) = [service for service in catalog if service["type"] == "volumev3"]
            catalog.append({**volume, "type": "block-storage", "name": "cinder"})
            return body

        self.mocker.post(
            f"{KEYSTONE_URL}/auth/tokens",
            json=with_block_storage_alias,
            status_code=201,
            headers={"X-Subject-Token": "service-token"},
        )

    def add_region(self, name: str, base_url: str | None = None, answering: bool = True) -> str:
        """Register a region whose services live under base_url (version documents answer
        unless answering is False)."""
        base_url = base_url or f"http://{name.lower()}.test"
        self.regions[name] = base_url
        for suffix in SERVICE_TYPES.values():
            if answering:
                self.mocker.get(f"{base_url}{suffix}", json={"version": {"id": "v"}})
            else:
                self.mocker.get(f"{base_url}{suffix}", status_code=503)
        return base_url

    def _region(self, request: Any, context: Any) -> dict:
        name = request.path.rsplit("/", 1)[-1]
        for region in self.regions:
            if region.lower() == name.lower():
                return {"region": {"id": region}}
        context.status_code = 404
        return {"error": {"code": 404, "message": f"Could not find region: {name}."}}

    def _issue_token(self, request: Any, context: Any) -> dict:
        catalog = [
            {
                "type": service_type,
                "name": service_type,
                "endpoints": [
                    {
                        "interface": "public",
                        "region": region,
                        "region_id": region,
                        "url": f"{base_url}{suffix}",
                    }
                    for region, base_url in self.regions.items()
                ],
            }
            for service_type, suffix in SERVICE_TYPES.items()
        ]
        return {
            "token": {
                "methods": ["password"],
                "expires_at": "2099-01-01T00:00:00.000000Z",
                "issued_at": "2026-01-01T00:00:00.000000Z",
                "user": {"id": "tricircle-user", "name": "tricircle", "domain": {"id": "default"}},
                "project": {
                    "id": "service-project",
                    "name": "service",
                    "domain": {"id": "default"},
                },
                "roles": [{"id": "r1", "name": "admin"}],
                "catalog": catalog,
            }
        }
