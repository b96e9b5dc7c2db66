"""What a caller names in a request, checked with the caller's own rights before Tricircle's
service account touches it. The service account is an admin in every pod and in the central
Neutron: without these checks, an id of another project named in a body would be read, copied
and attached with admin rights. Each check answers as the pod's own API answers the same
request (Nova's messages and status codes), so a refusal through Tricircle looks like one from
a single cloud.

- Ports given to a boot or an interface attach: read with the caller's token from the central
  Neutron (Neutron's policy decides what the caller may see), and refused when they belong to
  another project or another device.
- Servers, volumes, snapshots and backups named beside another resource (a volume to attach,
  a boot from a volume): their routing entry counts only for the caller's own project (admins:
  any), so Tricircle never tells one project where another's resources are.
Everything else a caller names reaches a pod or the central Neutron with the caller's own token,
and the pod decides (see the README's security model)."""

from __future__ import annotations

import uuid

from pods.clients import ServiceError, central_neutron_as
from pods.models import Pod
from routing.models import ResourceRouting
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, Conflict, NotFound
from tricircle_site.jsontypes import JsonDict, json_object


def is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def require_uuid(value: object, field: str) -> str:
    """Nova's schema check of an id field."""
    if not is_uuid(value):
        raise BadRequest(
            f"Invalid input for field/attribute {field}. Value: {value}. '{value}' is not a 'uuid'"
        )
    assert isinstance(value, str)
    return value


def caller_port(
    caller: KeystoneIdentity, port_id: object, missing: type[BadRequest | NotFound]
) -> JsonDict:
    """The top port a boot (`missing` = BadRequest, as Nova's create answers) or an interface
    attach (NotFound) names, as the caller may use it: visible to the caller, of the caller's
    project and not in use."""
    port_id = require_uuid(port_id, "port")
    try:
        port = json_object(central_neutron_as(caller.token).get(f"/ports/{port_id}")["port"])
    except ServiceError as exc:
        if exc.status_code in {403, 404}:
            raise missing(f"Port id {port_id} could not be found.") from exc
        raise
    if port.get("project_id") != caller.project_id and not caller.is_admin:
        # Visible (the caller owns the network) but not the caller's: Nova's PortNotUsable.
        raise BadRequest(f"Port {port_id} not usable for instance.")
    if port.get("device_id"):
        raise Conflict(f"Port {port_id} is still in use.")
    return port


def visible_routing(
    caller: KeystoneIdentity, resource_id: str, resource_type: str
) -> ResourceRouting | None:
    """The routing entry of a resource the caller may know of: its project's, or any for an
    admin."""
    routings = ResourceRouting.objects.select_related("pod").filter(
        top_id=resource_id, resource_type=resource_type
    )
    if not caller.is_admin:
        routings = routings.filter(project_id=caller.project_id)
    return routings.first()


def caller_routed_pod(
    caller: KeystoneIdentity, resource_id: str, resource_type: str, what: str
) -> Pod:
    routing = visible_routing(caller, resource_id, resource_type)
    if routing is None:
        raise NotFound(f"{what} {resource_id} could not be found.")
    return routing.pod
