"""Microversions: the gateway advertises what every enabled pod supports (the lowest maximum)
and refuses, like the service itself, a version outside that range."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from gateway.proxy import Upstream, call
from pods.fanout import gather
from pods.models import Pod
from tricircle_site.exceptions import BadRequest, TricircleError
from tricircle_site.jsontypes import JsonDict

CACHE_SECONDS = 300.0
# A range read while some pod did not answer is kept this long: not reading every pod's version
# document again on every request while a pod is down (each request paid a call to every pod,
# a timeout for a pod that hangs), yet the pod counts again soon after it is back.
PARTIAL_CACHE_SECONDS = 15.0
# {service and pods: (when it expires, (minimum, maximum))}
_ranges: dict[str, tuple[float, tuple[str, str]]] = {}
# Nova and Cinder versions are small numbers; longer digit runs are no version (and would cost
# a conversion of thousands of digits).
VERSION = re.compile(r"^(\d{1,4})\.(\d{1,4})$")


class NotAcceptable(TricircleError):
    status_code = 406
    code = "not_acceptable"


def as_tuple(version: str) -> tuple[int, int]:
    match = VERSION.match(version.strip())
    if not match:
        # As Nova and Cinder answer a version string of another form.
        raise BadRequest(
            f"API Version String {version[:40]!r} is of invalid format. Must be of format "
            "MajorNum.MinorNum."
        )
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class VersionRange:
    minimum: str
    maximum: str

    def resolve(self, requested: str | None) -> str:
        """The version to forward: the minimum when none is asked (as the services do), the
        maximum for `latest`; a version outside the range is a 406."""
        if not requested:
            return self.minimum
        if requested.strip().lower() == "latest":
            return self.maximum
        wanted = as_tuple(requested)
        if not as_tuple(self.minimum) <= wanted <= as_tuple(self.maximum):
            raise NotAcceptable(
                f"Version {requested} is not supported by the API. Minimum is {self.minimum} "
                f"and maximum is {self.maximum}."
            )
        return f"{wanted[0]}.{wanted[1]}"


def supported_range(
    service_type: str,
    pods: list[Pod],
    upstream_of: Callable[[Pod], Upstream],
    default: VersionRange,
) -> VersionRange:
    """The intersection of the pods' ranges, read from their version documents (cached)."""
    key = f"{service_type}:{','.join(sorted(pod.region_name for pod in pods))}"
    cached = _ranges.get(key)
    if cached and time.monotonic() < cached[0]:
        return VersionRange(*cached[1])

    def read(pod: Pod) -> tuple[str, str]:
        upstream: Upstream = upstream_of(pod)
        response = call(upstream, "GET", "", {"Accept": "application/json"}, timeout=5)
        body = response.json()
        # Nova's versioned document has one "version"; Cinder's root lists "versions".
        version: JsonDict = body.get("version") or next(
            (item for item in body.get("versions", []) if item.get("status") == "CURRENT"), {}
        )
        # Placement names its maximum max_version.
        maximum = version.get("version") or version.get("max_version") or ""
        return version.get("min_version") or default.minimum, maximum

    gathered = gather(pods, read, timeout=settings.LIST_TIMEOUT)
    answers = [answer for answer in gathered.results.values() if answer[1]]
    if answers:
        minimum = max((answer[0] for answer in answers), key=as_tuple)
        maximum = min((answer[1] for answer in answers), key=as_tuple)
        found = VersionRange(minimum, maximum)
    else:
        found = default
    complete = bool(answers) and len(answers) == len(pods)
    keep = CACHE_SECONDS if complete else PARTIAL_CACHE_SECONDS
    _ranges[key] = (time.monotonic() + keep, (found.minimum, found.maximum))
    return found
