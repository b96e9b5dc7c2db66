"""Version documents of the admin API, in the OpenStack shape that clients discover."""

from django.http import HttpRequest, JsonResponse

from tricircle_site.jsontypes import JsonDict

API_VERSION = "v1.0"


def _version(request: HttpRequest) -> JsonDict:
    return {
        "id": API_VERSION,
        "status": "CURRENT",
        "updated": "2026-11-01T00:00:00Z",
        "links": [{"rel": "self", "href": request.build_absolute_uri(f"/{API_VERSION}/")}],
        "media-types": [{"base": "application/json", "type": "application/json"}],
    }


def root(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"versions": [_version(request)]})


def v1(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": _version(request)})
