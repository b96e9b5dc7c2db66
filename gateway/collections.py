"""Lists gathered from every pod and merged as if one service had answered: the API's sort keys
and directions, filters passed to each pod, `limit` and `marker` across pods, next links at the
gateway, and pods that do not answer reported instead of failing the list."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from gateway.proxy import Upstream, UpstreamResponse, call
from pods.fanout import gather
from pods.models import Pod
from routing.models import ResourceRouting
from tricircle_site.exceptions import BadRequest, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict, decode_json

LOG = logging.getLogger(__name__)

# How many pages of one pod a marker that lives in another pod may skip through.
MAX_PAGES_PER_POD = 20
DEFAULT_SORT = [("created_at", True), ("id", True)]


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool


def parse_sort(params: dict[str, list[str]]) -> list[SortKey]:
    """Nova's `sort_key`/`sort_dir` pairs or Cinder's `sort=key:dir,...`."""
    keys: list[SortKey] = []
    if params.get("sort"):
        for part in ",".join(params["sort"]).split(","):
            name, _, direction = part.strip().partition(":")
            keys.append(SortKey(name, _descending(direction or "desc")))
    else:
        names, directions = params.get("sort_key", []), params.get("sort_dir", [])
        for index, name in enumerate(names):
            direction = directions[index] if index < len(directions) else "desc"
            keys.append(SortKey(name, _descending(direction)))
    if not keys:
        keys = [SortKey(name, desc) for name, desc in DEFAULT_SORT]
    if "id" not in {key.name for key in keys}:
        keys.append(SortKey("id", keys[-1].descending))  # a total order, as the pods use
    return keys


def _descending(direction: str) -> bool:
    if direction not in {"asc", "desc"}:
        raise BadRequest(f"Sort direction must be asc or desc, not {direction!r}.")
    return direction == "desc"


def compare(keys: list[SortKey], a: JsonDict, b: JsonDict) -> int:
    for key in keys:
        left, right = a.get(key.name), b.get(key.name)
        if left == right:
            continue
        # None sorts first ascending, as SQL with NULLS FIRST in the pods' databases.
        if left is None:
            result = -1
        elif right is None:
            result = 1
        elif type(left) is type(right):
            result = -1 if left < right else 1
        else:
            result = -1 if str(left) < str(right) else 1
        return -result if key.descending else result
    return 0


@dataclass
class PodPage:
    items: list[JsonDict]
    more: bool


@dataclass
class MergedList:
    items: list[JsonDict]
    more: bool
    unavailable: dict[Pod, str]


@dataclass(frozen=True)
class PodCollection:
    """One collection of a pod API (Nova servers, Cinder volumes ...)."""

    name: str  # "servers"
    resource_type: str  # routing type
    detail_path: str  # "/servers/detail"
    show_path: str  # "/servers/{id}"
    singular: str  # "server"
    # what a down pod's resource looks like, where the API has such stubs
    stub: Callable[[ResourceRouting], JsonDict] | None = None
    # sort key of the API -> the field of a resource that holds it, where the names differ
    sort_fields: tuple[tuple[str, str], ...] = ()
    # shows a pod's item as the top region's (e.g. the pod's AZ name replaced by Tricircle's)
    present: Callable[[Pod, JsonDict], None] | None = None
    # the key of the list's next link, where the API does not name it "<name>_links"
    links: str = ""

    @property
    def links_key(self) -> str:
        return self.links or f"{self.name}_links"

    def sort_keys(self, params: dict[str, list[str]]) -> list[SortKey]:
        fields = dict(self.sort_fields)
        return [
            SortKey(fields.get(key.name, key.name), key.descending) for key in parse_sort(params)
        ]

    def fetch_page(
        self,
        upstream: Upstream,
        headers: dict[str, str],
        query: list[tuple[str, str]],
        limit: int | None,
    ) -> PodPage:
        params = list(query)
        if limit is not None:
            params.append(("limit", str(limit)))
        response = call(upstream, "GET", self.detail_path, headers, query=urlencode(params))
        if response.status >= 500:
            raise ServiceUnavailable(f"{upstream.name} failed: HTTP {response.status}")
        if response.status >= 400:
            raise PodRefused(response)
        # The pod's links (self, bookmark) become the gateway's, as for a single resource.
        body = decode_json(upstream.rewrite(response.content) or b"{}")
        items = body.get(self.name, [])
        more = any(link.get("rel") == "next" for link in body.get(self.links_key, []))
        return PodPage(items, more or (limit is not None and len(items) >= limit))


class PodRefused(Exception):
    """A pod's 4xx to a list: the request's fault, not the pod's (a bad filter, sort key or
    date); the user gets the pod's answer, not a list without that pod."""

    def __init__(self, response: UpstreamResponse, pod: Pod | None = None):
        super().__init__(f"HTTP {response.status}: {response.content[:300]!r}")
        self.status = response.status
        self.response = response
        self.pod = pod


