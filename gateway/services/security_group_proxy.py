"""Nova's security group proxy API (os-security-groups, os-security-group-rules; before 2.36)
over the top region's groups, which are the central Neutron's: read and changed with the
caller's token (Neutron's policy answers for the caller), with the meaning Nova's
Neutron-backed implementation gives them: its policy, its checks of a rule, its translation
of groups and rules between Neutron's terms and Nova's, and of Neutron's refusals into Nova's.
Changes reach the pods' copies as changes made through the Network API do.

Groups and rules are answered in Nova's terms (its Neutron layer's): a group is `id`, `name`,
`description`, `project_id` and its ingress `rules`; a rule is `id`, `parent_group_id`,
`protocol`, `from_port`, `to_port`, `group_id` and `cidr`, and, in what this module answers,
`remote`: the `name` and `project_id` of the group it names as the caller reads it (a rule
whose group the caller cannot read is left out, as Nova leaves it out)."""

from __future__ import annotations

import ipaddress
import logging
import uuid
from typing import Any
from urllib.parse import quote, unquote

import requests

from gateway.policy import authorize
from networking import services
from pods.clients import ServiceFailed, central_neutron_as
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, Forbidden, NotFound, TricircleError
from tricircle_site.jsontypes import JsonDict, json_object

LOG = logging.getLogger(__name__)

POLICY = "os_compute_api:os-security-groups:%s"
ANY_IPV4 = "0.0.0.0/0"  # Nova's cidr of a rule that names none
REQUEST_ID = "x-openstack-request-id"  # Neutron's answer header
# Neutron failures a gateway answers as unavailable (503) rather than as Nova's 500.
UNAVAILABLE = frozenset({502, 503, 504})
# What Nova answers a bare HTTPBadRequest with (a Neutron 401 on a group's create or update).
WEBOB_BAD_REQUEST = (
    "The server could not comply with the request since it is either malformed or otherwise "
    "incorrect."
)


# --- the API ------------------------------------------------------------------------------------
def list_groups(
    caller: KeystoneIdentity, all_tenants: bool, offset: int, limit: int
) -> list[JsonDict]:
    """A page of the caller's groups (an admin's `all_tenants`: every project's), paged in
    Neutron's order and then sorted by project and name, as Nova does."""
    authorize(caller, POLICY % "get")
    groups = CallerGroups(caller)
    params: dict[str, Any] = {}
    if not (caller.is_admin and all_tenants):
        params["project_id"] = caller.project_id
    listed = groups.listed(params)
    page = [groups.with_remotes(group) for group in listed[offset : offset + limit]]
    page.sort(key=lambda group: (group["project_id"], group["name"]))
    return page


def show_group(caller: KeystoneIdentity, group_id: str) -> JsonDict:
    authorize(caller, POLICY % "show")
    groups = CallerGroups(caller)
    return groups.with_remotes(groups.read(validate_id(group_id)))


def create_group(caller: KeystoneIdentity, name: str, description: str) -> JsonDict:
    authorize(caller, POLICY % "create")
    groups = CallerGroups(caller)
    body = {"security_group": {"name": name, "description": description}}
    response = groups.neutron("POST", "/security-groups", body)
    if response.status_code >= 300:
        raise group_change_refusal(response, {409: Forbidden})
    return groups.with_remotes(groups.known(response.json()["security_group"]))


def update_group(caller: KeystoneIdentity, group_id: str, name: str, description: str) -> JsonDict:
    authorize(caller, POLICY % "update")
    groups = CallerGroups(caller)
    group = groups.read(validate_id(group_id))
    body = {"security_group": {"name": name, "description": description}}
    response = groups.neutron("PUT", f"/security-groups/{quote(group['id'], safe='')}", body)
    if response.status_code >= 300:
        raise group_change_refusal(response, {})
    return groups.with_remotes(groups.known(response.json()["security_group"]))


