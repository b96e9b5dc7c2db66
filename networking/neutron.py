"""Neutron as Tricircle's automation uses it: the central Neutron and each pod's Neutron, called
with Tricircle's service account (admin rights are needed for provider attributes, fixed MACs
and ports of other projects)."""

from __future__ import annotations

from typing import Any

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exceptions

from pods.clients import clients
from pods.models import Pod
from tricircle_site.exceptions import ServiceUnavailable, TricircleError
from tricircle_site.jsontypes import Json, JsonDict


class NeutronError(TricircleError):
    """An error answer of a Neutron, with its status and message kept for the caller."""

    def __init__(self, status: int, message: str, where: str):
        super().__init__(f"{where}: {message}")
        self.status_code = status
        self.neutron_message = message


class NeutronAPI:
    """A Neutron called with the service account, or with a caller's own token when `token`
    is given (then Neutron's policy answers for that caller)."""

    def __init__(self, adapter: ks_adapter.Adapter, where: str, token: str | None = None):
        self.adapter = adapter
        self.where = where
        self.token = token

    def request(self, method: str, path: str, body: JsonDict | None = None, **params: Any) -> Json:
        as_caller: dict[str, Any] = {}
        if self.token is not None:
            as_caller = {"authenticated": False, "headers": {"X-Auth-Token": self.token}}
        try:
            response = self.adapter.request(
                "/v2.0" + path,
                method,
                json=body,
                params=params or None,
                raise_exc=False,
                **as_caller,
            )
        except ks_exceptions.ConnectionError as exc:
            raise ServiceUnavailable(f"{self.where} is not answering.") from exc
        if response.status_code >= 400:
            try:
                message = response.json()["NeutronError"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:300]
            if response.status_code >= 500:
                raise ServiceUnavailable(f"{self.where} failed: {message}")
            raise NeutronError(response.status_code, message, self.where)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Json:
        return self.request("GET", path, **params)

    def post(self, path: str, body: JsonDict) -> Json:
        return self.request("POST", path, body)

    def put(self, path: str, body: JsonDict) -> Json:
        return self.request("PUT", path, body)

    def delete(self, path: str, missing_ok: bool = True) -> None:
        try:
            self.request("DELETE", path)
        except NeutronError as exc:
            if not (missing_ok and exc.status_code == 404):
                raise


def central_neutron() -> NeutronAPI:
    return NeutronAPI(clients().central_neutron(), "the central Neutron")


def central_neutron_as(token: str) -> NeutronAPI:
    """The central Neutron as the caller sees it."""
    return NeutronAPI(clients().central_neutron(), "the central Neutron", token)


def pod_neutron(pod: Pod) -> NeutronAPI:
    return NeutronAPI(
        clients().adapter(pod.region_name, "network"), f"Neutron of {pod.region_name}"
    )
