"""Nova's security group proxy APIs (os-security-groups, os-security-group-rules; microversions
before 2.36) answered at the top: a pod's Nova would make the group in its own Neutron, where
the top (and every other pod) never sees it; the top region's groups are the central
Neutron's. The handlers check the request as Nova's schemas do, call the service
(gateway.services.security_group_proxy, which reads and changes the groups with the caller's
token) and answer in Nova's format."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from gateway import schema
from gateway.compute.api import ComputeView
from gateway.pod_api import query_params
from gateway.schema import parse_json
from gateway.services import security_group_proxy as proxy
from gateway.services.security_group_proxy import is_uuid_like
from tricircle_site.exceptions import BadRequest, NotFound
from tricircle_site.jsontypes import JsonDict

# Nova's MAX_PROXY_API_SUPPORT_VERSION: from 2.36 on the proxy APIs are gone (404).
MAX_PROXY_VERSION = (2, 35)
NOT_FOUND = "The resource could not be found."
TEXT_MAX = 255  # Nova's schema: a group's name and description
MAX_LIMIT = 1000  # Nova's [api] max_limit: the longest list a page holds
NUMBER_PATTERN = "^[0-9]*$"  # Nova's non-negative integer query parameters


def proxy_api(api: ComputeView) -> None:
    """The proxy APIs of the request's microversion: gone from 2.36 on (404)."""
    if api.version_tuple > MAX_PROXY_VERSION:
        raise NotFound(NOT_FOUND)


def list_groups(api: ComputeView, request: Request) -> HttpResponse:
    proxy_api(api)
    params = query_params(request)
    for name in ("limit", "offset"):
        for value in params.get(name, []):
            check_number_param(name, value)
    offset = int(params["offset"][-1]) if params.get("offset") else 0
    limit = int(params["limit"][-1]) if params.get("limit") else 0
    groups = proxy.list_groups(
        api.identity(request),
        # An admin's all_tenants (any value) lists every project's groups, as in Nova.
        all_tenants="all_tenants" in params,
        offset=offset,
        limit=min(MAX_LIMIT, limit or MAX_LIMIT),
    )
    return api.answer({"security_groups": [group_view(group) for group in groups]})


def create_group(api: ComputeView, request: Request) -> HttpResponse:
    proxy_api(api)
    name, description = group_fields(parse_json(request.body))
    group = proxy.create_group(api.identity(request), name, description)
    return api.answer({"security_group": group_view(group)})


def show_group(api: ComputeView, request: Request, group_id: str) -> HttpResponse:
    proxy_api(api)
    group = proxy.show_group(api.identity(request), group_id)
    return api.answer({"security_group": group_view(group)})


def update_group(api: ComputeView, request: Request, group_id: str) -> HttpResponse:
    proxy_api(api)
    name, description = group_fields(parse_json(request.body))
    group = proxy.update_group(api.identity(request), group_id, name, description)
    return api.answer({"security_group": group_view(group)})


def delete_group(api: ComputeView, request: Request, group_id: str) -> HttpResponse:
    proxy_api(api)
    proxy.delete_group(api.identity(request), group_id)
    return api.set_version_headers(HttpResponse(status=202))


def create_rule(api: ComputeView, request: Request) -> HttpResponse:
    proxy_api(api)
    given = rule_fields(parse_json(request.body))
    rule = proxy.create_rule(api.identity(request), given)
    return api.answer({"security_group_rule": rule_view(rule)})


def delete_rule(api: ComputeView, request: Request, rule_id: str) -> HttpResponse:
    proxy_api(api)
    proxy.delete_rule(api.identity(request), rule_id)
    return api.set_version_headers(HttpResponse(status=202))


def not_routed(api: ComputeView, request: Request, **_: str) -> HttpResponse:
    """These proxy APIs answer as Nova's own: its router answers 404 to a method it does not
    route on their paths (not the 405 the rest of the API gives)."""
    raise NotFound(NOT_FOUND)


