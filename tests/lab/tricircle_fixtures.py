"""Fixtures of the lab tests that need Tricircle itself (imported by tests/lab/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.cli import OpenStackCLI
from tests.lab.http_client import Client, direct
from tests.lab.tricircle_server import TricircleServer


@pytest.fixture(scope="session")
def tricircle(lab: dict[str, Any]) -> Iterator[TricircleServer]:
    """A real Tricircle (gunicorn + Celery worker) at the lab's gateway address, with the lab's
    pods onboarded by `manage.py onboard_pod`; one for all the workers of a pytest-xdist run."""
    server = TricircleServer(lab)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def demo(lab: dict[str, Any], tricircle: TricircleServer) -> Client:
    """Plain HTTP to Tricircle as the lab's demo user (a member of project demo)."""
    return Client(lab, "demo", tricircle.url)


@pytest.fixture(scope="session")
def alt(lab: dict[str, Any], tricircle: TricircleServer) -> Client:
    """... as alt_demo, a member of another project."""
    return Client(lab, "alt_demo", tricircle.url)


@pytest.fixture(scope="session")
def admin(lab: dict[str, Any], tricircle: TricircleServer) -> Client:
    """... as the cloud admin."""
    return Client(lab, "admin", tricircle.url)


@pytest.fixture(scope="session")
def openstack(lab: dict[str, Any], tricircle: TricircleServer) -> Iterator[OpenStackCLI]:
    cli = OpenStackCLI(lab)
    yield cli
    cli.close()


class DirectNeutron:
    """A Neutron called directly as the lab's admin, bypassing Tricircle (the reference)."""

    def __init__(self, lab: dict[str, Any], endpoint: str):
        self.api = direct(lab, "admin", endpoint + "/v2.0")

    def get(self, path: str, **params: Any) -> Any:
        return self.api.get(path, params=params or None).json()


@pytest.fixture(scope="session")
def central_neutron(lab: dict[str, Any]) -> DirectNeutron:
    return DirectNeutron(lab, lab["central_neutron_url"])


@pytest.fixture(scope="session")
def pod_neutrons(lab: dict[str, Any]) -> dict[str, DirectNeutron]:
    return {pod["region_name"]: DirectNeutron(lab, pod["neutron_url"]) for pod in lab["pods"]}
