"""Processes read from /proc for the benchmarks: those of a process group or of a command name,
their CPU time and RSS (Linux only)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

TRICIRCLE_GUNICORN = "Tricircle gunicorn"  # the part of the machine serving the gateway

# A process as /proc gives it: its entry, and the fields of its stat after the command name.
Process = tuple[Path, list[str]]


def processes(keep: Callable[[str, list[str]], bool]) -> list[Process]:
    """The processes for which keep(command name, stat fields after it) is true."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # comm may hold spaces and parens: the fields after its last paren are fixed.
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
            command, fields = head.split("(", 1)[1], tail.split()
            if keep(command, fields):
                found.append((entry, fields))
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return found


def group_processes(pgid: int) -> list[Process]:
    """The processes of a process group (gunicorn's master and workers, ...)."""
    return processes(lambda _, fields: int(fields[2]) == pgid)


def named_processes(*commands: str) -> list[Process]:
    """The processes running one of these commands (postgres, beam.smp, ...)."""
    return processes(lambda command, _: command in commands)


def cpu_seconds(found: list[Process]) -> float:
    """User + system CPU seconds the processes had used when they were read."""
    ticks = sum(int(fields[11]) + int(fields[12]) for _, fields in found)
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mib(found: list[Process]) -> dict[int, float]:
    """RSS in MiB of each process."""
    sizes = {}
    for entry, _ in found:
        try:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[int(entry.name)] = int(line.split()[1]) / 1024
        except OSError:
            continue  # the process ended meanwhile
    return sizes


def cpu_seconds_by_label(label: Callable[[int, str], str]) -> dict[str, float]:
    """CPU seconds used so far by every process, summed by label(pid, command line)."""
    totals: dict[str, float] = {}
    for entry, fields in processes(lambda _, __: True):
        try:
            command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # the process ended meanwhile
        key = label(int(entry.name), command_line.strip())
        totals[key] = totals.get(key, 0.0) + cpu_seconds([(entry, fields)])
    return totals


def cpu_seconds_by_part() -> dict[str, float]:
    """CPU seconds used so far by each part of the machine (machine_part)."""
    return cpu_seconds_by_label(machine_part)


def cpu_seconds_since(before: dict[str, float]) -> dict[str, float]:
    """CPU seconds each part of the machine used since `before` (cpu_seconds_by_part)."""
    return {part: used - before.get(part, 0.0) for part, used in cpu_seconds_by_part().items()}


def machine_part(pid: int, command_line: str) -> str:
    """Which part of the lab machine a process is: a pod's API (its one uWSGI process), the
    rest of a pod's service (RPC workers, agents, Nova's and Cinder's daemons), Tricircle, the
    shared servers or this benchmark."""
    if pid == os.getpid():
        return "this benchmark"
    if "tricircle_site" in command_line:
        return "Tricircle celery" if "celery" in command_line else TRICIRCLE_GUNICORN
    if "-uWSGI" in command_line:
        return command_line.split("-uWSGI")[0]  # e.g. pod1-neutron-api, keystone
    config = re.search(r"/etc/([^/ ]+)/(?:([^/ ]+)/)?", command_line)  # etc/pod1/nova/, etc/glance/
    if config:
        return f"{config[1]}-{config[2]} daemons" if config[2] else f"{config[1]} daemons"
    for server, name in (
        ("mariadbd", "MariaDB"),
        ("beam.smp", "RabbitMQ"),
        ("postgres", "PostgreSQL"),
    ):
        if server in command_line:
            return name
    return "other"
