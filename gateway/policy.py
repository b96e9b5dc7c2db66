"""Who may do what, for what Tricircle answers itself (flavors, key pairs, volume types, QoS
specs, group types, quota classes, aggregates, the security-group proxy API) rather than a pod
under the caller's own token. Rules keep the names and defaults of the service they stand for
(Nova's, Cinder's), so a refusal reads as that service's would, and one table says them all."""

from __future__ import annotations

from enum import Enum

from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import Forbidden


class Needs(Enum):
    """What a rule asks of the caller, as the services' default policies (admin always may)."""

    ADMIN = "admin"
    MEMBER = "member"
    READER = "reader"


def _rules(prefix: str, needs: Needs, *names: str) -> dict[str, Needs]:
    return {f"{prefix}{name}": needs for name in names}


RULES: dict[str, Needs] = {
    # Nova
    **_rules(
        "os_compute_api:os-flavor-manage:",
        Needs.ADMIN,
        "create",
        "update",
        "delete",
    ),
    **_rules(
        "os_compute_api:os-flavor-access:",
        Needs.ADMIN,
        "add_tenant_access",
        "remove_tenant_access",
    ),
    "os_compute_api:os-flavor-access": Needs.ADMIN,
    **_rules("os_compute_api:os-flavor-extra-specs:", Needs.ADMIN, "create", "update", "delete"),
    "os_compute_api:os-aggregates:index": Needs.ADMIN,
    "os_compute_api:os-availability-zone:detail": Needs.ADMIN,
    **_rules("os_compute_api:os-security-groups:", Needs.READER, "get", "show", "list"),
    **_rules(
        "os_compute_api:os-security-groups:",
        Needs.MEMBER,
        "create",
        "update",
        "delete",
        "rule:create",
        "rule:delete",
        "add",
        "remove",
    ),
    # Cinder
    "volume_extension:types_manage": Needs.ADMIN,
    **_rules(
        "volume_extension:qos_specs_manage:",
        Needs.ADMIN,
        "get_all",
        "get",
        "create",
        "update",
        "delete",
    ),
    **_rules("group:group_types:", Needs.ADMIN, "create", "update", "delete"),
    **_rules(
        "group:group_types_specs:",
        Needs.ADMIN,
        "get_all",
        "get",
        "create",
        "update",
        "delete",
    ),
}


def allowed(caller: KeystoneIdentity, rule: str) -> bool:
    """Whether the caller may; an unknown rule is the admin's (refuse rather than guess)."""
    needs = RULES.get(rule, Needs.ADMIN)
    if caller.is_admin:
        return True
    if needs is Needs.READER:
        return bool({"reader", "member"} & set(caller.roles))
    if needs is Needs.MEMBER:
        return "member" in caller.roles
    return False


def authorize(caller: KeystoneIdentity, rule: str) -> None:
    """Refuses, as the service named by the rule would, what the caller may not do."""
    if not allowed(caller, rule):
        raise Forbidden(f"Policy doesn't allow {rule} to be performed.")
