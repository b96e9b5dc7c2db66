"""The top ports of a server's boot or interface attach: given by the caller (checked with
the caller's rights) or made on a network with the caller's token; undone when the server
does not come, released (a job) when it goes."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway import confinement
from gateway.services.security_groups import group_ids
from jobs.services import request_job
from networking import boot
from networking.job_names import BOOT_PORT_RELEASE
from pods.clients import ServiceError, central_neutron, central_neutron_as
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, NotFound, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict, json_object, json_str


def make_top_port(
    caller: KeystoneIdentity,
    network: JsonDict,
    groups: list[str],
    missing: type[BadRequest | NotFound] = NotFound,
) -> JsonDict:
    """A top port on the network, made with the caller's token, as Neutron made it: a network
    the caller may not use is `missing` (Nova's create answers 400, an interface attach 404)."""
    port: JsonDict = {"network_id": network["uuid"], "description": boot.GATEWAY_PORT}
    if network.get("fixed_ip"):
        port["fixed_ips"] = [{"ip_address": network["fixed_ip"]}]
    if groups:
        port["security_groups"] = group_ids(caller, groups)
    neutron = central_neutron_as(caller.token)
    response = neutron.request("POST", "/ports", {"port": port})
    if response.status_code == 404:
        raise missing(f"Network {network['uuid']} could not be found.")
    if response.status_code >= 300:
        raise neutron_refusal(response.status_code, neutron.message(response))
    return json_object(response.json()["port"])


def neutron_refusal(status: int, message: str) -> BadRequest:
    """The central Neutron refused a port the caller asked for: its status, its words."""
    error = BadRequest(f"The network refused the port: {message}")
    error.status_code = status
    return error


@dataclass
class TopPorts:
    """The top ports of a boot, in order: their ids, those the gateway made, and each one as
    read or made with the caller's token (its copy in the pod is made from that, not read
    again)."""

    ids: list[str] = field(default_factory=list)
    made: set[str] = field(default_factory=set)
    bodies: dict[str, JsonDict] = field(default_factory=dict)

    def add(self, port: JsonDict, made: bool) -> None:
        port_id = json_str(port["id"])
        self.ids.append(port_id)
        self.bodies[port_id] = port
        if made:
            self.made.add(port_id)


def caller_top_ports(caller: KeystoneIdentity, server: JsonDict) -> TopPorts:
    """The top ports of a boot: given ones as they are, a new one (made with the caller's
    token, so Neutron's policy applies) for each requested network."""
    ports = TopPorts()
    networks = server.get("networks")
    if networks in (None, "none") or not isinstance(networks, list):
        if networks == "auto":
            raise BadRequest("networks=auto is not supported; name a network or a port.")
        return ports
    groups = [group.get("name") for group in server.get("security_groups", []) or []]
    try:
        for network in networks:
            if not isinstance(network, dict):
                raise BadRequest("Each entry of networks must be an object.")
            if network.get("port"):
                ports.add(confinement.caller_port(caller, network["port"], BadRequest), False)
                continue
            if not network.get("uuid"):
                raise BadRequest("Each entry of networks needs a uuid or a port.")
            confinement.require_uuid(network["uuid"], "uuid")
            ports.add(make_top_port(caller, network, groups, missing=BadRequest), True)
    except BaseException:
        release(caller.project_id, ports.ids, ports.made)
        raise
    return ports


def release(project_id: str, top_ports: list[str], made: set[str]) -> None:
    """Top ports of a boot or an attach that did not happen (or of an interface detached):
    those the gateway made go, the caller's are freed (a job)."""
    for port_id in top_ports:
        origin = "gateway" if port_id in made else "user"
        request_job(BOOT_PORT_RELEASE, project_id, {"port_id": port_id, "origin": origin})


def made_by_gateway(top_port_id: str) -> bool:
    try:
        port = json_object(central_neutron().get(f"/ports/{top_port_id}"))["port"]
    except (ServiceError, ServiceUnavailable):
        return False
    assert isinstance(port, dict)
    description: object = port.get("description")
    return description == boot.GATEWAY_PORT
