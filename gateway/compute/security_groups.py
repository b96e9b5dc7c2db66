"""Nova's security group proxy APIs (os-security-groups, os-security-group-rules; microversions
before 2.36) answered at the top. A pod's Nova would make the group in its own Neutron, where
the top (and every other pod) never sees it; the top region's groups are the central Neutron's,
so these calls go there, with the caller's token (Neutron's policy answers for the caller), and
are answered as Nova's Neutron-backed implementation answers them: its validation, messages,
statuses, formats and its translation of Neutron's refusals. Changes reach the pods' copies as
changes made through the Network API do."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import uuid
from typing import Any
from urllib.parse import quote, unquote, urlencode

from django.http import HttpResponse
from rest_framework.request import Request

from gateway import schema
from gateway.compute.api import ComputeView
from gateway.pod_api import query_params
from gateway.proxy import UpstreamResponse, call, user_headers
from gateway.schema import parse_json
from gateway.upstreams import central_upstream
from networking import services
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, Forbidden, NotFound, TricircleError

LOG = logging.getLogger(__name__)

# Nova's MAX_PROXY_API_SUPPORT_VERSION: from 2.36 on the proxy APIs are gone (404).
MAX_PROXY_VERSION = (2, 35)
NOT_FOUND = "The resource could not be found."
REQUEST_ID = "x-openstack-request-id"  # Neutron's answer header (any case)
TEXT_MAX = 255  # Nova's schema: a group's name and description
MAX_LIMIT = 1000  # Nova's [api] max_limit: the longest list a page holds
NUMBER_PATTERN = "^[0-9]*$"  # Nova's non-negative integer query parameters
ANY_IPV4 = "0.0.0.0/0"  # Nova's cidr of a rule that names none
POLICY = "os_compute_api:os-security-groups:%s"
# Nova's default policies: reads need the reader role, changes the member role (or admin).
READ_ACTIONS = frozenset({"get", "show"})
READER_ROLE = "reader"
MEMBER_ROLE = "member"
# What Nova answers a bare HTTPBadRequest with (a Neutron 401 on a group's create or update).
WEBOB_BAD_REQUEST = (
    "The server could not comply with the request since it is either malformed or otherwise "
    "incorrect."
)


def proxy_api(api: ComputeView, request: Request) -> SecurityGroupProxy:
    """The proxy APIs of the request's microversion: gone from 2.36 on (404)."""
    if api.version_tuple > MAX_PROXY_VERSION:
        raise NotFound(NOT_FOUND)
    return SecurityGroupProxy(api, request)


def list_groups(api: ComputeView, request: Request) -> HttpResponse:
    return proxy_api(api, request).list_groups()


def create_group(api: ComputeView, request: Request) -> HttpResponse:
    return proxy_api(api, request).create_group()


def show_group(api: ComputeView, request: Request, group_id: str) -> HttpResponse:
    return proxy_api(api, request).show_group(group_id)


def update_group(api: ComputeView, request: Request, group_id: str) -> HttpResponse:
    return proxy_api(api, request).update_group(group_id)


def delete_group(api: ComputeView, request: Request, group_id: str) -> HttpResponse:
    return proxy_api(api, request).delete_group(group_id)


def create_rule(api: ComputeView, request: Request) -> HttpResponse:
    return proxy_api(api, request).create_rule()


def delete_rule(api: ComputeView, request: Request, rule_id: str) -> HttpResponse:
    return proxy_api(api, request).delete_rule(rule_id)


def not_routed(api: ComputeView, request: Request, **_: str) -> HttpResponse:
    """These proxy APIs answer as Nova's own: its router answers 404 to a method it does not
    route on their paths (not the 405 the rest of the API gives)."""
    raise NotFound(NOT_FOUND)


