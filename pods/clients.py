"""The one client layer for HTTP calls to OpenStack services: one keystoneauth Session per
region (authenticated as Tricircle's service account), one Adapter per (region, service), and
on them the typed clients Tricircle's services call (NovaClient, CinderClient, NeutronClient),
which share one error mapping (ServiceClient.request)."""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from functools import cache
from typing import Any

import requests
from django.conf import settings
from django.core.signals import setting_changed
from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from requests.adapters import HTTPAdapter

from pods.models import Pod
from tricircle_site import metrics, request_ids
from tricircle_site.exceptions import ServiceUnavailable, TricircleError
from tricircle_site.jsontypes import Json, JsonDict, decode_json
from tricircle_site.paths import safe_url


class SafePathAdapter(ks_adapter.Adapter):
    """An Adapter whose every URL has its path segments quoted and dot segments refused: ids
    named by users end up in these paths, and the service account's rights are behind them.
    Each call is measured (tricircle_pod_request_seconds) under the API's name."""

    def __init__(self, *args: Any, api_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_name = api_name
        # The endpoint and the catalog (the service account's token) it was read from:
        # keystoneauth normalizes the whole catalog on every lookup (0.24 ms a call).
        self._endpoint: tuple[object, str | None] | None = None

    def get_endpoint(self, auth: Any = None, **kwargs: Any) -> str | None:
        """The service's endpoint in the region, read once per catalog. A region without the
        service raises EndpointNotFound, also where keystoneauth raises ValueError: when the
        catalog lists the service under several of its aliases (volumev3 and block-storage)
        and none has an endpoint in the region (a pod whose region lost its endpoints)."""
        if auth is not None or kwargs:
            return self._look_up_endpoint(auth, **kwargs)
        catalog = getattr(self.session.auth, "auth_ref", None)
        if self._endpoint is not None and catalog is not None and self._endpoint[0] is catalog:
            return self._endpoint[1]
        endpoint = self._look_up_endpoint()
        # read after the lookup, which fetches the first token
        self._endpoint = (getattr(self.session.auth, "auth_ref", None), endpoint)
        return endpoint

    def _look_up_endpoint(self, auth: Any = None, **kwargs: Any) -> str | None:
        try:
            endpoint: str | None = super().get_endpoint(auth, **kwargs)
        except ValueError as exc:
            raise ks_exceptions.EndpointNotFound(
                f"no {self.service_type} endpoint in region {self.region_name}"
            ) from exc
        return endpoint

    def request(self, url: str, method: str, **kwargs: Any) -> Any:
        if "://" not in url:
            # Joined here to the endpoint get_endpoint finds (cached, its errors mapped), as
            # keystoneauth would join it after looking the endpoint up again.
            endpoint = self.get_endpoint()
            if not endpoint:
                raise ks_exceptions.EndpointNotFound(
                    f"no {self.service_type} endpoint in region {self.region_name}"
                )
            url = f"{endpoint.rstrip('/')}/{url.lstrip('/')}"
        # The pods log the work done for a request under the request's id.
        kwargs["headers"] = {**request_ids.headers(), **(kwargs.get("headers") or {})}
        started, status = time.perf_counter(), None
        try:
            response = super().request(safe_url(url), method, **kwargs)
            status = response.status_code
            return response
        finally:
            metrics.observe_pod_request(
                self.region_name or settings.TOP_REGION, self.api_name, status, started
            )


def environment_ca_bundle() -> str | None:
    """The CA bundle requests would take from the environment (its own variable first)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


class ClientRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, ks_session.Session] = {}
        self._adapters: dict[tuple[str, str], ks_adapter.Adapter] = {}

    def session(self, region_name: str) -> ks_session.Session:
        with self._lock:
            session = self._sessions.get(region_name)
            if session is None:
                auth = v3.Password(**settings.SERVICE_AUTH)
                session = ks_session.Session(
                    auth=auth,
                    timeout=settings.POD_TIMEOUT,
                    app_name="tricircle",
                    verify=environment_ca_bundle() or True,
                )
                # requests reads the proxy variables, .netrc and the CA bundle variables from
                # the environment on every call (a third of a call's CPU, bench_scale): with
                # no proxy configured, what it would find is given once (the CA bundle above).
                session.session.trust_env = bool(urllib.request.getproxies())
                # Pools sized for the fan-out threads that share the session.
                for scheme in ("http://", "https://"):
                    pool = settings.FANOUT_WORKERS * 2
                    session.session.mount(
                        scheme, HTTPAdapter(pool_connections=pool, pool_maxsize=pool)
                    )
                self._sessions[region_name] = session
            return session

    def adapter(self, region_name: str, service_type: str) -> ks_adapter.Adapter:
        key = (region_name, service_type)
        adapter = self._adapters.get(key)
        if adapter is None:
            adapter = SafePathAdapter(
                session=self.session(region_name),
                api_name=service_type,
                service_type=service_type,
                region_name=region_name,
                interface="public",
                raise_exc=False,
            )
            self._adapters[key] = adapter
        return adapter

    def endpoint(self, region_name: str, service_type: str) -> str | None:
        """The service's public endpoint in the region (read once per catalog)."""
        return self.adapter(region_name, service_type).get_endpoint()

    def at_url(self, region_name: str, name: str, url: str) -> ks_adapter.Adapter:
        """An API reached by a configured URL rather than the catalog (Keystone itself, the
        central Neutron), with the region's session."""
        key = (region_name, name)
        adapter = self._adapters.get(key)
        if adapter is None:
            adapter = SafePathAdapter(
                session=self.session(region_name),
                api_name=name,
                endpoint_override=url,
                raise_exc=False,
            )
            self._adapters[key] = adapter
        return adapter

    def identity(self) -> ks_adapter.Adapter:
        return self.at_url(settings.TOP_REGION, "identity", settings.KEYSTONE_URL)

    def central_neutron(self) -> ks_adapter.Adapter:
        return self.at_url(settings.TOP_REGION, "central-neutron", settings.CENTRAL_NEUTRON_URL)


@cache
def clients() -> ClientRegistry:
    return ClientRegistry()


def _reset(**kwargs: object) -> None:
    clients.cache_clear()


setting_changed.connect(_reset)


class ServiceError(TricircleError):
    """A refusal (4xx) of an OpenStack API Tricircle called, with its status and the API's own
    message kept for the caller (a 5xx or no answer is ServiceUnavailable instead)."""

    def __init__(self, status: int, message: str, where: str):
        super().__init__(f"{where}: {message}")
        self.status_code = status
        self.service_message = message


class NovaError(ServiceError):
    pass


class CinderError(ServiceError):
    pass


class NeutronError(ServiceError):
    pass


class ServiceUnanswered(ServiceUnavailable):
    """An API that did not answer (refused connection, timeout, connection lost): what was
    asked may have been done all the same."""


class ServiceFailed(ServiceUnavailable):
    """An API that answered with a failure (5xx): a ServiceUnavailable that keeps the answer,
    for a caller that words the failure as the API it stands for would (the security-group
    proxy API answers a Neutron failure as Nova does)."""

    def __init__(self, message: str, response: requests.Response):
        super().__init__(message)
        self.response = response


class ServiceClient:
    """An OpenStack API called through its Adapter: with the service account, or with a
    caller's own token when `token` is given (then the API's policy answers for that caller).
    `request` answers the raw response of any status below 500 (a 5xx is ServiceFailed, no
    answer ServiceUnavailable); `get`/`post`/`put`/`delete` answer the JSON body and raise
    ServiceError for a refusal."""

    prefix = ""  # put before every path: Neutron's "/v2.0"
    # What a refusal raises: named after the service, which is what a job's error shows.
    error: type[ServiceError] = ServiceError

    def __init__(
        self,
        adapter: ks_adapter.Adapter,
        where: str,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.adapter = adapter
        self.where = where
        self.token = token
        self.headers = headers or {}

    def request(
        self,
        method: str,
        path: str,
        body: JsonDict | None = None,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if self.token is not None:
            headers["X-Auth-Token"] = self.token
            kwargs["authenticated"] = False
        try:
            response = self.adapter.request(
                self.prefix + path,
                method,
                json=body,
                params=params or None,
                headers=headers,
                raise_exc=False,
                **kwargs,
            )
        except ks_exceptions.ClientException as exc:
            raise ServiceUnanswered(f"{self.where} is not answering.") from exc
        if response.status_code >= 500:
            raise ServiceFailed(
                f"{self.where} failed: HTTP {response.status_code} {self.message(response)}",
                response,
            )
        return response

    def call(self, method: str, path: str, body: JsonDict | None = None, **params: Any) -> Json:
        response = self.request(method, path, body, params)
        if response.status_code >= 400:
            raise self.error(response.status_code, self.message(response), self.where)
        return decode_json(response.content) if response.content else None

    def message(self, response: requests.Response) -> str:
        """The refusal's message as the API words it (each API has its own fault body)."""
        try:
            body = response.json()
            (fault,) = body.values()
            return str(fault.get("message") or fault)
        except (ValueError, AttributeError, TypeError):
            return response.text[:300]

    def get(self, path: str, **params: Any) -> Json:
        return self.call("GET", path, **params)

    def post(self, path: str, body: JsonDict) -> Json:
        return self.call("POST", path, body)

    def put(self, path: str, body: JsonDict) -> Json:
        return self.call("PUT", path, body)

    def delete(self, path: str, missing_ok: bool = True) -> None:
        try:
            self.call("DELETE", path)
        except ServiceError as exc:
            if not (missing_ok and exc.status_code == 404):
                raise


class NovaClient(ServiceClient):
    """A pod's Nova, every call made at one microversion."""

    error = NovaError

    def __init__(self, adapter: ks_adapter.Adapter, where: str, version: str, **kwargs: Any):
        super().__init__(adapter, where, **kwargs)
        self.headers["X-OpenStack-Nova-API-Version"] = version


class CinderClient(ServiceClient):
    """A pod's Cinder (its v3 API; the project is in the catalog's URL)."""

    error = CinderError


class NeutronClient(ServiceClient):
    """A Neutron: a pod's, or the central Neutron that holds the top region's networks."""

    prefix = "/v2.0"
    error = NeutronError


def nova(pod: Pod, version: str) -> NovaClient:
    return NovaClient(
        clients().adapter(pod.region_name, "compute"), f"Nova of {pod.region_name}", version
    )


def cinder(pod: Pod) -> CinderClient:
    return CinderClient(
        clients().adapter(pod.region_name, "volumev3"), f"Cinder of {pod.region_name}"
    )


def pod_neutron(pod: Pod) -> NeutronClient:
    return NeutronClient(
        clients().adapter(pod.region_name, "network"), f"Neutron of {pod.region_name}"
    )


def keystone() -> ServiceClient:
    """The shared Keystone, as the service account."""
    return ServiceClient(clients().identity(), "Keystone")


def central_neutron() -> NeutronClient:
    return NeutronClient(clients().central_neutron(), "the central Neutron")


def central_neutron_as(token: str) -> NeutronClient:
    """The central Neutron as the caller sees it."""
    return NeutronClient(clients().central_neutron(), "the central Neutron", token)
