from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests_mock
from rest_framework.test import APIClient

from pods.clients import clients
from tests.fake_keystone import KEYSTONE_URL, FakeKeystone

ADMIN_PROJECT = "admin-project"
DEMO_PROJECT = "demo-project"
ALT_PROJECT = "alt-project"


def identity_headers(project_id: str, roles: str, token: str = "user-token") -> dict[str, str]:
    """What keystonemiddleware leaves on a request whose token it validated."""
    return {
        "HTTP_X_IDENTITY_STATUS": "Confirmed",
        "HTTP_X_USER_ID": f"user-of-{project_id}",
        "HTTP_X_USER_NAME": f"user-of-{project_id}",
        "HTTP_X_PROJECT_ID": project_id,
        "HTTP_X_PROJECT_NAME": project_id,
        "HTTP_X_ROLES": roles,
        "HTTP_X_AUTH_TOKEN": token,
    }


@pytest.fixture(autouse=True)
def _keystone_settings(settings) -> None:
    settings.KEYSTONE_URL = KEYSTONE_URL
    settings.SERVICE_AUTH = {**settings.SERVICE_AUTH, "auth_url": KEYSTONE_URL}
    clients.cache_clear()


@pytest.fixture
def keystone() -> Iterator[FakeKeystone]:
    with requests_mock.Mocker() as mocker:
        yield FakeKeystone(mocker)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def admin() -> APIClient:
    client = APIClient()
    client.credentials(**identity_headers(ADMIN_PROJECT, "admin,member,reader"))
    return client


@pytest.fixture
def demo() -> APIClient:
    client = APIClient()
    client.credentials(**identity_headers(DEMO_PROJECT, "member,reader"))
    return client


@pytest.fixture
def alt_demo() -> APIClient:
    client = APIClient()
    client.credentials(**identity_headers(ALT_PROJECT, "member,reader"))
    return client