@dataclass(frozen=True)
class PodListing:
    """One list asked of every pod: what each pod is asked (the caller's filters and sort,
    without limit and marker) and where the list starts (the marker, an item of one pod)."""

    collection: PodCollection
    upstream_of: Callable[[Pod], Upstream]
    headers: dict[str, str]
    passthrough: list[tuple[str, str]]
    keys: list[SortKey]
    marker_item: JsonDict | None
    marker_pod: Pod | None
    limit: int | None

    def fetch(
        self, pod: Pod, upstream: Upstream, query: list[tuple[str, str]], size: int | None
    ) -> PodPage:
        page = self.collection.fetch_page(upstream, self.headers, query, size)
        if self.collection.present:  # before comparing with the (presented) marker
            for item in page.items:
                self.collection.present(pod, item)
        return page

    def one_pod(self, pod: Pod) -> PodPage:
        upstream = self.upstream_of(pod)
        if self.marker_item is None or pod == self.marker_pod:
            marker = [("marker", self.marker_item["id"])] if self.marker_item else []
            return self.fetch(pod, upstream, self.passthrough + marker, self.limit)
        return self.after_marker(pod, upstream, self.marker_item)

    def after_marker(self, pod: Pod, upstream: Upstream, marker_item: JsonDict) -> PodPage:
        """The marker lives in another pod: this pod's items that sort after it, read page
        by page (at most MAX_PAGES_PER_POD)."""
        limit = self.limit
        kept: list[JsonDict] = []
        pod_marker = None
        for _ in range(MAX_PAGES_PER_POD):
            query = self.passthrough + ([("marker", pod_marker)] if pod_marker else [])
            page = self.fetch(pod, upstream, query, max(limit or 100, 100))
            kept += [item for item in page.items if compare(self.keys, item, marker_item) > 0]
            if not page.more or not page.items or (limit and len(kept) >= limit):
                return PodPage(
                    kept[:limit] if limit else kept, page.more or len(kept) > (limit or 0)
                )
            pod_marker = page.items[-1]["id"]
        return PodPage(kept, True)


def list_across_pods(
    collection: PodCollection,
    pods: list[Pod],
    upstream_of: Callable[[Pod], Upstream],
    headers: dict[str, str],
    params: dict[str, list[str]],
    marker_item: JsonDict | None,
    marker_pod: Pod | None,
    limit: int | None,
) -> MergedList:
    keys = collection.sort_keys(params)
    passthrough = [
        (name, value)
        for name, values in params.items()
        if name not in {"limit", "marker"}
        for value in values
    ]
    listing = PodListing(
        collection, upstream_of, headers, passthrough, keys, marker_item, marker_pod, limit
    )
    gathered = gather(pods, listing.one_pod)
    refused = sorted(
        (pod.region_name, pod, error)
        for pod, error in gathered.errors.items()
        if isinstance(error, PodRefused)
    )
    if refused:
        _, pod, error = refused[0]
        raise PodRefused(error.response, pod)
    for pod, reason in gathered.failures.items():
        LOG.warning("%s list: %s did not answer: %s", collection.name, pod.region_name, reason)
    items = [item for page in gathered.results.values() for item in page.items]
    items.sort(key=functools.cmp_to_key(lambda a, b: compare(keys, a, b)))
    more = any(page.more for page in gathered.results.values())
    if limit is not None and len(items) > limit:
        items, more = items[:limit], True
    return MergedList(items, more, gathered.failures)
