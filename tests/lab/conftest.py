"""Fixtures for the tests that run against the real OpenStack lab (tests/lab/lab.py).

Every test in this folder gets the `lab` marker, so `pytest -m "not lab"` leaves them out and
`pytest -m lab` runs only them. The lab is brought up once per session (a no-op when it already
runs) and left running afterwards: bringing it up costs minutes, reusing it a second.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.lab.lab import lab_paths

LAB_TESTS = Path(__file__).resolve().parent
LAB_TOOL = LAB_TESTS / "lab.py"
REPO_ROOT = LAB_TESTS.parent.parent
UP_TIMEOUT = 1800  # seconds; a first run installs OpenStack into the cache first
LAB_TEST_PODS = 2  # one per zone, as the lab tests expect


def lab_dir() -> Path:
    return lab_paths().root


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if LAB_TESTS in item.path.resolve().parents:
            item.add_marker(pytest.mark.lab)


@pytest.fixture(scope="session")
def lab() -> dict[str, Any]:
    """Runs `lab.py up` and returns its lab.json (URLs, regions, users, image, CLI path). At
    the lab's two pods, one per zone, which the lab tests are written for: a lab grown for a
    benchmark (`--pods 5`) is shrunk back (at 5 pods, the concurrency tests that look for the
    copies in every pod failed: three pods of a zone, one holding the boots)."""
    log = lab_dir() / "logs" / "pytest-lab-up.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        result = subprocess.run(
            [sys.executable, str(LAB_TOOL), "up", "--pods", str(LAB_TEST_PODS)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=UP_TIMEOUT,
            check=False,
        )
    if result.returncode != 0:
        output = log.read_text(errors="replace").splitlines()
        pytest.fail(
            f"`lab.py up` failed (exit {result.returncode}); output in {log}:\n"
            + "\n".join(output[-40:]),
            pytrace=False,
        )
    return json.loads((lab_dir() / "lab.json").read_text())


# Tricircle itself in front of the lab, the CLI and direct (reference) Neutron clients.
from tests.lab.tricircle_fixtures import (  # noqa: E402
    admin,
    alt,
    central_neutron,
    demo,
    openstack,
    pod_neutrons,
    tricircle,
)

__all__ = [
    "admin",
    "alt",
    "central_neutron",
    "demo",
    "lab",
    "openstack",
    "pod_neutrons",
    "tricircle",
]
