"""The real `openstack` CLI (from the lab's virtualenv) as the lab tests run it."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any


class OpenStackCLI:
    def __init__(self, lab: dict):
        self.binary = lab["openstack_cli"]
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
            "OS_CLIENT_CONFIG_FILE": lab["clouds_yaml"],
        }

    def run(self, cloud: str, *args: str, region: str | None = None) -> subprocess.CompletedProcess:
        argv = [self.binary, "--os-cloud", cloud]
        if region:
            argv += ["--os-region-name", region]
        return subprocess.run(
            [*argv, *args], env=self.env, capture_output=True, text=True, timeout=180
        )

    def __call__(self, cloud: str, *args: str, region: str | None = None) -> Any:
        """Run a command that must succeed; its JSON output (-f json) parsed, or its text."""
        wants_json = args and args[0] not in {"--help"} and "-f" not in args
        full = [*args, "-f", "json"] if wants_json and _formats(args) else list(args)
        result = self.run(cloud, *full, region=region)
        if result.returncode != 0:
            raise AssertionError(
                f"openstack {' '.join(full)} failed ({result.returncode}):\n{result.stderr}"
            )
        out = result.stdout.strip()
        return json.loads(out) if out and "-f" in full else out

    def network_with_subnet(
        self, name: str, cidr: str, *network_options: str, cloud: str = "lab-demo"
    ) -> tuple[dict, dict]:
        """A top network and one subnet of the same name."""
        net = self(cloud, "network", "create", name, *network_options)
        subnet = self(
            cloud, "subnet", "create", name, "--network", net["id"], "--subnet-range", cidr
        )
        return net, subnet

    def boot(
        self, name: str, network_id: str, zone: str, *options: str, cloud: str = "lab-demo"
    ) -> dict:
        """A server of the lab's tiny flavor and image on the network, waited for (ACTIVE)."""
        return self(cloud, *boot_args(name, network_id, zone), *options, "--wait")


def boot_args(name: str, network_id: str, zone: str) -> tuple[str, ...]:
    """`server create` of the lab's tiny flavor and image on a network in a zone."""
    return (
        "server",
        "create",
        name,
        "--flavor",
        "m1.tiny",
        "--image",
        "lab-tiny",
        "--network",
        network_id,
        "--availability-zone",
        zone,
    )


def _formats(args: tuple[str, ...]) -> bool:
    """Commands that print a resource or a table take -f json; actions print nothing."""
    return any(verb in args for verb in ("create", "show", "list", "issue"))
