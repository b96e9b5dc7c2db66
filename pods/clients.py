"""The one client layer for HTTP calls to OpenStack services: one keystoneauth Session per
region (authenticated as Tricircle's service account), one Adapter per (region, service)."""

from __future__ import annotations

import threading
import time
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from requests.adapters import HTTPAdapter

from tricircle_site import metrics, request_ids
from tricircle_site.paths import safe_url


class SafePathAdapter(ks_adapter.Adapter):
    """An Adapter whose every URL has its path segments quoted and dot segments refused: ids
    named by users end up in these paths, and the service account's rights are behind them.
    Each call is measured (tricircle_pod_request_seconds) under the API's name."""

    def __init__(self, *args: Any, api_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_name = api_name

    def request(self, url: str, method: str, **kwargs: Any) -> Any:
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
                    auth=auth, timeout=settings.POD_TIMEOUT, app_name="tricircle"
                )
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
