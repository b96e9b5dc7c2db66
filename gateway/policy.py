"""Who may do what, for what Tricircle answers itself (flavors, key pairs, volume types, QoS
specs, group types, aggregates, zones, the security-group proxy API) rather than a pod under the
caller's own token. Rules keep the names and defaults of the service they stand for (Nova's,
Cinder's), so a refusal reads as that service's would, and one table says them all."""

from __future__ import annotations

from enum import Enum

from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import Forbidden


class Needs(Enum):
    """What a rule asks of the caller, as the services' default policies (admin always may)."""

    ADMIN = "admin"
    MEMBER = "member"
    READER = "reader"
    # The user the call is about, or an admin (Nova's "(admin) or user_id:%(user_id)s").
    OWNER = "owner"


def _rules(prefix: str, needs: Needs, *names: str) -> dict[str, Needs]:
    return {f"{prefix}{name}": needs for name in names}


RULES: dict[str, Needs] = {
    # --- Nova (nova/policies/*.py) ---
    **_rules("os_compute_api:os-flavor-manage:", Needs.ADMIN, "create", "update", "delete"),
    **_rules(
        "os_compute_api:os-flavor-access:",
        Needs.ADMIN,
        "add_tenant_access",
        "remove_tenant_access",
    ),
    "os_compute_api:os-flavor-access": Needs.ADMIN,  # a flavor's access list
    **_rules("os_compute_api:os-flavor-extra-specs:", Needs.ADMIN, "create", "update", "delete"),
    **_rules("os_compute_api:os-flavor-extra-specs:", Needs.READER, "index", "show"),
    **_rules("os_compute_api:os-keypairs:", Needs.OWNER, "index", "create", "delete", "show"),
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
    # --- Cinder (cinder/policies/*.py) ---
    # A type's create, update and delete (types_manage is their deprecated common rule).
    **_rules(
        "volume_extension:",
        Needs.ADMIN,
        "types_manage",
        "type_create",
        "type_update",
        "type_delete",
    ),
    **_rules("volume_extension:types_extra_specs:", Needs.ADMIN, "create", "update", "delete"),
    **_rules("volume_extension:types_extra_specs:", Needs.READER, "index", "show"),
    **_rules(
        "volume_extension:volume_type_access:",
        Needs.ADMIN,
        "addProjectAccess",
        "removeProjectAccess",
        "get_all_for_type",
    ),
    **_rules(
        "volume_extension:volume_type_encryption:",
        Needs.ADMIN,
        "create",
        "get",
        "update",
        "delete",
    ),
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
    "volume_extension:quotas:update": Needs.ADMIN,
    "volume_extension:quota_classes:update": Needs.ADMIN,
    # --- Tricircle's own ---
    # /volume/v3/{project_id}/...: another project than the caller's. Cinder refuses any
    # (400, "Malformed request url"); Tricircle lets admins act in it.
    "tricircle:volume:other_project_in_path": Needs.ADMIN,
}


def allowed(caller: KeystoneIdentity, rule: str, user_id: str | None = None) -> bool:
    """Whether the caller may; an unknown rule is the admin's (refuse rather than guess).
    `user_id` is the user the call is about (an OWNER rule's target), the caller when None."""
    needs = RULES.get(rule, Needs.ADMIN)
    if caller.is_admin:
        return True
    if needs is Needs.READER:
        return bool({"reader", "member"} & set(caller.roles))
    if needs is Needs.MEMBER:
        return "member" in caller.roles
    if needs is Needs.OWNER:
        return user_id is None or user_id == caller.user_id
    return False


def authorize(caller: KeystoneIdentity, rule: str, user_id: str | None = None) -> None:
    """Refuses, as the service named by the rule would, what the caller may not do."""
    if not allowed(caller, rule, user_id):
        raise Forbidden(f"Policy doesn't allow {rule} to be performed.")
