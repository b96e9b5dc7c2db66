"""Runs `openstack` commands for the lab tests from one long-lived process of the lab's
virtualenv (started by tests/lab/cli.py; this file imports nothing from the repository).

Starting the `openstack` binary costs about 2 s of CPU before it sends a request (imports,
entry-point scans), most of the lab tier's client time. This process pays that once: it
imports OpenStackClient and its command modules, then forks a child per command. The child
runs `openstackclient.shell.main`, the function the binary calls, in a fresh copy of that
state, so a command sees nothing of the ones before it (OpenStackClient keeps clients and
settings at module level, as a one-command program may).

Protocol: one JSON array of arguments per line on stdin; one JSON object per line on stdout
(returncode, stdout, stderr)."""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import io
import json
import os
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout

from cliff import command
from openstackclient import shell


def warm_up() -> None:
    """What every command would load again: its command modules and cliff's map of modules
    to distributions (read from every installed package's metadata)."""
    modules = {
        entry_point.module
        for distribution in importlib.metadata.distributions()
        for entry_point in distribution.entry_points
        if entry_point.group.startswith("openstack.")
    }
    for module in sorted(modules):
        # A plugin that fails to import fails its own commands only, as in the binary.
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    command._get_distributions_by_modules()


def in_child(argv: list[str]) -> dict:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = shell.main(argv)
        except SystemExit as exc:  # argparse's --help and usage errors
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except Exception:  # the binary would die with a traceback
            traceback.print_exc()
            code = 1
    return {"returncode": code or 0, "stdout": out.getvalue(), "stderr": err.getvalue()}


def run(argv: list[str]) -> dict:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(reader)
            # The requests and replies are this process's stdin and stdout: the command gets
            # neither (sys.stdout and sys.stderr are captured in in_child).
            nothing = os.open(os.devnull, os.O_RDWR)
            os.dup2(nothing, 0)
            os.dup2(nothing, 1)
            sys.stdin = open(os.devnull)  # noqa: SIM115 (the process ends with the command)
            reply = json.dumps(in_child(argv))
            with os.fdopen(writer, "w") as channel:
                channel.write(reply)
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as channel:
        answer = channel.read()
    _, status = os.waitpid(pid, 0)
    if not answer:
        return {"returncode": 1, "stdout": "", "stderr": f"command process ended ({status})"}
    return json.loads(answer)


def main() -> None:
    warm_up()
    replies = sys.stdout
    for line in sys.stdin:
        replies.write(json.dumps(run(json.loads(line))) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
