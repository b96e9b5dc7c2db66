"""Whole collections read a page at a time (limit/marker, as Neutron, Nova and Cinder page),
with every call counted: an audit of a large pod costs a few list calls per type, never one
call per resource."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pods.clients import ServiceClient, ServiceError
from tricircle_site.jsontypes import JsonDict


class Refused(Exception):
    """The API answered a list with a refusal (4xx, e.g. no backup service in that pod): the
    type cannot be audited this time. No answer at all is ServiceUnavailable, which skips the
    whole pod instead."""


@dataclass
class Lister:
    page_size: int
    calls: int = 0
    refused: list[str] = field(default_factory=list)

    def list_all(
        self,
        client: ServiceClient,
        path: str,
        key: str,
        marker_of: Callable[[JsonDict], str] = lambda item: str(item["id"]),
        **params: Any,
    ) -> list[JsonDict]:
        items: list[JsonDict] = []
        marker: str | None = None
        while True:
            query = {**params, "limit": self.page_size}
            if marker is not None:
                query["marker"] = marker
            self.calls += 1
            try:
                body = client.get(path, **query)
            except ServiceError as exc:
                self.refused.append(f"{client.where} {path}: HTTP {exc.status_code}")
                raise Refused(str(exc)) from exc
            page = list(body.get(key) or [])
            items += page
            # The APIs link the next page only when there is one (Nova and Cinder also when
            # the page is exactly full; the next call then answers an empty page).
            if not page or not _has_next(body, key):
                if body.get("truncated"):  # a Keystone that caps lists without paging them
                    self.refused.append(f"{client.where} {path}: truncated list")
                return items
            next_marker = marker_of(page[-1])
            if next_marker == marker:  # an API that ignores the marker would loop forever
                return items
            marker = next_marker


def _has_next(body: JsonDict, key: str) -> bool:
    """Nova, Cinder and Neutron list links as `<key>_links`; Keystone as `links.next`."""
    links = body.get(f"{key}_links") or []
    if any(link.get("rel") == "next" for link in links):
        return True
    keystone_links = body.get("links")
    return isinstance(keystone_links, dict) and bool(keystone_links.get("next"))
