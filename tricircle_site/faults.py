"""OpenStack fault bodies: each API the gateway serves answers errors the way that API does, so
clients (the openstack CLI, openstacksdk, Tempest) show the message."""

from __future__ import annotations

from http import HTTPStatus

from django.http import JsonResponse

from tricircle_site import request_ids
from tricircle_site.jsontypes import JsonDict

NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    501: "notImplemented",
    503: "serviceUnavailable",
}

NEUTRON_FAULT_TYPES = {
    400: "BadRequest",
    401: "NotAuthorized",
    403: "PolicyNotAuthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    500: "HTTPInternalServerError",
    503: "ServiceUnavailable",
}


def fault_body(style: str, status: int, message: str) -> JsonDict:
    if style == "placement":
        return {
            "errors": [
                {
                    "status": status,
                    "title": HTTPStatus(status).phrase,
                    "detail": message,
                    "code": "placement.undefined_code",
                    "request_id": request_ids.current.get(),
                }
            ]
        }
    if style == "neutron":
        return {
            "NeutronError": {
                "type": NEUTRON_FAULT_TYPES.get(status, "NeutronError"),
                "message": message,
                "detail": "",
            }
        }
    name = NOVA_FAULT_NAMES.get(status, "computeFault")
    return {name: {"code": status, "message": message}}


def fault_response(style: str, status: int, message: str) -> JsonResponse:
    return JsonResponse(fault_body(style, status, message), status=status)
