"""A server's boot through the top region: the pod it goes to (its volumes' pod, else by
availability zone), the project's limits across pods, the flavor and key pair copied into
the pod, its top ports and their copies in the pod, the caller's boot in the pod, its routing
entry; what was made for a boot that does not happen is undone. Nova's multiple create boots
the servers one by one."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass

from gateway.job_names import SERVER_PORTS_RELEASE
from gateway.models import Flavor
from gateway.numbers import whole_number
from gateway.proxy import UpstreamResponse
from gateway.schema import invalid, nova_boolean
from gateway.services import flavors, keypairs
from gateway.services.calls import UserCalls
from gateway.services.pod_choice import choose_pod
from gateway.services.ports import TopPorts, caller_top_ports, release
from gateway.services.servers import pod_of_boot_volumes, reservation_id, server_pod
from jobs.services import request_job
from networking import boot as server_ports
from pods.clients import ServiceError
from pods.fanout import run_all
from pods.models import Pod
from routing.models import ResourceType
from routing.services import record_bottom
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import BadRequest, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

LOG = logging.getLogger(__name__)


@dataclass
class BootResult:
    """The pod that answered the (first) boot and its answer; the reservation id when the
    caller asked for it and the boot was taken."""

    pod: Pod
    response: UpstreamResponse
    reservation_id: object = None
    wants_reservation: bool = False


class RefusedBoot(Exception):
    """One boot of a multiple create was refused by its pod: its answer is the create's."""

    def __init__(self, result: BootResult):
        super().__init__(result.response.status)
        self.result = result


def boot_server(caller: KeystoneIdentity, body: JsonDict, user: UserCalls) -> BootResult:
    """`body` is Nova's create body ({"server": {...}})."""
    server = body.get("server")
    if not isinstance(server, dict):
        raise BadRequest('The request body must be {"server": {...}}.')
    check_fields_read(server)
    count = instance_count(server)
    # Each pod boot must answer with its server (its routing entry is made from it).
    wants_reservation = nova_boolean(
        server.pop("return_reservation_id", False), "return_reservation_id"
    )
    several = count > 1
    result = boot_several(caller, body, count, user) if several else boot_one(caller, body, user)
    if wants_reservation and result.response.status < 300:
        # Several servers are booted one by one, so each has its own: the first's.
        result.wants_reservation = True
        result.reservation_id = reservation_id(booted_id(result))
    return result


def check_fields_read(server: JsonDict) -> None:
    """The fields Tricircle reads before the pod's Nova validates the body are of the types
    Nova's schema gives them, refused in its words otherwise."""
    for field in ("availability_zone", "key_name"):
        value = server.get(field)
        if value is not None and not isinstance(value, str):
            raise invalid(field, value, f"{value!r} is not of type 'string'")
    for field in ("block_device_mapping_v2", "block_device_mapping"):
        mappings = server.get(field)
        if mappings is None:
            continue
        if not isinstance(mappings, list):
            raise invalid(field, mappings, f"{mappings!r} is not of type 'array'")
        for mapping in mappings:
            if not isinstance(mapping, dict):
                raise invalid(field, mappings, f"{mapping!r} is not of type 'object'")
    groups = server.get("security_groups")
    if groups is not None:
        if not isinstance(groups, list):
            raise invalid("security_groups", groups, f"{groups!r} is not of type 'array'")
        for group in groups:
            if not isinstance(group, dict):
                raise invalid("security_groups", groups, f"{group!r} is not of type 'object'")
            name = group.get("name")
            if not isinstance(name, str):
                raise invalid("security_groups", groups, f"{name!r} is not of type 'string'")


def booted_id(result: BootResult) -> str:
    return str(result.response.json()["server"]["id"])


def instance_count(server: JsonDict) -> int:
    """How many servers a create asks for: Nova makes max_count when it can, min_count at
    least; Tricircle makes max_count (or min_count) of them."""
    minimum = whole_number(server.get("min_count", 1), "min_count", minimum=1)
    maximum = whole_number(server.get("max_count", minimum), "max_count", minimum=1)
    if minimum > maximum:
        raise BadRequest("min_count must be <= max_count")
    return maximum


