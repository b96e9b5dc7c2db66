"""The real `openstack` CLI (from the lab's virtualenv) as the lab tests run it."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).with_name("cli_runner.py")
TIMEOUT = 180.0


class CommandRunner:
    """One process of the lab's virtualenv that forks a process per `openstack` command, one
    command at a time (tests/lab/cli_runner.py)."""

    def __init__(self, python: str, env: dict[str, str]):
        self.process = subprocess.Popen(
            [python, str(RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            start_new_session=True,  # its command processes are closed with it
        )

    def run(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(argv) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.close()
            raise subprocess.TimeoutExpired(["openstack", *argv], timeout)
        reply = json.loads(line)
        return subprocess.CompletedProcess(
            ["openstack", *argv], reply["returncode"], reply["stdout"], reply["stderr"]
        )

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class OpenStackCLI:
    """`openstack` commands as a user types them. They run in long-lived processes of the lab's
    virtualenv (one per command running at the same time), each command through the function
    the binary calls; TRICIRCLE_LAB_CLI=binary runs the binary for every command instead."""

    def __init__(self, lab: dict):
        self.binary = lab["openstack_cli"]
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
            "OS_CLIENT_CONFIG_FILE": lab["clouds_yaml"],
        }
        self.per_command = os.environ.get("TRICIRCLE_LAB_CLI") == "binary"
        self._idle: list[CommandRunner] = []
        self._lock = threading.Lock()

    def run(self, cloud: str, *args: str, region: str | None = None) -> subprocess.CompletedProcess:
        argv = ["--os-cloud", cloud]
        if region:
            argv += ["--os-region-name", region]
        argv += args
        if self.per_command:
            return subprocess.run(
                [self.binary, *argv], env=self.env, capture_output=True, text=True, timeout=TIMEOUT
            )
        with self._lock:
            runner = self._idle.pop() if self._idle else None
        if runner is None:
            runner = CommandRunner(str(Path(self.binary).with_name("python")), self.env)
        result = runner.run(argv, TIMEOUT)  # a runner that timed out is closed, not reused
        with self._lock:
            self._idle.append(runner)
        return result

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for runner in idle:
            runner.close()

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