def delete_group(caller: KeystoneIdentity, group_id: str) -> None:
    """Deletes the top group; its copies in the pods are cleaned up by a job."""
    authorize(caller, POLICY % "delete")
    groups = CallerGroups(caller)
    group = groups.read(validate_id(group_id))
    response = groups.neutron("DELETE", f"/security-groups/{quote(group['id'], safe='')}")
    if response.status_code == 404:
        raise NotFound(neutron_message(response))
    if response.status_code == 409:
        # In use, or the project's default group: Nova takes Neutron's refusal as bad input.
        raise BadRequest(neutron_message(response))
    if response.status_code >= 300:
        raise unexpected(response)
    services.top_resource_deleted("security-groups", group["id"])


def create_rule(caller: KeystoneIdentity, given: JsonDict) -> JsonDict:
    """An ingress rule of the group `parent_group_id` names, as Nova builds it from what the
    caller gives (`ip_protocol`, `from_port`, `to_port`, `cidr` or `group_id`); the group's
    copies in the pods follow."""
    authorize(caller, POLICY % "rule:create")
    groups = CallerGroups(caller)
    parent = groups.read(given["parent_group_id"])
    remote_id = given.get("group_id")
    if remote_id is not None:
        groups.read(remote_id)
    new_rule = checked_rule(given, remote_id, parent)
    body = {"security_group_rules": [neutron_rule(new_rule)]}
    response = groups.neutron("POST", "/security-group-rules", body)
    if response.status_code >= 300:
        raise rule_create_refusal(response)
    (made,) = response.json()["security_group_rules"]
    services.security_group_changed(made["security_group_id"])
    shown = groups.with_remote(nova_rule(made))
    assert shown is not None  # the group it names, if any, was read above
    return shown


def delete_rule(caller: KeystoneIdentity, rule_id: str) -> None:
    """Deletes a rule of a group the caller reads; the group's copies in the pods follow."""
    authorize(caller, POLICY % "rule:delete")
    groups = CallerGroups(caller)
    path = f"/security-group-rules/{quote(validate_id(rule_id), safe='')}"
    shown = groups.neutron("GET", path)
    if shown.status_code == 404:
        raise NotFound(neutron_message(shown))
    if shown.status_code >= 300:
        raise unexpected(shown)
    rule = nova_rule(shown.json()["security_group_rule"])
    group = groups.read(rule["parent_group_id"])
    response = groups.neutron("DELETE", path)
    if response.status_code >= 300:
        raise unexpected(response)
    services.security_group_changed(group["id"])


def server_groups(caller: KeystoneIdentity, top_ids: list[str]) -> list[JsonDict | None]:
    """The top groups of a server's pod copies (named after the top ids), as the caller reads
    them; None for a copy whose top group the caller cannot read (or all of them when the
    central Neutron refuses or fails the read): it is shown as the pod shows it."""
    wanted = sorted({top_id for top_id in top_ids if is_uuid_like(top_id)})
    if not wanted:
        return [None] * len(top_ids)
    groups = CallerGroups(caller)
    try:
        response = groups.client.request("GET", "/security-groups", params={"id": wanted})
    except ServiceFailed as exc:
        if exc.response.status_code in UNAVAILABLE:
            raise
        return [None] * len(top_ids)
    if response.status_code >= 300:
        return [None] * len(top_ids)
    found = {group["id"]: group for group in groups.known_list(response.json())}
    return [groups.with_remotes(found[top_id]) if top_id in found else None for top_id in top_ids]