class SecurityGroupProxy:
    """The calls of one request, made to the central Neutron with the caller's token."""

    def __init__(self, view: ComputeView, request: Request):
        self.view = view
        self.request = request
        self.identity: KeystoneIdentity = view.identity(request)
        self.upstream = central_upstream(request)
        self.headers = {
            **user_headers(request.META, self.identity.token),
            "Accept": "application/json",
        }
        # The name and project of groups rules refer to, as the caller may read them (None:
        # the caller cannot: Nova leaves such a rule out).
        self.remote_groups: dict[str, dict[str, Any] | None] = {}

    # --- the API -------------------------------------------------------------------------------
    def list_groups(self) -> HttpResponse:
        params = query_params(self.request)
        for name in ("limit", "offset"):
            for value in params.get(name, []):
                check_number_param(name, value)
        self.authorize("get")
        filters: dict[str, str] = {}
        # An admin's all_tenants (any value) lists every project's groups, as in Nova.
        if not (self.identity.is_admin and "all_tenants" in params):
            filters["project_id"] = self.identity.project_id
        response = self.neutron("GET", "/security-groups", query=urlencode(filters))
        if response.status >= 300:
            raise unexpected(response)
        groups = [nova_group(group) for group in response.json()["security_groups"]]
        self.know_groups(groups)
        offset = int(params["offset"][-1]) if params.get("offset") else 0
        limit = int(params["limit"][-1]) if params.get("limit") else 0
        limit = min(MAX_LIMIT, limit or MAX_LIMIT)
        shown = [self.present_group(group) for group in groups[offset : offset + limit]]
        shown.sort(key=lambda group: (group["tenant_id"], group["name"]))
        return self.view.answer({"security_groups": shown})

    def server_groups(self, shown_by_pod: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A server's groups (/servers/{id}/os-security-groups): its pod shows its copies,
        named after the top ids; Nova's answer is the top groups, read as the caller. A group
        the caller cannot read at the top stays as the pod showed it."""
        top_ids = [str(group.get("name", "")) for group in shown_by_pod]
        wanted = sorted({top_id for top_id in top_ids if is_uuid_like(top_id)})
        if not wanted:
            return shown_by_pod
        query = urlencode([("id", top_id) for top_id in wanted])
        response = self.neutron("GET", "/security-groups", query=query)
        if response.status >= 300:
            return shown_by_pod
        groups = {group["id"]: nova_group(group) for group in response.json()["security_groups"]}
        self.know_groups(list(groups.values()))
        return [
            self.present_group(groups[top_id]) if top_id in groups else shown
            for top_id, shown in zip(top_ids, shown_by_pod, strict=True)
        ]

    def show_group(self, group_id: str) -> HttpResponse:
        self.authorize("show")
        group = self.read_group(validate_id(group_id))
        self.know_groups([group])
        return self.view.answer({"security_group": self.present_group(group)})

    def create_group(self) -> HttpResponse:
        name, description = group_fields(parse_json(self.request.body))
        self.authorize("create")
        body = {"security_group": {"name": name, "description": description}}
        response = self.neutron("POST", "/security-groups", body)
        if response.status >= 300:
            raise group_change_refusal(response, {409: Forbidden})
        group = nova_group(response.json()["security_group"])
        self.know_groups([group])
        return self.view.answer({"security_group": self.present_group(group)})

    def update_group(self, group_id: str) -> HttpResponse:
        name, description = group_fields(parse_json(self.request.body))
        self.authorize("update")
        group = self.read_group(validate_id(group_id))
        body = {"security_group": {"name": name, "description": description}}
        response = self.neutron("PUT", f"/security-groups/{quote(group['id'], safe='')}", body)
        if response.status >= 300:
            raise group_change_refusal(response, {})
        updated = nova_group(response.json()["security_group"])
        self.know_groups([updated])
        return self.view.answer({"security_group": self.present_group(updated)})

    def delete_group(self, group_id: str) -> HttpResponse:
        self.authorize("delete")
        group = self.read_group(validate_id(group_id))
        response = self.neutron("DELETE", f"/security-groups/{quote(group['id'], safe='')}")
        if response.status == 404:
            raise NotFound(neutron_message(response))
        if response.status == 409:
            # In use, or the project's default group: Nova takes Neutron's refusal as bad input.
            raise BadRequest(neutron_message(response))
        if response.status >= 300:
            raise unexpected(response)
        services.top_resource_deleted("security-groups", group["id"])
        return self.view.set_version_headers(HttpResponse(status=202))

    def create_rule(self) -> HttpResponse:
        given = rule_fields(parse_json(self.request.body))
        self.authorize("rule:create")
        parent = self.read_group(given["parent_group_id"])
        remote_id = given.get("group_id")
        remote = self.read_group(remote_id) if remote_id is not None else None
        new_rule = ingress_rule(given, remote_id)
        if new_rule is None:
            raise BadRequest("Not enough parameters to build a valid rule.")
        new_rule["parent_group_id"] = parent["id"]
        if "cidr" in new_rule:
            address, prefixlen = address_and_prefixlen(new_rule["cidr"])
            if prefixlen == 0 and address not in {"0.0.0.0", "::"}:
                raise BadRequest(f"Bad prefix for network in cidr {new_rule['cidr']}")
        if rule_exists(parent, new_rule):
            raise BadRequest(f"This rule already exists in group {parent['id']}")
        body = {"security_group_rules": [neutron_rule(new_rule)]}
        response = self.neutron("POST", "/security-group-rules", body)
        if response.status >= 300:
            raise rule_create_refusal(response)
        (made,) = response.json()["security_group_rules"]
        services.security_group_changed(made["security_group_id"])
        remote_data = None
        if remote is not None:
            remote_data = {"name": remote["name"], "tenant_id": remote["project_id"]}
        rule = self.present_rule(nova_rule(made), remote_data)
        return self.view.answer({"security_group_rule": rule})

    def delete_rule(self, rule_id: str) -> HttpResponse:
        self.authorize("rule:delete")
        path = f"/security-group-rules/{quote(validate_id(rule_id), safe='')}"
        shown = self.neutron("GET", path)
        if shown.status == 404:
            raise NotFound(neutron_message(shown))
        if shown.status >= 300:
            raise unexpected(shown)
        rule = nova_rule(shown.json()["security_group_rule"])
        group = self.read_group(rule["parent_group_id"])
        response = self.neutron("DELETE", path)
        if response.status >= 300:
            raise unexpected(response)
        services.security_group_changed(group["id"])
        return self.view.set_version_headers(HttpResponse(status=202))

    # --- the central Neutron, as the caller ----------------------------------------------------
    def neutron(
        self, method: str, path: str, body: dict[str, Any] | None = None, query: str = ""
    ) -> UpstreamResponse:
        headers = dict(self.headers)
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        return call(self.upstream, method, "/v2.0" + path, headers, data, query)

    def read_group(self, group_id: str) -> dict[str, Any]:
        """A group as Nova's Neutron API layer has it (ingress rules in Nova's terms)."""
        response = self.neutron("GET", f"/security-groups/{quote(group_id, safe='')}")
        if response.status == 404:
            raise NotFound(neutron_message(response))
        if response.status >= 300:
            raise unexpected(response)
        return nova_group(response.json()["security_group"])

    def authorize(self, action: str) -> None:
        """Nova's default policy of the action (its target is the caller's own project)."""
        role = READER_ROLE if action in READ_ACTIONS else MEMBER_ROLE
        if not (self.identity.is_admin or role in self.identity.roles):
            raise Forbidden(f"Policy doesn't allow {POLICY % action} to be performed.")

    # --- answers in Nova's format --------------------------------------------------------------
    def know_groups(self, groups: list[dict[str, Any]]) -> None:
        """Groups in hand need no read when a rule refers to them: the caller reads them."""
        for group in groups:
            self.remote_groups[group["id"]] = {
                "name": group["name"],
                "tenant_id": group["project_id"],
            }

    def remote_group(self, group_id: str) -> dict[str, Any] | None:
        if group_id not in self.remote_groups:
            fields = urlencode([("fields", name) for name in ("id", "name", "tenant_id")])
            path = f"/security-groups/{quote(group_id, safe='')}"
            response = self.neutron("GET", path, query=fields)
            if response.status == 404:
                # Deleted meanwhile, or not the caller's to see: Nova leaves the rule out.
                self.remote_groups[group_id] = None
            elif response.status >= 300:
                raise unexpected(response)
            else:
                group = response.json()["security_group"]
                self.remote_groups[group_id] = {
                    "name": group.get("name"),
                    "tenant_id": group.get("tenant_id") or group.get("project_id"),
                }
        return self.remote_groups[group_id]

    def present_group(self, group: dict[str, Any]) -> dict[str, Any]:
        rules = []
        for rule in group["rules"]:
            shown = self.present_rule(rule)
            if shown is not None:
                rules.append(shown)
        return {
            "id": group["id"],
            "description": group["description"],
            "name": group["name"],
            "tenant_id": group["project_id"],
            "rules": rules,
        }

    def present_rule(
        self, rule: dict[str, Any], remote_data: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """A rule as Nova answers it; None when its remote group cannot be read."""
        shown: dict[str, Any] = {
            "id": rule["id"],
            "parent_group_id": rule["parent_group_id"],
            "ip_protocol": rule["protocol"],
            "from_port": rule["from_port"],
            "to_port": rule["to_port"],
            "group": {},
            "ip_range": {},
        }
        if remote_data:
            shown["group"] = remote_data
        elif rule["group_id"]:
            found = self.remote_group(rule["group_id"])
            if found is None:
                return None
            shown["group"] = found
        else:
            shown["ip_range"] = {"cidr": rule["cidr"]}
        return shown


# --- Neutron's resources in Nova's terms ---------------------------------------------------------
def nova_group(group: dict[str, Any]) -> dict[str, Any]:
    """A Neutron group as Nova's Neutron layer converts it: only ingress rules (Nova has no
    other kind)."""
    return {
        "id": group["id"],
        "description": group.get("description"),
        "name": group.get("name"),
        "project_id": group.get("tenant_id") or group.get("project_id"),
        "rules": [
            nova_rule(rule)
            for rule in group.get("security_group_rules") or []
            if rule.get("direction") == "ingress"
        ],
    }


def nova_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A Neutron rule in Nova's terms: a protocol without ports opens all of them (1-65535 for
    TCP and UDP, -1 otherwise), no remote prefix is any IPv4 address."""
    protocol = rule.get("protocol")
    from_port, to_port = rule.get("port_range_min"), rule.get("port_range_max")
    if protocol and from_port is None and to_port is None:
        from_port, to_port = (1, 65535) if str(protocol).upper() in {"TCP", "UDP"} else (-1, -1)
    return {
        "id": rule["id"],
        "parent_group_id": rule["security_group_id"],
        "protocol": protocol,
        "from_port": from_port,
        "to_port": to_port,
        "group_id": rule.get("remote_group_id"),
        "cidr": rule.get("remote_ip_prefix") or ANY_IPV4,
    }


