"""The top region's Network API: the central Neutron behind the gateway, with cross-pod meaning
added where a call has it (availability zone hints, DHCP reservation, bottom copies)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from gateway.base import GatewayView
from gateway.proxy import Upstream, UpstreamResponse, call, user_headers
from networking import services
from pods.clients import clients
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest
from tricircle_site.jsontypes import JsonDict

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission

PREFIX = "/networking"
ZONED = re.compile(r"^/v2\.0/(networks|routers)(?:\.json)?$")
ZONED_ONE = re.compile(r"^/v2\.0/(networks|routers)/([^/.]+)(?:\.json)?$")
SUBNETS = re.compile(r"^/v2\.0/subnets(?:\.json)?$")
DELETABLE = re.compile(
    r"^/v2\.0/(networks|subnets|ports|routers|security-groups)/([^/.]+)(?:\.json)?$"
)
# Calls after which a router's pods must converge (its router_setup job).
ROUTER_CHANGED = re.compile(
    r"^/v2\.0/routers/([^/.]+)"
    r"(?:/(?:add_router_interface|remove_router_interface|add_extraroutes|remove_extraroutes))?"
    r"(?:\.json)?$"
)
FLOATINGIPS = re.compile(r"^/v2\.0/floatingips(?:\.json)?$")
FLOATINGIP_ONE = re.compile(r"^/v2\.0/floatingips/([^/.]+)(?:\.json)?$")
PORT_ONE = re.compile(r"^/v2\.0/ports/([^/.]+)(?:\.json)?$")
RULES = re.compile(r"^/v2\.0/security-group-rules(?:\.json)?$")
RULE_ONE = re.compile(r"^/v2\.0/security-group-rules/([^/.]+)(?:\.json)?$")
SINGULAR = {
    "networks": "network",
    "routers": "router",
    "subnets": "subnet",
    "security_group_rules": "security_group_rule",
}


class NetworkGatewayView(GatewayView):
    fault_style = "neutron"

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        # Neutron's version list answers without a token, as clients expect for discovery.
        if self.kwargs.get("path", "") in {"", "/"}:
            return [AllowAny()]
        return super().get_permissions()

    def upstream(self, request: Request) -> Upstream:
        return central_upstream(request)

    def forward(self, request: Request, path: str, body: bytes | None = None) -> UpstreamResponse:
        token = request.auth.token if isinstance(request.auth, KeystoneIdentity) else ""
        headers = user_headers(request.META, token) if token else {}
        if not token:
            headers = {"Accept": "application/json"}
        assert request.method is not None  # a request DRF dispatched has one
        return call(
            self.upstream(request),
            request.method,
            path,
            headers,
            body if body is not None else request.body,
            request.META.get("QUERY_STRING", ""),
        )

    def handle(self, request: Request, path: str = "") -> HttpResponse:
        path = "/" + path.lstrip("/")
        method = request.method
        assert method is not None  # a request DRF dispatched has one
        if method == "POST" and (zoned := ZONED.match(path)):
            return self.create_zoned(request, path, zoned.group(1))
        if method == "POST" and SUBNETS.match(path):
            return self.create_subnets(request, path)
        deleted = DELETABLE.match(path)
        rule_deleted = RULE_ONE.match(path) if method == "DELETE" else None
        group_of_rule = services.group_of_rule(rule_deleted.group(1)) if rule_deleted else None
        floatingip = FLOATINGIP_ONE.match(path) if method in {"PUT", "DELETE"} else None
        # A floating IP moved or deleted also changes the router it was on before.
        router_before = services.router_of_floatingip(floatingip.group(1)) if floatingip else None
        response = self.forward(request, path)
        if response.status < 300:
            routers_changed(method, path, response, router_before)
        if (
            method == "GET"
            and response.status < 300
            and (ZONED.match(path) or ZONED_ONE.match(path))
        ):
            response = with_hints(response, request.GET.getlist("fields"))
        if method == "DELETE" and deleted and response.status == 204:
            services.top_resource_deleted(deleted.group(1), deleted.group(2))
        port_updated = PORT_ONE.match(path) if method == "PUT" else None
        if port_updated and response.status == 200:
            services.port_changed(port_updated.group(1))
        if group_of_rule and response.status == 204:
            services.security_group_changed(group_of_rule)
        if method == "POST" and RULES.match(path) and response.status == 201:
            answer = response.json()
            for rule in resource_items(answer, "security_group_rules"):
                services.security_group_changed(rule["security_group_id"])
        return response.to_django(self.upstream(request))

    get = post = put = delete = patch = handle

    def create_zoned(self, request: Request, path: str, collection: str) -> HttpResponse:
        body = parse_json(request.body)
        items = resource_items(body, collection)
        hints_by_index = [services.pop_hints(item) for item in items]
        response = self.forward(request, path, json.dumps(body).encode())
        if response.status == 201:
            answer = response.json()
            for item, hints in zip(
                resource_items(answer, collection), hints_by_index, strict=False
            ):
                services.zoned_resource_created(SINGULAR[collection], item, hints)
            response.content = json.dumps(answer).encode()
        return response.to_django(self.upstream(request))

    def create_subnets(self, request: Request, path: str) -> HttpResponse:
        response = self.forward(request, path)
        if response.status == 201:
            for subnet in resource_items(response.json(), "subnets"):
                services.subnet_created(subnet)
        return response.to_django(self.upstream(request))


def routers_changed(
    method: str, path: str, response: UpstreamResponse, router_before: str | None
) -> None:
    """Ask the router_setup job of every router a successful call changed."""
    routers: set[str] = set()
    changed = ROUTER_CHANGED.match(path)
    if method == "PUT" and changed:
        routers.add(changed.group(1))
    if (method == "POST" and FLOATINGIPS.match(path)) or (
        method in {"PUT", "DELETE"} and FLOATINGIP_ONE.match(path)
    ):
        answer = response.json() if response.content else None
        answer = answer if isinstance(answer, dict) else {}
        items = answer.get("floatingips") or [answer.get("floatingip") or {}]
        routers.update(item["router_id"] for item in items if item.get("router_id"))
        if router_before:
            routers.add(router_before)
    for router_id in sorted(routers):
        services.router_changed(router_id)


def central_upstream(request: Request) -> Upstream:
    return Upstream(
        session=clients().session(settings.TOP_REGION),
        base_url=settings.CENTRAL_NEUTRON_URL,
        name="The central Neutron",
        public_url=request.build_absolute_uri(PREFIX).rstrip("/"),
        region=settings.TOP_REGION,
        api_name="central-neutron",
    )


def parse_json(raw: bytes) -> JsonDict:
    try:
        body = json.loads(raw or b"null")
    except RecursionError as exc:
        raise BadRequest("The request body nests too deeply.") from exc
    except ValueError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def resource_items(body: JsonDict, collection: str) -> list[JsonDict]:
    """The resources of a Neutron body, single (`{"network": {...}}`) or bulk."""
    if isinstance(body.get(collection), list):
        return [item for item in body[collection] if isinstance(item, dict)]
    item = body.get(SINGULAR[collection])
    if not isinstance(item, dict):
        raise BadRequest(f'The request body must be {{"{SINGULAR[collection]}": {{...}}}}.')
    return [item]


def with_hints(response: UpstreamResponse, fields: list[str]) -> UpstreamResponse:
    # `fields=` asks for exactly those attributes (Tempest checks): add hints only if asked.
    if fields and "availability_zone_hints" not in fields:
        return response
    body = response.json()
    items = body.get("networks") or body.get("routers") or []
    single = body.get("network") or body.get("router")
    if single:
        items = [single]
    services.show_hints(items)
    response.content = json.dumps(body).encode()
    return response
