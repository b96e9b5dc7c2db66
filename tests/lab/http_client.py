"""Plain HTTP to Tricircle as a lab user: what a client sees, status codes and bodies exactly."""

from __future__ import annotations

from typing import Any

import requests
from keystoneauth1 import adapter
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3


def user_session(lab: dict[str, Any], user: str) -> ks_session.Session:
    """A Keystone session of one of the lab's users (admin, demo, alt_demo...)."""
    return ks_session.Session(
        auth=v3.Password(
            auth_url=lab["keystone_url"],
            username=user,
            password=lab["users"][user]["password"],
            project_name=lab["users"][user]["project"],
            user_domain_name="Default",
            project_domain_name="Default",
        )
    )


def direct(lab: dict[str, Any], user: str, url: str) -> adapter.Adapter:
    """An OpenStack API at `url` (a pod's, the central Neutron) called directly as a lab user,
    bypassing Tricircle: the reference. Errors are answers, not exceptions."""
    return adapter.Adapter(user_session(lab, user), endpoint_override=url, raise_exc=False)


class Client:
    """Plain HTTP to Tricircle with a user's Keystone token: status codes, headers and fault
    bodies exactly as a client sees them."""

    def __init__(self, lab: dict[str, Any], user: str, base: str):
        self.session = user_session(lab, user)
        self.base = base
        self.project_id = self.session.get_project_id()
        self.http = requests.Session()

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> requests.Response:
        sent = {"X-Auth-Token": self.session.get_token(), **(headers or {})}
        url = path if path.startswith("http") else self.base + path
        return self.http.request(method, url, json=body, headers=sent, timeout=120)

    def ok(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        response = self.request(method, path, body, headers)
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None