def neutron_rule(new_rule: dict[str, Any]) -> dict[str, Any]:
    """The Neutron rule Nova asks for: ingress; a rule without a cidr (one naming a group) is
    IPv4 only, as Nova has no ethertype; -1 ports (ICMP's any type or code) are left out."""
    cidr = new_rule.get("cidr")
    ethertype = "IPv4"
    if cidr and ipaddress.ip_network(cidr, strict=False).version == 6:
        ethertype = "IPv6"
    rule: dict[str, Any] = {
        "direction": "ingress",
        "protocol": new_rule.get("protocol"),
        "ethertype": ethertype,
        "remote_ip_prefix": cidr,
        "security_group_id": new_rule["parent_group_id"],
        "remote_group_id": new_rule.get("group_id"),
    }
    if "from_port" in new_rule and new_rule["from_port"] != -1:
        rule["port_range_min"] = new_rule["from_port"]
    if "to_port" in new_rule and new_rule["to_port"] != -1:
        rule["port_range_max"] = new_rule["to_port"]
    return rule


def rule_exists(group: dict[str, Any], new_rule: dict[str, Any]) -> bool:
    """Nova's duplicate check: a rule of the group alike in remote group, cidr, ports and
    protocol (as written: Neutron refuses the other duplicates itself)."""
    keys = ("group_id", "cidr", "from_port", "to_port", "protocol")
    return any(all(rule.get(key) == new_rule.get(key) for key in keys) for rule in group["rules"])