# --- the central Neutron, as the caller -----------------------------------------------------------
class CallerGroups:
    """The central Neutron's groups as one caller reads them, within one call of the API: the
    groups it has in hand are not read again when a rule names them."""

    def __init__(self, caller: KeystoneIdentity):
        self.client = central_neutron_as(caller.token)
        # The name and project of groups rules name, as the caller may read them (None: the
        # caller cannot; Nova leaves such a rule out).
        self.remotes: dict[str, JsonDict | None] = {}

    def neutron(
        self,
        method: str,
        path: str,
        body: JsonDict | None = None,
        params: dict[str, Any] | None = None,
    ) -> requests.Response:
        """Neutron's answer (below 500); a failure Nova does not translate is its 500 (a
        gateway's 502-504 stays a 503: the central Neutron is not there)."""
        try:
            return self.client.request(method, path, body, params)
        except ServiceFailed as exc:
            if exc.response.status_code in UNAVAILABLE:
                raise
            raise unexpected(exc.response) from exc

    def listed(self, params: dict[str, Any]) -> list[JsonDict]:
        response = self.neutron("GET", "/security-groups", params=params)
        if response.status_code >= 300:
            raise unexpected(response)
        return self.known_list(response.json())

    def read(self, group_id: str) -> JsonDict:
        """A group in Nova's terms."""
        response = self.neutron("GET", f"/security-groups/{quote(group_id, safe='')}")
        if response.status_code == 404:
            raise NotFound(neutron_message(response))
        if response.status_code >= 300:
            raise unexpected(response)
        return self.known(response.json()["security_group"])

    def known_list(self, body: JsonDict) -> list[JsonDict]:
        return [self.known(json_object(group)) for group in body["security_groups"]]

    def known(self, neutron_group: JsonDict) -> JsonDict:
        """The group in Nova's terms, remembered for the rules that name it."""
        group = nova_group(neutron_group)
        self.remotes[group["id"]] = {"name": group["name"], "project_id": group["project_id"]}
        return group

    def remote(self, group_id: str) -> JsonDict | None:
        """The name and project of the group a rule names, None when the caller cannot read
        it (or it was deleted meanwhile)."""
        if group_id not in self.remotes:
            path = f"/security-groups/{quote(group_id, safe='')}"
            fields = {"fields": ["id", "name", "tenant_id"]}
            response = self.neutron("GET", path, params=fields)
            if response.status_code == 404:
                self.remotes[group_id] = None
            elif response.status_code >= 300:
                raise unexpected(response)
            else:
                group = json_object(response.json()["security_group"])
                self.remotes[group_id] = {
                    "name": group.get("name"),
                    "project_id": group.get("tenant_id") or group.get("project_id"),
                }
        return self.remotes[group_id]

    def with_remotes(self, group: JsonDict) -> JsonDict:
        """The group with the rules the caller is shown, each with its remote group."""
        rules = [self.with_remote(rule) for rule in group["rules"]]
        return {**group, "rules": [rule for rule in rules if rule is not None]}

    def with_remote(self, rule: JsonDict) -> JsonDict | None:
        if not rule["group_id"]:
            return {**rule, "remote": None}
        remote = self.remote(rule["group_id"])
        return None if remote is None else {**rule, "remote": remote}


# --- Neutron's resources in Nova's terms ---------------------------------------------------------
def nova_group(group: JsonDict) -> JsonDict:
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


def nova_rule(rule: JsonDict) -> JsonDict:
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


