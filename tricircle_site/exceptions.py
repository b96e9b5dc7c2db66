"""Errors raised by service functions; tricircle_site.api maps them to HTTP responses in one
place (DRF JSON for the admin API, OpenStack faults for the gateway)."""

from rest_framework import status


class TricircleError(Exception):
    status_code: int = status.HTTP_500_INTERNAL_SERVER_ERROR
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(TricircleError):
    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "bad_request"


class Forbidden(TricircleError):
    status_code: int = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class NotFound(TricircleError):
    status_code: int = status.HTTP_404_NOT_FOUND
    code = "not_found"


class MethodNotAllowed(TricircleError):
    """A known path asked with a method it does not take; `allow` names those it takes."""

    status_code: int = status.HTTP_405_METHOD_NOT_ALLOWED
    code = "method_not_allowed"

    def __init__(self, method: str, allow: str):
        super().__init__(f"The method {method} is not allowed for this resource.")
        self.allow = allow


class Conflict(TricircleError):
    status_code: int = status.HTTP_409_CONFLICT
    code = "conflict"


class OverLimit(TricircleError):
    """A create beyond a quota (Cinder's 413; Nova answers such refusals with Forbidden)."""

    status_code: int = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "over_limit"


class ServiceUnavailable(TricircleError):
    status_code: int = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"
