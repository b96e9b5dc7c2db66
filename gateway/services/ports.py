"""The top ports of a server's boot or interface attach: given by the caller (checked with
the caller's rights) or made on a network with the caller's token; undone when the server
does not come, released (a job) when it goes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway import confinement
from gateway.services import security_groups
from jobs.services import request_job
from networking import boot
from networking.job_names import BOOT_PORT_RELEASE
from pods.clients import ServiceError, central_neutron, central_neutron_as
from pods.fanout import each, run_all
from pods.models import Pod
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, NotFound, ServiceUnavailable, TricircleError
from tricircle_site.jsontypes import JsonDict, json_object, json_str

LOG = logging.getLogger(__name__)


def make_top_port(
    caller: KeystoneIdentity,
    network: JsonDict,
    group_ids: list[str],
    missing: type[BadRequest | NotFound] = NotFound,
) -> JsonDict:
    """A top port on the network (with the groups given by id, else the project's default),
    made with the caller's token, as Neutron made it: a network the caller may not use is
    `missing` (Nova's create answers 400, an interface attach 404)."""
    port: JsonDict = {"network_id": network["uuid"], "description": boot.GATEWAY_PORT}
    if network.get("fixed_ip"):
        port["fixed_ips"] = [{"ip_address": network["fixed_ip"]}]
    if group_ids:
        port["security_groups"] = group_ids
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
    """The top ports of a boot, in order: their ids, those the gateway made, each one as read
    or made with the caller's token (its copy in the pod is made from that, not read again),
    and their copies in the pod once made."""

    ids: list[str] = field(default_factory=list)
    made: set[str] = field(default_factory=set)
    bodies: dict[str, JsonDict] = field(default_factory=dict)
    copies: list[str] = field(default_factory=list)

    def add(self, port: JsonDict, made: bool) -> None:
        port_id = json_str(port["id"])
        self.ids.append(port_id)
        self.bodies[port_id] = port
        if made:
            self.made.add(port_id)


def requested_networks(server: JsonDict) -> list[JsonDict]:
    """A boot's `networks` entries, each naming a port or a network by a valid uuid."""
    networks = server.get("networks")
    if networks in (None, "none") or not isinstance(networks, list):
        if networks == "auto":
            raise BadRequest("networks=auto is not supported; name a network or a port.")
        return []
    for network in networks:
        if not isinstance(network, dict):
            raise BadRequest("Each entry of networks must be an object.")
        if not network.get("port"):
            if not network.get("uuid"):
                raise BadRequest("Each entry of networks needs a uuid or a port.")
            confinement.require_uuid(network["uuid"], "uuid")
    return networks


def requested_group_ids(
    caller: KeystoneIdentity, server: JsonDict, networks: list[JsonDict]
) -> list[str]:
    """The top groups a boot names, for the ports made on its `networks` (none named: those
    ports get the project's default group; no port to make: nothing to look up)."""
    groups = server.get("security_groups") or []  # checked: boot.check_fields_read
    if not any(not network.get("port") for network in networks):
        return []
    return security_groups.group_ids(caller, [group["name"] for group in groups])


def caller_top_ports(caller: KeystoneIdentity, server: JsonDict, group_ids: list[str]) -> TopPorts:
    """The top ports of a boot: given ones as they are, a new one (made with the caller's
    token, so Neutron's policy applies) for each requested network."""
    ports = TopPorts()
    try:
        for network in requested_networks(server):
            if network.get("port"):
                ports.add(confinement.caller_port(caller, network["port"], BadRequest), False)
            else:
                ports.add(make_top_port(caller, network, group_ids, missing=BadRequest), True)
    except BaseException:
        release(caller.project_id, ports.ids, ports.made)
        raise
    return ports


def copies_ahead(
    caller: KeystoneIdentity, networks: list[JsonDict], group_ids: list[str], pod: Pod
) -> None:
    """While a boot's top ports are made, the copies in the pod that their copies will need:
    the networks the boot names that the caller may make ports on (read first with the
    caller's token: the service account touches nothing else) and the ports' groups (the
    project's default one when the boot names none). What fails here is left to the ports'
    copies, which make the same and answer for it."""
    neutron = central_neutron_as(caller.token)

    def usable(network_id: str) -> JsonDict | None:
        try:
            network = json_object(neutron.get(f"/networks/{network_id}")["network"])
        except ServiceError:
            return None  # the port's own create answers for it
        mine = network.get("project_id") == caller.project_id or caller.is_admin
        return network if (mine or network.get("shared")) else None

    def default_group() -> list[str]:
        try:
            found = neutron.get("/security-groups", name="default", project_id=caller.project_id)
        except ServiceError:
            return []  # made with the project's first port
        return [json_str(group["id"]) for group in found["security_groups"]]

    network_ids = [network["uuid"] for network in networks if not network.get("port")]
    if not network_ids:
        return
    found: list[JsonDict | None] = []
    groups = list(group_ids)
    reads: list[Callable[[], None]] = [lambda: found.extend(each(network_ids, usable))]
    if not groups:
        reads.append(lambda: groups.extend(default_group()))
    try:
        run_all(reads)
        boot.copies_ahead(pod, caller.project_id, [n for n in found if n], groups)
    except TricircleError as exc:
        LOG.info("copies ahead of a boot's ports in %s not made: %s", pod.region_name, exc)


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
