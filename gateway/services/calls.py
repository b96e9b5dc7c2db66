"""What the service layer needs of the API layer to make a caller's own calls in a pod: the
API layer forwards them with the caller's token and the request's microversion (gateway.proxy)
and answers the client; the services decide which pod, with what body, and what Tricircle
records of the answer. No HTTP request or response of the gateway's own reaches a service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gateway.proxy import UpstreamResponse
from pods.models import Pod
from tricircle_site.jsontypes import JsonDict


class UserCalls(Protocol):
    """The caller's own calls in the pods, as the API layer makes them."""

    @property
    def version(self) -> str:
        """The microversion the caller's calls are made at."""
        ...

    def forward(self, pod: Pod, path: str, body: JsonDict | None = None) -> UpstreamResponse:
        """The request itself (its method and query) made at `path` of the pod, with `body`
        (None: the body as it came)."""
        ...

    def send(
        self, pod: Pod, method: str, path: str, body: JsonDict | None = None
    ) -> UpstreamResponse:
        """A call of the service's own, made as the caller (no body when `body` is None)."""
        ...

    def read(
        self, pod: Pod, path: str, query: str = "", version: str | None = None
    ) -> UpstreamResponse:
        """A GET of the caller's in the pod (at `version` when given)."""
        ...

    def enforce_quota(self, requested: dict[str, int]) -> None:
        """Refuses what would take the caller's project beyond a limit Tricircle keeps."""
        ...


@dataclass(frozen=True)
class PodAnswer:
    """A pod's answer to the caller's call, and the pod (its links are rewritten for it)."""

    pod: Pod
    answer: UpstreamResponse
