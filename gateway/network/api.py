"""The top region's Network API (`/networking`): the central Neutron behind the gateway, called
with the caller's own token, with cross-pod meaning added where a call has it (availability zone
hints, DHCP reservations, bottom copies, routers converging; networking.services)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from gateway.base import RoutedView
from gateway.network import neutron_mistakes
from gateway.proxy import Upstream, UpstreamResponse, call, user_headers
from gateway.upstreams import central_upstream
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest
from tricircle_site.jsontypes import JsonDict

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission

# The largest page limit Neutron's database takes (an unsigned 64-bit LIMIT).
MAX_PAGE_LIMIT = 2**64 - 1
# Neutron answers `/v2.0/networks.json` as `/v2.0/networks` (JSON is its one format).
JSON_SUFFIX = ".json"


class NetworkView(RoutedView):
    fault_style = "neutron"

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        # Neutron's version list answers without a token, as clients expect for discovery.
        if self.kwargs.get("path", "") in {"", "/"}:
            return [AllowAny()]
        return super().get_permissions()

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        """Requests Neutron fails with a 500 on some of its resources (which a user would get
        as the central Neutron being unavailable), refused as the caller's 400 first."""
        super().initial(request, *args, **kwargs)
        query = request.META.get("QUERY_STRING", "")
        for limit in parse_qs(query).get("limit", []) if "limit" in query else []:
            if limit.isascii() and limit.isdigit() and int(limit) > MAX_PAGE_LIMIT:
                raise BadRequest(
                    f"Bad limit request: Limit must be an integer from 0 to {MAX_PAGE_LIMIT} "
                    f"and not '{limit}'."
                )
        if request.method in {"POST", "PUT"} and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                return  # Neutron refuses it in its own words (MalformedRequestBody)
            if not isinstance(body, dict):
                # Neutron's words, where it does not fail (a PUT of `[]` to a security group)
                raise BadRequest("Body contains invalid data")
            path = self.route_path(request, str(self.kwargs.get("path", "")))
            found = neutron_mistakes.mistake(request.method, path, body)
            if found:
                raise BadRequest(found)

    def route_path(self, request: Request, path: str) -> str:
        return ("/" + path).removesuffix(JSON_SUFFIX)

    def upstream(self, request: Request) -> Upstream:
        return central_upstream(request)

    def forward(self, request: Request, body: bytes | None = None) -> UpstreamResponse:
        """The caller's call as it came (path, query, and body unless another is given), to
        the central Neutron with the caller's token (none for the version list)."""
        token = request.auth.token if isinstance(request.auth, KeystoneIdentity) else ""
        headers = user_headers(request.META, token) if token else {"Accept": "application/json"}
        assert request.method is not None  # a request DRF dispatched has one
        return call(
            self.upstream(request),
            request.method,
            "/" + str(self.kwargs.get("path", "")).lstrip("/"),
            headers,
            body if body is not None else request.body,
            request.META.get("QUERY_STRING", ""),
        )

    def respond(self, request: Request, response: UpstreamResponse) -> HttpResponse:
        """The central Neutron's answer, its links made the gateway's."""
        return response.to_django(self.upstream(request))


def answer_body(response: UpstreamResponse) -> JsonDict:
    """The JSON object of an answer ({} when it has none, as a 204 has)."""
    body = response.json() if response.content else None
    return body if isinstance(body, dict) else {}


def with_body(response: UpstreamResponse, body: JsonDict) -> UpstreamResponse:
    """The answer with its body replaced (after Tricircle added to it)."""
    response.content = json.dumps(body).encode()
    return response
