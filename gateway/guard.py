"""The first thing every request meets after keystonemiddleware: a request id, and the limits no
handler should have to think about (paths that climb out of their API, bodies too large or too
deeply nested, version headers that are not versions, query strings that are not UTF-8).
Refusals and unexpected errors answer in the format of the API the path belongs to; unexpected
errors are logged once, with their traceback and the request's method, path, project and id."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from tricircle_site import request_ids, timing
from tricircle_site.faults import fault_response
from tricircle_site.paths import has_dot_segment

LOG = logging.getLogger("tricircle.errors")

# The fault format of each API Tricircle serves, by path prefix; the rest is the admin API's.
FAULT_STYLES = (
    ("/compute", "nova"),
    ("/volume", "nova"),
    ("/networking", "neutron"),
    ("/placement", "placement"),
)
# A microversion header names services and MAJOR.MINOR versions: nothing longer is one.
MAX_VERSION_HEADER = 256
# A body over the limit but not over this is read and dropped before the 413 is answered.
MAX_DRAINED_BODY = 16 * 1024 * 1024
BRACKETS = re.compile(rb"[\[\]{}]")
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def fault_style_of(path: str) -> str | None:
    for prefix, style in FAULT_STYLES:
        if path == prefix or path.startswith(prefix + "/"):
            return style
    return None


def error_response(path: str, status: int, message: str, code: str) -> HttpResponse:
    style = fault_style_of(path)
    if style:
        return fault_response(style, status, message)
    return JsonResponse({"detail": message, "code": code}, status=status)


def json_depth(body: bytes) -> int:
    """How deeply the JSON text nests arrays and objects (brackets inside strings ignored)."""
    depth = deepest = 0
    for match in BRACKETS.finditer(JSON_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_ids.given_or_new(request.META.get("HTTP_X_OPENSTACK_REQUEST_ID", ""))
        token = request_ids.current.set(request_id)
        request_timing = timing.RequestTiming()
        timing_token = timing.current.set(request_timing)
        try:
            response = self.refusal(request) or self.get_response(request)
        finally:
            request_ids.current.reset(token)
            timing.current.reset(timing_token)
        response["Server-Timing"] = request_timing.header()
        # A forwarded answer keeps the pod's own id; every other answer gets this request's.
        response.headers.setdefault("x-openstack-request-id", request_id)
        if request.path_info.startswith("/compute/"):  # Nova sends both
            response.headers.setdefault("x-compute-request-id", response["x-openstack-request-id"])
        # With X-Frame-Options (Django's middleware): no page inside another site's frame.
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        return response

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        if has_dot_segment(path) or has_dot_segment(request.META.get("RAW_URI", "").split("?")[0]):
            return error_response(path, 404, "The resource could not be found.", "not_found")
        version = request.META.get("HTTP_OPENSTACK_API_VERSION", "")
        legacy = request.META.get("HTTP_X_OPENSTACK_NOVA_API_VERSION", "")
        if max(len(version), len(legacy)) > MAX_VERSION_HEADER:
            return error_response(path, 400, "The API version header is invalid.", "bad_request")
        query = request.META.get("QUERY_STRING", "")
        try:
            if "%" in query:  # only an escape can make it other than what the client sent
                parse_qsl(query, errors="strict")
        except UnicodeDecodeError:
            # Django would read it with replacement characters; Placement and Neutron fail
            # on it with a 500, which the gateway could only pass on as a 503.
            return error_response(path, 400, "The query string is not valid UTF-8.", "bad_request")
        limit = settings.MAX_REQUEST_BODY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(path, 400, "Content-Length is invalid.", "bad_request")
        if length > limit:
            return self.too_large(request, length, limit)
        try:
            body = request.body
        except RequestDataTooBig:
            return self.too_large(request, length, limit)
        if (
            body.count(b"[") + body.count(b"{") > settings.MAX_JSON_DEPTH
            and json_depth(body) > settings.MAX_JSON_DEPTH
        ):
            return error_response(
                path,
                400,
                f"The request body nests deeper than {settings.MAX_JSON_DEPTH} levels.",
                "bad_request",
            )
        return None

    @staticmethod
    def too_large(request: HttpRequest, length: int, limit: int) -> HttpResponse:
        if length <= MAX_DRAINED_BODY:
            # Read what the client sends before answering, so it gets the 413 rather than a
            # connection closed under its upload.
            while request.read(65536):
                pass
        return error_response(
            request.path_info,
            413,
            f"Request is too large: the limit is {limit} bytes.",
            "request_too_large",
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        # The log format adds the request id (tricircle_site.request_ids).
        LOG.error(
            "Unexpected error in %s %s (project %s)",
            request.method,
            request.path,
            request.META.get("HTTP_X_PROJECT_ID", "-"),
            exc_info=exception,
        )
        return error_response(
            request.path_info,
            500,
            "Internal error; the operator has the details in the log "
            f"(request {request_ids.current.get() or '-'}).",
            "internal_error",
        )
