"""Key pairs, answered from Tricircle's own records (gateway.services.keypairs); copies in the
pods are made when a server uses one and removed after it (keypair_cleanup)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from gateway.compute.api import ComputeView
from gateway.models import KeyPair
from gateway.services import keypairs
from pods.fanout import gather
from tricircle_site.jsontypes import JsonDict


def keypair_body(keypair: KeyPair, detail: bool, version: tuple[int, int]) -> JsonDict:
    """Nova's shape for the microversion: `type` from 2.2; the show answer has the record's
    fields (clients validate them strictly)."""
    body: dict[str, Any] = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }
    if version >= (2, 2):
        body["type"] = keypair.type
    if detail:
        body.update(
            user_id=keypair.user_id,
            created_at=keypair.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            updated_at=None,
            deleted=False,
            deleted_at=None,
            id=keypair.pk,
        )
    return body


def _json(api: ComputeView, body: Any, status: int = 200) -> HttpResponse:
    return api.set_version_headers(JsonResponse(body, status=status))


def _user_of(api: ComputeView, request: Request, action: str) -> str:
    """The user the call is about: `?user_id=` (admins), else the caller."""
    params = parse_qs(request.META.get("QUERY_STRING", ""))
    asked = params["user_id"][-1] if params.get("user_id") else None
    return keypairs.owner_of_call(api.identity(request), asked, action)


def list_keypairs(api: ComputeView, request: Request) -> HttpResponse:
    version = api.version_tuple
    shown = [
        {"keypair": keypair_body(keypair, False, version)}
        for keypair in keypairs.keypairs_of(_user_of(api, request, "index"))
    ]
    return _json(api, {"keypairs": shown})


def create_keypair(api: ComputeView, request: Request) -> HttpResponse:
    user_id = _user_of(api, request, "create")
    data = api.json_body(request).get("keypair")
    identity = api.identity(request)
    if isinstance(data, dict) and data.get("user_id") not in (None, identity.user_id):
        user_id = keypairs.owner_of_call(identity, str(data["user_id"]), "create")
    version = api.version_tuple
    keypair, private_key = keypairs.create_keypair(
        user_id, data, version, keypair_limit(api, request)
    )
    body = keypair_body(keypair, False, version)
    body["user_id"] = keypair.user_id
    if private_key:
        body["private_key"] = private_key
    return _json(api, {"keypair": body}, 201 if version >= (2, 2) else 200)


def show_keypair(api: ComputeView, request: Request, name: str) -> HttpResponse:
    keypair = keypairs.get_keypair(_user_of(api, request, "show"), name)
    return _json(api, {"keypair": keypair_body(keypair, True, api.version_tuple)})


def delete_keypair(api: ComputeView, request: Request, name: str) -> HttpResponse:
    keypairs.delete_keypair(api.identity(request), _user_of(api, request, "delete"), name)
    return api.set_version_headers(HttpResponse(status=204 if api.version_tuple >= (2, 2) else 202))


def keypair_limit(api: ComputeView, request: Request) -> int:
    """How many key pairs a user may have: the tightest of the pods' limits (-1: none)."""
    gathered = gather(api.answering_pods(), lambda pod: api.forward_get(request, pod, "/limits"))
    limits = [
        answer.json().get("limits", {}).get("absolute", {}).get("maxTotalKeypairs", -1)
        for answer in gathered.results.values()
        if answer.status < 300
    ]
    bounded = [limit for limit in limits if isinstance(limit, int) and limit >= 0]
    return min(bounded) if bounded else -1
