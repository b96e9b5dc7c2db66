"""A server's interfaces (os-interface) speak top ids: a port or a network to attach is made
to exist in the server's pod and its bottom copy attached; answers show top ids again; a
detached port is released."""

from __future__ import annotations

from gateway import confinement
from gateway.proxy import UpstreamResponse
from gateway.schema import invalid
from gateway.services.calls import UserCalls
from gateway.services.pod_choice import bottom_id_in
from gateway.services.ports import TopPorts, made_by_gateway, make_top_port, release
from jobs.services import request_job
from networking import boot
from networking.job_names import BOOT_PORT_RELEASE
from pods.models import Pod
from routing import services as routing_services
from routing.models import ResourceType
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, NotFound
from tricircle_site.jsontypes import JsonDict


def bottom_port(pod: Pod, top_port_id: str) -> str:
    """The copy in the server's pod of the top port an interface call names."""
    return bottom_id_in(pod, top_port_id, ResourceType.PORT, "Port")


def interface_detached(caller: KeystoneIdentity, top_port_id: str) -> None:
    """The pod detached the port's copy: the top port is released (deleted when the gateway
    made it, freed when it is the caller's)."""
    origin = "gateway" if made_by_gateway(top_port_id) else "user"
    request_job(BOOT_PORT_RELEASE, caller.project_id, {"port_id": top_port_id, "origin": origin})


def attach_interface(
    caller: KeystoneIdentity, pod: Pod, server_id: str, attachment: object, user: UserCalls
) -> UpstreamResponse:
    """The caller's port (or a new port on the caller's network) attached to the server: its
    copy is made in the pod and attached there; the pod's answer is the attach's."""
    if not isinstance(attachment, dict):
        raise BadRequest('The request body must be {"interfaceAttachment": {...}}.')
    ports = TopPorts()
    if attachment.get("port_id"):
        ports.add(confinement.caller_port(caller, attachment["port_id"], NotFound), False)
    elif attachment.get("net_id"):
        net_id = confinement.require_uuid(attachment["net_id"], "net_id")
        fixed = requested_address(attachment.get("fixed_ips"))
        ports.add(make_top_port(caller, {"uuid": net_id, "fixed_ip": fixed}, []), True)
    else:
        raise BadRequest("Give the port_id or the net_id of the interface to attach.")
    top_ports, made = ports.ids, ports.made
    try:
        (copy,) = boot.bottom_ports(pod, caller.project_id, top_ports, ports.bodies)
        body: JsonDict = {"interfaceAttachment": {"port_id": copy}}
        if attachment.get("tag"):
            body["interfaceAttachment"]["tag"] = attachment["tag"]
        response = user.send(pod, "POST", f"/servers/{server_id}/os-interface", body)
    except BaseException:
        release(caller.project_id, top_ports, made)
        raise
    if response.status >= 300:
        release(caller.project_id, top_ports, made)
    else:
        boot.ports_attached(top_ports, server_id, pod, caller.project_id)
    return response


def requested_address(fixed_ips: object) -> str | None:
    """The one address an attach may ask for, as Nova's schema takes it: `fixed_ips` absent,
    or a list of one `{"ip_address": ...}`."""
    if fixed_ips is None:
        return None
    if (
        not isinstance(fixed_ips, list)
        or len(fixed_ips) != 1
        or not isinstance(fixed_ips[0], dict)
        or not isinstance(fixed_ips[0].get("ip_address"), str)
    ):
        raise invalid(
            "fixed_ips", fixed_ips, "It must be a list of one {'ip_address': <an IP address>}."
        )
    return str(fixed_ips[0]["ip_address"])


def show_top_ids(pod: Pod, body: JsonDict) -> None:
    """The pod's answer about interfaces, with the top ids of their ports and networks."""
    attachments = body.get("interfaceAttachments") or [body.get("interfaceAttachment")]
    for attachment in filter(None, attachments):
        for field, kind in (("port_id", ResourceType.PORT), ("net_id", ResourceType.NETWORK)):
            if attachment.get(field):
                attachment[field] = routing_services.top_id_of(pod, attachment[field], kind)