def neutron_rule(new_rule: JsonDict) -> JsonDict:
    """The Neutron rule Nova asks for: ingress; a rule without a cidr (one naming a group) is
    IPv4 only, as Nova has no ethertype; -1 ports (ICMP's any type or code) are left out."""
    cidr = new_rule.get("cidr")
    ethertype = "IPv4"
    if cidr and ipaddress.ip_network(cidr, strict=False).version == 6:
        ethertype = "IPv6"
    rule: JsonDict = {
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


def rule_exists(group: JsonDict, new_rule: JsonDict) -> bool:
    """Nova's duplicate check: a rule of the group alike in remote group, cidr, ports and
    protocol (as written: Neutron refuses the other duplicates itself)."""
    keys = ("group_id", "cidr", "from_port", "to_port", "protocol")
    return any(all(rule.get(key) == new_rule.get(key) for key in keys) for rule in group["rules"])


# --- a new rule, checked as Nova checks it -------------------------------------------------------
def checked_rule(given: JsonDict, remote_id: str | None, parent: JsonDict) -> JsonDict:
    """The rule a create asks for in the parent group, in Nova's terms, refused as Nova
    refuses it: too little to build one, a cidr of prefix 0 naming an address, a duplicate."""
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
    return new_rule


def ingress_rule(given: JsonDict, remote_id: str | None) -> JsonDict | None:
    """The ingress rule a create asks for, in Nova's terms; None when a cidr rule lacks its
    protocol or ports (Nova then has too little to build one)."""
    protocol = given.get("ip_protocol")
    from_port, to_port = given.get("from_port"), given.get("to_port")
    rule: JsonDict = {}
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
    from_port, to_port = integer_ports(protocol, from_port, to_port)
    check_ports(protocol, from_port, to_port)
    rule.update(protocol=protocol, from_port=from_port, to_port=to_port)
    return rule


def integer_ports(protocol: str, from_port: Any, to_port: Any) -> tuple[int, int]:
    """The ports as integers (a body may give them as strings), as Nova reads them."""
    try:
        return int(from_port), int(to_port)
    except (ValueError, TypeError, OverflowError) as exc:
        reason = (
            "Type and Code must be integers for ICMP protocol type"
            if protocol.upper() == "ICMP"
            else "To and From ports must be integers"
        )
        raise BadRequest(f"Invalid input received: {reason}") from exc


def check_ports(protocol: str, from_port: int, to_port: int) -> None:
    upper = protocol.upper()
    if upper not in {"TCP", "UDP", "ICMP"}:
        raise BadRequest(f"Invalid IP protocol {protocol}.")
    if upper in {"TCP", "UDP"} and from_port > to_port:
        raise port_range(from_port, to_port, "Former value cannot be greater than the later")
    if upper in {"TCP", "UDP"} and (from_port < 1 or to_port > 65535):
        raise port_range(from_port, to_port, f"Valid {upper} ports should be between 1-65535")
    if upper == "ICMP" and not (-1 <= from_port <= 255 and -1 <= to_port <= 255):
        raise port_range(from_port, to_port, "For ICMP, the type:code must be valid")


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


# --- Neutron's refusals as Nova answers them -----------------------------------------------------
def neutron_message(response: requests.Response) -> str:
    """The text Nova shows of a Neutron error (neutronclient's: the message, its detail and
    the request id)."""
    try:
        fault = response.json()["NeutronError"]
        message = str(fault["message"])
        if fault.get("detail"):
            message += "\n" + str(fault["detail"])
    except (ValueError, KeyError, TypeError):
        message = f"{response.status_code}-{response.content.decode(errors='replace')[:300]}"
    request_id = response.headers.get(REQUEST_ID)
    if request_id:
        message += f"\nNeutron server returns request_ids: [{request_id!r}]"
    return message


def group_change_refusal(
    response: requests.Response, translated: dict[int, type[TricircleError]]
) -> TricircleError:
    """A refused group create or update: Neutron's 400 is bad input and its 401 a bare bad
    request in both; a create's 409 (a quota) is Forbidden."""
    if response.status_code == 400:
        return BadRequest(neutron_message(response))
    if response.status_code == 401:
        return BadRequest(WEBOB_BAD_REQUEST)
    if response.status_code in translated:
        return translated[response.status_code](neutron_message(response))
    return unexpected(response)


def rule_create_refusal(response: requests.Response) -> TricircleError:
    """A refused rule create: 404 the group is gone, 409 a quota or a duplicate Neutron
    found (Nova: Forbidden), 400 bad input."""
    errors: dict[int, type[TricircleError]] = {400: BadRequest, 404: NotFound, 409: Forbidden}
    if response.status_code in errors:
        return errors[response.status_code](neutron_message(response))
    return unexpected(response)


def unexpected(response: requests.Response) -> TricircleError:
    """A Neutron answer Nova does not translate. Nova fails with a 500 then; a refusal is
    answered with Neutron's own status instead (a 403 of Neutron's policy is the caller's
    answer, not a fault of the service); a failure is a 500."""
    message = neutron_message(response)
    error = TricircleError(message)
    if response.status_code < 500:
        error.status_code = response.status_code
    else:
        LOG.error("the central Neutron failed (HTTP %s): %s", response.status_code, message)
        error.message = f"Unexpected API Error. The central Neutron failed: {message}"
    return error
