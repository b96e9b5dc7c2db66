"""The lab tests' `openstack` commands, forked from one warmed-up OpenStackClient process
(tests/lab/cli_runner.py), answer exactly as the binary does: same output, same exit status,
same error text, and nothing carried from one command (user, region, client) to the next."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from tests.lab.cli import OpenStackCLI


@pytest.fixture(scope="module")
def forked(lab: dict[str, Any]) -> Any:
    cli = OpenStackCLI(lab)
    assert not cli.per_command
    yield cli
    cli.close()


def binary(lab: dict[str, Any], *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = lab["clouds_yaml"]
    return subprocess.run(
        [lab["openstack_cli"], *argv], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("--os-cloud", "lab-admin", "--os-region-name", "Pod1", "region", "list", "-f", "json"),
        ("--os-cloud", "lab-demo", "token", "issue", "-f", "json", "-c", "project_id"),
        ("--os-cloud", "lab-demo", "volume", "type", "create", "never-made"),
        ("--os-cloud", "lab-admin", "server", "show", "no-such-server"),
    ],
)
def test_a_forked_command_answers_as_the_binary(
    lab: dict[str, Any], forked: OpenStackCLI, argv: tuple[str, ...]
) -> None:
    cloud, *rest = argv[1:]
    region = None
    if rest[:1] == ["--os-region-name"]:
        region, rest = rest[1], rest[2:]
    through_fork = forked.run(cloud, *rest, region=region)
    through_binary = binary(lab, *argv)
    assert through_fork.returncode == through_binary.returncode
    assert through_fork.stdout == through_binary.stdout
    # Error texts carry request ids, which differ: compare what precedes them.
    assert (
        through_fork.stderr.split("(Request-ID")[0] == through_binary.stderr.split("(Request-ID")[0]
    )


def test_nothing_is_carried_from_one_command_to_the_next(
    lab: dict[str, Any], forked: OpenStackCLI
) -> None:
    projects = [
        json.loads(forked.run(cloud, "token", "issue", "-f", "json").stdout)["project_id"]
        for cloud in ("lab-demo", "lab-admin", "lab-demo")
    ]
    assert projects[0] == projects[2] != projects[1]
    # A member's refused change, then an admin's change of the same kind in a pod.
    assert forked.run("lab-demo", "volume", "type", "create", "never-made").returncode != 0
    listed = forked.run("lab-admin", "volume", "type", "list", "-f", "json", region="Pod1")
    assert listed.returncode == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout), list)