def boot_several(
    caller: KeystoneIdentity, body: JsonDict, count: int, user: UserCalls
) -> BootResult:
    """Nova's multiple create: each server needs ports of its own at the top, which one
    pod request cannot name, so the servers are booted one by one (named as Nova names
    them, `name-1`...); one refused undoes those made. Answers the first, as Nova does."""
    server = body["server"]
    if any(isinstance(n, dict) and n.get("port") for n in server.get("networks") or []):
        raise BadRequest(
            "Unable to launch multiple instances with a single configured port ID. Please "
            "launch your instance one by one with different ports."
        )
    enforce_boot_quota(user, count, flavors.top_flavor(caller, server.get("flavorRef")))
    made: list[str] = []
    first: BootResult | None = None
    try:
        for index in range(1, count + 1):
            one = copy.deepcopy(body)
            one["server"]["name"] = f"{server.get('name', '')}-{index}"
            result = boot_one(caller, one, user, quota_checked=True)
            if result.response.status >= 300:
                raise RefusedBoot(result)
            made.append(booted_id(result))
            first = first or result
    except BaseException as exc:
        for server_id in made:
            undo_boot(caller, server_id, user)
        if isinstance(exc, RefusedBoot):
            return exc.result
        raise
    assert first is not None
    return first


def undo_boot(caller: KeystoneIdentity, server_id: str, user: UserCalls) -> None:
    user.send(server_pod(server_id), "DELETE", f"/servers/{server_id}")
    request_job(SERVER_PORTS_RELEASE, caller.project_id, {"server_id": server_id})


def boot_one(
    caller: KeystoneIdentity, body: JsonDict, user: UserCalls, quota_checked: bool = False
) -> BootResult:
    server = body["server"]
    for field in ("min_count", "max_count"):
        server.pop(field, None)
    zone = server.pop("availability_zone", None)
    zone = zone.split(":")[0] if zone else None
    pod = pod_of_boot_volumes(caller, server, zone) or choose_pod(caller.project_id, zone)
    if pod.pod_az_name:
        server["availability_zone"] = pod.pod_az_name
    flavor = flavors.top_flavor(caller, server.get("flavorRef"))
    if not quota_checked:
        enforce_boot_quota(user, 1, flavor)
    ports = prepare_in_pod(caller, server, flavor, pod)
    top_ports, made = ports.ids, ports.made
    server["flavorRef"] = flavor.id
    try:
        if top_ports:
            copies = server_ports.bottom_ports(pod, caller.project_id, top_ports, ports.bodies)
            server["networks"] = [{"port": port_id} for port_id in copies]
            # The top ports carry the groups; their bottom copies carry the copies.
            server.pop("security_groups", None)
        response = user.send(pod, "POST", "/servers", body)
    except BaseException:
        release(caller.project_id, top_ports, made)
        raise
    if response.status >= 300:
        release(caller.project_id, top_ports, made)
        return BootResult(pod, response)
    created = response.json()["server"]
    record_bottom(created["id"], created["id"], pod, ResourceType.SERVER, caller.project_id)
    try:
        server_ports.ports_attached(top_ports, created["id"], pod, caller.project_id)
    except (ServiceError, ServiceUnavailable):
        # The server runs; only the top's view of its ports lags (and their release on
        # delete, which finds them by device_id).
        LOG.warning("top ports %s not marked as server %s's", top_ports, created["id"])
    return BootResult(pod, response)


def prepare_in_pod(
    caller: KeystoneIdentity, server: JsonDict, flavor: Flavor, pod: Pod
) -> TopPorts:
    """What a boot needs before the pod is asked, made at once (none needs another): the
    flavor and key pair copied into the pod (they are Tricircle's) and the top ports (made as
    the caller). Top ports made for a boot that cannot go on are released."""
    ports: list[TopPorts] = []
    key_name = server.get("key_name")
    calls: list[Callable[[], object]] = [
        lambda: ports.append(caller_top_ports(caller, server)),
        lambda: flavors.ensure_flavor_in_pod(pod, flavor, caller.project_id),
    ]
    if key_name:
        calls.append(lambda: keypairs.keypair_in_pod(caller, str(key_name), pod))
    try:
        run_all(calls)
    except BaseException:
        for made_ports in ports:
            release(caller.project_id, made_ports.ids, made_ports.made)
        raise
    return ports[0]


def enforce_boot_quota(user: UserCalls, count: int, flavor: Flavor) -> None:
    requested = {"instances": count, "cores": flavor.vcpus * count, "ram": flavor.ram * count}
    user.enforce_quota(requested)


def prepare_server_action(caller: KeystoneIdentity, pod: Pod, action: object) -> None:
    """What a server action names that is Tricircle's is made in the server's pod first:
    a resize's flavor, a rebuild's key pair (2.54)."""
    resize = action.get("resize") if isinstance(action, dict) else None
    if isinstance(resize, dict) and resize.get("flavorRef"):
        flavors.flavor_in_pod(caller, resize["flavorRef"], pod)
    rebuild = action.get("rebuild") if isinstance(action, dict) else None
    if isinstance(rebuild, dict) and rebuild.get("key_name"):
        keypairs.keypair_in_pod(caller, str(rebuild["key_name"]), pod)
