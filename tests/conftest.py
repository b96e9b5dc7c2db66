from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests_mock
from rest_framework.test import APIClient

# The tests' job types (never registered in production): tests/jobs_support/job_types.py.
import tests.jobs_support.job_types  # noqa: F401
from pods.clients import clients
from tests.factories import PodFactory
from tests.fake_keystone import KEYSTONE_URL, FakeKeystone
from tests.fake_neutron import FakeNeutron
from tests.jobs_support.broker import (
    Workers,
    broker_unreachable_reason,
    celery_sending_to,
    delete_queue,
)

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
    # Names asked of the central Neutron on every call, unless a test says otherwise.
    settings.NAME_CACHE_SECONDS = 0
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


# Short timings for the broker tests, in the worker processes and in this one.
BROKER_TEST_JOBS_ENV = {
    "TRICIRCLE_JOBS_LEASE_SECONDS": "2",
    "TRICIRCLE_JOBS_SWEEP_INTERVAL": "1",
    "TRICIRCLE_JOBS_RESEND_AFTER_SECONDS": "1",
    "TRICIRCLE_JOBS_MAX_ATTEMPTS": "3",
    "TRICIRCLE_JOBS_BACKOFF_SECONDS": "0.5",
    "TRICIRCLE_JOBS_BACKOFF_MAX_SECONDS": "2",
}


@pytest.fixture
def broker_workers(transactional_db, tmp_path, settings) -> Iterator[Workers]:
    """Real Celery workers on RabbitMQ (a queue of this test's own) sharing this test's
    database; skipped only when RabbitMQ does not answer."""
    reason = broker_unreachable_reason()
    if reason:
        pytest.skip(reason)
    for name, value in BROKER_TEST_JOBS_ENV.items():
        setattr(settings, name.removeprefix("TRICIRCLE_"), float(value))
    settings.JOBS_MAX_ATTEMPTS = 3
    workers = Workers(tmp_path, **BROKER_TEST_JOBS_ENV)
    with celery_sending_to(workers.broker_url, workers.queue):
        try:
            yield workers
        finally:
            workers.stop_all()
            delete_queue(workers.queue)


@pytest.fixture
def novas(keystone, db):
    """Two pods with a fake Nova each: Pod1 in az1 (its own AZ name `nova`) and Pod2 in az2
    (maximum microversion 2.90)."""
    from pods.models import Pod
    from tests.fake_nova import FakeNova

    Pod.objects.create(region_name="Pod1", az_name="az1", pod_az_name="nova")
    Pod.objects.create(region_name="Pod2", az_name="az2")
    return {
        "Pod1": FakeNova(keystone.mocker, keystone.add_region("Pod1")),
        "Pod2": FakeNova(keystone.mocker, keystone.add_region("Pod2"), max_version="2.90"),
    }


@pytest.fixture
def cinders(keystone, db):
    """Two pods with a fake Cinder each: Pod1 in az1 (its own AZ name `nova`) and Pod2 in az2
    (maximum microversion 3.60, zone name `zone2`)."""
    from gateway import microversions
    from pods.models import Pod
    from tests.fake_cinder import FakeCinder

    microversions._ranges.clear()
    Pod.objects.create(region_name="Pod1", az_name="az1", pod_az_name="nova")
    Pod.objects.create(region_name="Pod2", az_name="az2")
    return {
        "Pod1": FakeCinder(keystone.mocker, keystone.add_region("Pod1")),
        "Pod2": FakeCinder(
            keystone.mocker, keystone.add_region("Pod2"), max_version="3.60", zone="zone2"
        ),
    }


@pytest.fixture
def nova_and_cinder_pods(settings, keystone, db):
    """Pod1 and Pod2 with a fake Nova and a fake Cinder each, and a central Neutron."""
    from gateway import microversions
    from pods.models import Pod
    from tests.fake_cinder import FakeCinder
    from tests.fake_nova import FakeNova

    microversions._ranges.clear()
    settings.CENTRAL_NEUTRON_URL = "http://central-neutron.test:9696"
    for name, zone in (("Pod1", "az1"), ("Pod2", "az2")):
        Pod.objects.create(region_name=name, az_name=zone)
        base = keystone.add_region(name)
        FakeNova(keystone.mocker, base)
        FakeCinder(keystone.mocker, base)
    return keystone.mocker


@pytest.fixture
def audit_cloud(settings, keystone, db):
    """A central Neutron and two pods whose APIs list page by page (tests/audit_support.py)."""
    from tests.audit_support import make_cloud

    return make_cloud(settings, keystone)


# The central Neutron of tests of the Network API's proxy: its answers mocked test by test.
NEUTRON_API = "http://central-neutron.test:9696"


@pytest.fixture
def neutron(settings, keystone):
    """The requests_mock of a central Neutron at NEUTRON_API."""
    settings.CENTRAL_NEUTRON_URL = NEUTRON_API
    return keystone.mocker


# The central Neutron of tests that make bottom copies (with the `neutrons` fixture).
CENTRAL_NEUTRON = "http://central.test"


@pytest.fixture
def neutrons(settings, keystone) -> tuple[FakeNeutron, FakeNeutron]:
    """A fake central Neutron and Pod1's (az1), for tests of bottom copies."""
    settings.CENTRAL_NEUTRON_URL = CENTRAL_NEUTRON
    top = FakeNeutron(keystone.mocker, CENTRAL_NEUTRON)
    pod = FakeNeutron(keystone.mocker, keystone.add_region("Pod1") + "/networking")
    PodFactory(region_name="Pod1", az_name="az1")
    return top, pod
