"""Paths Tricircle sends to OpenStack services: built from segments that cannot climb out of the
API they are meant for. Every call to a pod (the service account's and a user's forwarded one)
passes through `safe_url`, so an id taken from a request can never become `..` in a pod's URL."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit

from tricircle_site.exceptions import BadRequest

# Characters a path segment keeps as they are (RFC 3986 pchar less '%'); the rest is quoted.
SEGMENT_SAFE = "!$&'()*+,;=:@~"
# How many layers of percent-encoding are peeled off when looking for a hidden dot segment.
DECODE_LAYERS = 3


def is_dot_segment(segment: str) -> bool:
    """`.` or `..`, also percent-encoded once or several times (`%2e%2e`, `%252e%252e`)."""
    for _ in range(DECODE_LAYERS + 1):
        if segment in {".", ".."}:
            return True
        decoded = unquote(segment)
        if decoded == segment:
            return False
        if "/" in decoded or "\\" in decoded:
            # an encoded separator inside one segment: `..%2f` after a decode
            return any(is_dot_segment(part) for part in decoded.replace("\\", "/").split("/"))
        segment = decoded
    return False


def has_dot_segment(path: str) -> bool:
    return any(is_dot_segment(segment) for segment in path.replace("\\", "/").split("/"))


def quote_path(path: str) -> str:
    """The path with each segment percent-quoted; a dot segment is refused."""
    segments = path.split("/")
    if any(is_dot_segment(segment) for segment in segments):
        raise BadRequest("A path segment may not be '.' or '..'.")
    return "/".join(quote(segment, safe=SEGMENT_SAFE) for segment in segments)


def safe_url(url: str) -> str:
    """A URL (absolute, or a path relative to an endpoint) whose path is `quote_path`ed; its
    query is kept."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=quote_path(parts.path)))