# --- what a request gives, checked as Nova checks it ---------------------------------------------
def ingress_rule(given: dict[str, Any], remote_id: str | None) -> dict[str, Any] | None:
    """The ingress rule a create asks for, in Nova's terms; None when a cidr rule lacks its
    protocol or ports (Nova then has too little to build one)."""
    protocol = given.get("ip_protocol")
    from_port, to_port = given.get("from_port"), given.get("to_port")
    rule: dict[str, Any] = {}
    if remote_id is not None:
        rule["group_id"] = remote_id
        # A rule naming a group opens the protocol's every port when it names none.
        upper = str(protocol).upper() if protocol else ""
        if from_port is None and to_port is None:
            if upper == "ICMP":
                from_port, to_port = -1, -1
            elif upper in {"TCP", "UDP"}:
                from_port, to_port = 1, 65535
    else:
        rule["cidr"] = parse_cidr(given.get("cidr"))
    if not (protocol and from_port is not None and to_port is not None):
        return None if "cidr" in rule else rule
    protocol = str(protocol)
    upper = protocol.upper()
    try:
        from_port, to_port = int(from_port), int(to_port)
    except (ValueError, TypeError, OverflowError) as exc:
        reason = (
            "Type and Code must be integers for ICMP protocol type"
            if upper == "ICMP"
            else "To and From ports must be integers"
        )
        raise BadRequest(f"Invalid input received: {reason}") from exc
    if upper not in {"TCP", "UDP", "ICMP"}:
        raise BadRequest(f"Invalid IP protocol {protocol}.")
    if upper in {"TCP", "UDP"} and from_port > to_port:
        raise port_range(from_port, to_port, "Former value cannot be greater than the later")
    if upper in {"TCP", "UDP"} and (from_port < 1 or to_port > 65535):
        raise port_range(from_port, to_port, f"Valid {upper} ports should be between 1-65535")
    if upper == "ICMP" and not (-1 <= from_port <= 255 and -1 <= to_port <= 255):
        raise port_range(from_port, to_port, "For ICMP, the type:code must be valid")
    rule.update(protocol=protocol, from_port=from_port, to_port=to_port)
    return rule