def server_groups_view(
    api: ComputeView, request: Request, shown_by_pod: list[JsonDict]
) -> list[JsonDict]:
    """A server's groups (/servers/{id}/os-security-groups): its pod shows its copies, named
    after the top ids; Nova's answer is the top groups, read as the caller. A group the
    caller cannot read at the top stays as the pod showed it."""
    top_ids = [str(group.get("name", "")) for group in shown_by_pod]
    top_groups = proxy.server_groups(api.identity(request), top_ids)
    return [
        group_view(top) if top is not None else shown
        for top, shown in zip(top_groups, shown_by_pod, strict=True)
    ]


# --- answers in Nova's format --------------------------------------------------------------------
def group_view(group: JsonDict) -> JsonDict:
    return {
        "id": group["id"],
        "description": group["description"],
        "name": group["name"],
        "tenant_id": group["project_id"],
        "rules": [rule_view(rule) for rule in group["rules"]],
    }


def rule_view(rule: JsonDict) -> JsonDict:
    """A rule as Nova shows it: the group it names (as the caller reads it), else its cidr."""
    remote = rule.get("remote")
    return {
        "id": rule["id"],
        "parent_group_id": rule["parent_group_id"],
        "ip_protocol": rule["protocol"],
        "from_port": rule["from_port"],
        "to_port": rule["to_port"],
        "group": {"name": remote["name"], "tenant_id": remote["project_id"]} if remote else {},
        "ip_range": {} if rule["group_id"] else {"cidr": rule["cidr"]},
    }


# --- what a request gives, checked as Nova's schemas check it ------------------------------------
def body_member(body: dict[str, Any], key: str) -> dict[str, Any]:
    if key not in body:
        raise BadRequest(f"{key!r} is a required property")
    member = body[key]
    if not isinstance(member, dict):
        raise schema.invalid(key, member, f"{member!r} is not of type 'object'")
    return member


def group_fields(body: dict[str, Any]) -> tuple[str, str]:
    """The name and description of a group's create or update (both required, strings of at
    most 255 characters; Nova takes an empty one)."""
    group = body_member(body, "security_group")
    for field in ("name", "description"):
        if field not in group:
            continue
        value = group[field]
        if not isinstance(value, str):
            raise schema.invalid(field, value, f"{value!r} is not of type 'string'")
        if len(value) > TEXT_MAX:
            raise schema.invalid(field, value, f"{value!r} is too long")
    for field in ("name", "description"):
        if field not in group:
            raise schema.invalid("security_group", group, f"{field!r} is a required property")
    return group["name"], group["description"]


def rule_fields(body: dict[str, Any]) -> dict[str, Any]:
    """A rule's create body: its parent group's id (required) and the id of the group it
    names, UUIDs; the rest Nova checks as it builds the rule."""
    rule = body_member(body, "security_group_rule")
    for field, types in (("group_id", ("string", "null")), ("parent_group_id", ("string",))):
        if field not in rule:
            continue
        value = rule[field]
        if value is None and "null" in types:
            continue
        if not isinstance(value, str):
            names = ", ".join(repr(name) for name in types)
            raise schema.invalid(field, value, f"{value!r} is not of type {names}")
        if not is_uuid_like(value):
            raise schema.invalid(field, value, f"{value!r} is not a 'uuid'")
    if "parent_group_id" not in rule:
        raise schema.invalid(
            "security_group_rule", rule, "'parent_group_id' is a required property"
        )
    return rule


def check_number_param(name: str, value: str) -> None:
    """Nova's schema of limit and offset: digits, not empty."""
    if not re.search(NUMBER_PATTERN, value):
        reason = f"{value!r} does not match {NUMBER_PATTERN!r}"
    elif not value:
        reason = f"{value!r} should be non-empty"
    else:
        return
    raise BadRequest(f"Invalid input for query parameters {name}. Value: {value}. {reason}")
