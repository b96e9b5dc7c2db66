"""A server's security groups through the Compute API: the top region's groups (the central
Neutron's), named as the caller sees them, given to the server's ports at the top and to their
copies in the server's pod."""

from __future__ import annotations

from urllib.parse import quote

from gateway.proxy import UpstreamResponse
from gateway.services.calls import UserCalls
from networking import bottom
from pods.clients import ServiceError, central_neutron, central_neutron_as
from pods.models import Pod
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, NotFound
from tricircle_site.jsontypes import JsonDict, json_object, json_str

SECURITY_GROUP_ACTIONS = ("addSecurityGroup", "removeSecurityGroup")


def caller_group_id(caller: KeystoneIdentity, ref: str) -> str:
    """The id of the top security group `ref` names (an id, else a name in the caller's
    project), read with the caller's token."""
    neutron = central_neutron_as(caller.token)
    try:
        by_id = json_object(neutron.get(f"/security-groups/{quote(ref, safe='')}"))
        return json_str(json_object(by_id["security_group"])["id"])
    except ServiceError:
        pass
    try:
        by_name = json_object(
            neutron.get("/security-groups", name=ref, project_id=caller.project_id)
        )
        found = by_name.get("security_groups") or []
    except ServiceError:
        found = []
    if not isinstance(found, list) or not found:
        raise NotFound(f"Security group {ref} not found for project {caller.project_id}.")
    return json_str(json_object(found[0])["id"])


def group_ids(caller: KeystoneIdentity, refs: list[str]) -> list[str]:
    """The top groups a boot names (by name or id, as Nova takes them)."""
    ids = []
    for ref in refs:
        try:
            ids.append(caller_group_id(caller, str(ref)))
        except NotFound as exc:
            raise BadRequest(f"Security group {ref} not found.") from exc
    return ids


def server_security_group_action(
    caller: KeystoneIdentity,
    pod: Pod,
    server_id: str,
    action: str,
    given: JsonDict,
    user: UserCalls,
) -> UpstreamResponse:
    """addSecurityGroup / removeSecurityGroup name a top group (by name or id, as the caller
    sees it): the pod's copy (named after the top id) is added to or removed from the
    server's bottom ports, then the group from its top ports, so both read the same. The
    pod's answer is the action's."""
    ref = str(given.get("name") or "")
    if not ref:
        raise BadRequest(f"{action} needs the name of a security group.")
    group_id = caller_group_id(caller, ref)
    if action == "addSecurityGroup":
        bottom.ensure_security_group(pod, group_id, caller.project_id)
    response = user.send(pod, "POST", f"/servers/{server_id}/action", {action: {"name": group_id}})
    if response.status >= 300:
        response.content = response.content.replace(group_id.encode(), ref.encode())
        return response
    central = central_neutron()
    ports = json_object(central.get("/ports", device_id=server_id))["ports"]
    assert isinstance(ports, list)
    for port in ports:
        groups = [g for g in port.get("security_groups", []) if g != group_id]
        if action == "addSecurityGroup":
            groups.append(group_id)
        if groups != port.get("security_groups", []):
            central.put(f"/ports/{port['id']}", {"port": {"security_groups": groups}})
    return response