def port_range(from_port: int, to_port: int, reason: str) -> BadRequest:
    return BadRequest(f"Invalid port range {from_port}:{to_port}. {reason}")


def parse_cidr(cidr: object) -> str:
    """A rule's cidr as Nova takes it: none is any IPv4 address; it may come percent-quoted;
    it must be an address with a prefix length (or mask)."""
    if not cidr:
        return ANY_IPV4
    if not isinstance(cidr, str):
        raise invalid_cidr(cidr)
    cidr = unquote(cidr)
    address, _, prefix = cidr.partition("/")
    try:
        ipaddress.ip_network(cidr, strict=False)
    except ValueError as exc:
        raise invalid_cidr(cidr) from exc
    if not address or not prefix:
        raise invalid_cidr(cidr)
    return cidr


def invalid_cidr(cidr: object) -> BadRequest:
    return BadRequest(f"{cidr} is not a valid IP network.")


def address_and_prefixlen(cidr: str) -> tuple[str, int]:
    """The address as written (not its network's) and the prefix length of a cidr."""
    interface = ipaddress.ip_interface(cidr)
    return str(interface.ip), interface.network.prefixlen


def validate_id(value: str) -> str:
    if not is_uuid_like(value):
        raise BadRequest("Security group id should be uuid")
    return value


def is_uuid_like(value: object) -> bool:
    """Nova's test of an id: a UUID in any of the spellings Python reads (hyphens or not,
    braces, a urn:uuid: prefix, any case)."""
    if not isinstance(value, str):
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    spelled = value.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "")
    return parsed.hex == spelled.lower()


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


# --- Neutron's refusals as Nova answers them -----------------------------------------------------
def neutron_message(response: UpstreamResponse) -> str:
    """The text Nova shows of a Neutron error (neutronclient's: the message, its detail and
    the request id)."""
    try:
        fault = response.json()["NeutronError"]
        message = str(fault["message"])
        if fault.get("detail"):
            message += "\n" + str(fault["detail"])
    except (ValueError, KeyError, TypeError):
        message = f"{response.status}-{response.content.decode(errors='replace')[:300]}"
    request_id = next(
        (value for name, value in response.headers.items() if name.lower() == REQUEST_ID),
        None,
    )
    if request_id:
        message += f"\nNeutron server returns request_ids: [{request_id!r}]"
    return message


def group_change_refusal(
    response: UpstreamResponse, translated: dict[int, type[TricircleError]]
) -> TricircleError:
    """A refused group create or update: Neutron's 400 is bad input and its 401 a bare bad
    request in both; a create's 409 (a quota) is Forbidden."""
    if response.status == 400:
        return BadRequest(neutron_message(response))
    if response.status == 401:
        return BadRequest(WEBOB_BAD_REQUEST)
    if response.status in translated:
        return translated[response.status](neutron_message(response))
    return unexpected(response)


def rule_create_refusal(response: UpstreamResponse) -> TricircleError:
    """A refused rule create: 404 the group is gone, 409 a quota or a duplicate Neutron
    found (Nova: Forbidden), 400 bad input."""
    errors: dict[int, type[TricircleError]] = {400: BadRequest, 404: NotFound, 409: Forbidden}
    if response.status in errors:
        return errors[response.status](neutron_message(response))
    return unexpected(response)


def unexpected(response: UpstreamResponse) -> TricircleError:
    """A Neutron answer Nova does not translate. Nova fails with a 500 then; a refusal is
    answered with Neutron's own status instead (a 403 of Neutron's policy is the caller's
    answer, not a fault of the service); a failure is a 500."""
    message = neutron_message(response)
    error = TricircleError(message)
    if response.status < 500:
        error.status_code = response.status
    else:
        LOG.error("the central Neutron failed (HTTP %s): %s", response.status, message)
        error.message = f"Unexpected API Error. The central Neutron failed: {message}"
    return error
