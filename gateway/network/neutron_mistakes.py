"""Callers' mistakes the central Neutron fails with a 500 on some of its resources, though it
refuses the same mistake elsewhere with a 400 (seen on the lab's Neutron): found here first
and answered with that 400, in Neutron's words, so a user is not told the central Neutron
failed. Everything else is left to Neutron."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from tricircle_site.jsontypes import JsonDict

EXTRAROUTE_ACTIONS = ("/add_extraroutes", "/remove_extraroutes")


def mistake(method: str, path: str, body: JsonDict) -> str | None:
    """What is wrong with the call, in Neutron's words; None when Neutron can judge it."""
    if method == "PUT" and path.endswith(EXTRAROUTE_ACTIONS):
        router = body.get("router")
        if not isinstance(router, dict):
            return "Bad request: Unable to find 'router' in request body."
        return _routes_mistake(router.get("routes"))
    if method == "PUT" and path.startswith("/v2.0/ports/"):
        port = body.get("port")
        return _fixed_ips_mistake(port.get("fixed_ips")) if isinstance(port, dict) else None
    if method == "POST" and path == "/v2.0/subnets":
        return _first(_subnet_mistake, _items(body, "subnet"))
    if method == "POST" and path == "/v2.0/security-group-rules":
        return _first(_rule_mistake, _items(body, "security_group_rule"))
    return None


def _items(body: JsonDict, singular: str) -> list[object]:
    """The resources of a create: one, or a bulk create's list."""
    many = body.get(singular + "s")
    if isinstance(many, list):
        return many
    return [body.get(singular)]


def _first(check: Callable[[JsonDict], str | None], items: list[object]) -> str | None:
    for item in items:
        found = check(item) if isinstance(item, dict) else None
        if found:
            return found
    return None


def _routes_mistake(routes: object) -> str | None:
    # Neutron's words for the same routes in a router update.
    if not isinstance(routes, list):
        return f"Invalid input for routes. Reason: Invalid data format for hostroute: '{routes}'."
    for route in routes:
        if not (
            isinstance(route, dict)
            and isinstance(route.get("destination"), str)
            and isinstance(route.get("nexthop"), str)
        ):
            return (
                f"Invalid input for routes. Reason: Invalid input. '{route}' must be a "
                "dictionary with keys: ['destination', 'nexthop']."
            )
        try:
            ipaddress.ip_address(route["nexthop"])
        except ValueError:
            return (
                f"Invalid input for routes. Reason: '{route['nexthop']}' is not a valid IP address."
            )
    return None


def _fixed_ips_mistake(fixed_ips: object) -> str | None:
    # Neutron's words for the same entry in a port create.
    if not isinstance(fixed_ips, list):
        return None
    for entry in fixed_ips:
        if isinstance(entry, dict) and not entry.get("subnet_id") and not entry.get("ip_address"):
            return "Invalid input for operation: IP allocation requires subnet_id or ip_address."
    return None


def _subnet_mistake(subnet: JsonDict) -> str | None:
    if (
        "cidr" in subnet
        and not subnet["cidr"]
        and not subnet.get("subnetpool_id")
        and not subnet.get("use_default_subnetpool")
    ):
        return "Bad subnets request: a subnetpool must be specified in the absence of a cidr."
    cidr = subnet.get("cidr")
    if cidr and not isinstance(cidr, str):
        return f"Invalid input for operation: {cidr} is not in a CIDR format."
    return None


def _rule_mistake(rule: JsonDict) -> str | None:
    for field in ("remote_group_id", "remote_address_group_id"):
        remote = rule.get(field)
        if remote is not None and (not isinstance(remote, str) or not remote):
            return f"Invalid input for {field}. Reason: '{remote}' is not a valid UUID."
    return None
