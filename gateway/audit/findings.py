"""What an audit finds, before it is recorded (gateway.models.AuditFinding), and the repair
actions a finding may name (gateway.audit.repair carries them out)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway.models import AuditClass
from tricircle_site.jsontypes import JsonDict

# Bottom copies are named after their top id, a UUID in canonical form; a pod resource with
# another name was not made as a copy.
UUID_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# The floating IPs of bottom routers are not routed; audit findings name them by this type.
FLOATINGIP = "floatingip"

# Repair actions (gateway.audit.repair.ACTIONS).
BOTTOM_CLEANUP = "bottom_cleanup"
ROUTER_SETUP = "router_setup"
REMOVE_ROUTE = "remove_route"
SERVER_PORTS_RELEASE = "server_ports_release"
REMAKE_COPY = "remake_copy"
PORT_SYNC = "port_sync"
SECURITY_GROUP_SYNC = "security_group_sync"
FLAVOR_SYNC = "flavor_sync"
KEYPAIR_CLEANUP = "keypair_cleanup"
RECORD_ROUTE = "record_route"
DELETE_DUPLICATE = "delete_duplicate"
DELETE_COPY = "delete_copy"
SET_EXTRA_SPECS = "set_extra_specs"
NO_REPAIR = ""  # unknown resources, or a difference only an operator can mend


@dataclass
class Finding:
    audit_class: AuditClass
    resource_type: str
    top_id: str = ""
    bottom_id: str = ""
    project_id: str = ""
    name: str = ""
    detail: str = ""
    repair_action: str = NO_REPAIR
    repair_args: JsonDict = field(default_factory=dict)


def named_after_top_id(name: object) -> str | None:
    """The top id a pod resource's name claims it copies, if the name is one."""
    return name if isinstance(name, str) and UUID_NAME.match(name) else None
