from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests_mock
from rest_framework.test import APIClient

# The tests' job types (never registered in production): tests/jobs_support/job_types.py.
import tests.jobs_support.job_types  # noqa: F401
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


@pytest.fixture(autouse=True, scope="session")
def _celery_to_memory() -> Iterator[None]:
    """Tasks sent by the suite go to an in-memory broker, never to the embedded broker file a
    running worker reads; the broker tests point Celery at RabbitMQ themselves."""
    from tests.jobs_support.broker import celery_sending_to

    with celery_sending_to("memory://", "tricircle-tests"):
        yield


@pytest.fixture
def sent_jobs(monkeypatch) -> list[tuple[str, float | None]]:
    """The (job id, countdown) of every jobs.run task sent during the test."""
    from jobs.tasks import run_job

    sent: list[tuple[str, float | None]] = []
    original = run_job.apply_async

    def record(args: list, countdown: float | None = None, **options: object) -> object:
        sent.append((args[0], countdown))
        return original(args=args, countdown=countdown, **options)

    monkeypatch.setattr(run_job, "apply_async", record)
    return sent
