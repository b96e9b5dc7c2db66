"""Nova's os-tenant-networks (a proxy API, before 2.36): the networks the caller sees in the
central Neutron, read with the caller's token."""

from __future__ import annotations

from urllib.parse import quote

from gateway.services.ports import neutron_refusal
from pods.clients import ServiceError, central_neutron_as
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import NotFound
from tricircle_site.jsontypes import JsonDict, json_object


def nova_network(network: JsonDict) -> JsonDict:
    return {"id": network.get("id"), "cidr": "None", "label": network.get("name")}


def caller_networks(caller: KeystoneIdentity) -> list[JsonDict]:
    found = _read(caller, "/networks")["networks"]
    assert isinstance(found, list)
    return [nova_network(json_object(network)) for network in found]


def caller_network(caller: KeystoneIdentity, network_id: str) -> JsonDict:
    return nova_network(
        json_object(_read(caller, f"/networks/{quote(network_id, safe='')}")["network"])
    )


def _read(caller: KeystoneIdentity, path: str) -> JsonDict:
    try:
        return json_object(central_neutron_as(caller.token).get(path))
    except ServiceError as exc:
        if exc.status_code == 404:
            raise NotFound("Network not found") from exc
        raise neutron_refusal(exc.status_code, exc.service_message) from exc
