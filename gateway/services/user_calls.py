"""What a service needs of the caller's own calls to the pods (made with the caller's token,
at the request's microversion), given by the handler that holds the request."""

from __future__ import annotations

from typing import Protocol

from gateway.proxy import UpstreamResponse
from pods.models import Pod
from tricircle_site.jsontypes import JsonDict


class UserCalls(Protocol):
    def send(
        self, pod: Pod, method: str, path: str, body: JsonDict | None = None
    ) -> UpstreamResponse:
        """The caller's call of `path` in the pod's API, answered as the pod answered it."""
        ...

    def enforce_quota(self, requested: dict[str, int]) -> None:
        """Refuses a create that takes the caller's project beyond a limit Tricircle keeps."""
        ...
