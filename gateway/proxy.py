"""Forwarding a user's call to an OpenStack API with the user's own token, and passing the answer
back with the upstream's links rewritten to the gateway's."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session

from tricircle_site import metrics, request_ids
from tricircle_site.exceptions import ServiceUnavailable
from tricircle_site.jsontypes import Json, decode_json
from tricircle_site.paths import safe_url

# The version at the end of an API's base URL (/v2.1, /v3): what bookmark links leave out.
VERSION_SUFFIX = re.compile(r"/v\d+(?:\.\d+)?$")
# Request headers a client sends that the upstream must see (microversions, request ids).
FORWARDED_REQUEST_HEADERS = (
    "Content-Type",
    "Accept",
    "OpenStack-API-Version",
    "X-OpenStack-Nova-API-Version",
    "X-Openstack-Manila-Api-Version",
)
# Response headers passed back to the client.
FORWARDED_RESPONSE_HEADERS = (
    "OpenStack-API-Version",
    "X-OpenStack-Nova-API-Version",
    "X-OpenStack-Request-Id",
    "x-compute-request-id",
    "Vary",
    "Location",
)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _percent_encoded(match: re.Match[str]) -> str:
    return f"%{ord(match[0]):02X}"


@dataclass(frozen=True)
class Upstream:
    """An OpenStack API as the gateway reaches it: a keystoneauth session of the region holding
    it, its base URL there, a name for error messages, the gateway URL that stands for it, and
    the region and API it is measured under."""

    session: ks_session.Session
    base_url: str
    name: str
    public_url: str
    region: str
    api_name: str

    def rewrite(self, content: bytes) -> bytes:
        """The upstream's URLs in an answer made the gateway's: the versioned base (`self`
        links) and the unversioned root (Nova's and Cinder's `bookmark` links), so no pod
        address reaches a user."""
        base, public = self.base_url.rstrip("/"), self.public_url.rstrip("/")
        content = content.replace(base.encode(), public.encode())
        root, public_root = VERSION_SUFFIX.sub("", base), VERSION_SUFFIX.sub("", public)
        if root != base and public_root != public:
            content = content.replace((root + "/").encode(), (public_root + "/").encode())
        return content


@dataclass
class UpstreamResponse:
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Json:
        return decode_json(self.content) if self.content else None

    def to_django(self, upstream: Upstream) -> HttpResponse:
        response = HttpResponse(
            upstream.rewrite(self.content),
            status=self.status,
            content_type=self.headers.get("Content-Type", "application/json"),
        )
        for name in FORWARDED_RESPONSE_HEADERS:
            if name in self.headers:
                value = upstream.rewrite(self.headers[name].encode()).decode()
                # A pod echoes what the caller named (a tag's Location) with its control
                # characters as they came; no HTTP header may carry them.
                response[name] = CONTROL_CHARACTERS.sub(_percent_encoded, value)
        return response


def user_headers(meta: dict[str, Any], token: str) -> dict[str, str]:
    headers = {"X-Auth-Token": token, **request_ids.headers()}
    for name in FORWARDED_REQUEST_HEADERS:
        value = meta.get("HTTP_" + name.upper().replace("-", "_"))
        if name == "Content-Type":
            value = meta.get("CONTENT_TYPE")
        if value:
            headers[name] = value
    return headers


def call(
    upstream: Upstream,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None = None,
    query: str = "",
    timeout: float | None = None,
) -> UpstreamResponse:
    """One HTTP call; an upstream that does not answer (within `timeout`, by default the
    pod session's TRICIRCLE_POD_TIMEOUT) becomes a 503 naming it."""
    url = safe_url(upstream.base_url.rstrip("/") + path) + (f"?{query}" if query else "")
    started, status = time.perf_counter(), None
    try:
        response = upstream.session.request(
            url,
            method,
            headers=headers,
            data=body or None,
            authenticated=False,
            raise_exc=False,
            connect_retries=0,
            # An explicit None would lift the session's own bound: a pod that never answers
            # would hold the caller (and a gunicorn thread) until gunicorn kills the worker.
            timeout=timeout if timeout is not None else upstream.session.timeout,
            log=False,
        )
    except (ks_exceptions.ConnectFailure, ks_exceptions.ConnectTimeout) as exc:
        raise ServiceUnavailable(f"{upstream.name} is not answering.") from exc
    except ks_exceptions.RetriableConnectionFailure as exc:
        raise ServiceUnavailable(f"{upstream.name} did not answer in time.") from exc
    else:
        status = response.status_code
    finally:
        metrics.observe_pod_request(upstream.region, upstream.api_name, status, started)
    if response.status_code in {502, 503, 504}:
        raise ServiceUnavailable(f"{upstream.name} is unavailable (HTTP {response.status_code}).")
    if response.status_code == 500:
        # The pod failed (its own service down behind it, a restart): to the user of the one
        # cloud, a part of it is unavailable, and which one is said. (501 stays: an answer.)
        raise ServiceUnavailable(f"{upstream.name} failed (HTTP 500).")
    return UpstreamResponse(response.status_code, dict(response.headers), response.content)
