"""Counts the SQL statements a worker process sends, for the jobs benchmark (bench/bench_jobs.py):
a module named in TRICIRCLE_JOBS_TYPE_MODULES of the benchmark's workers, so it is imported in
each worker process at start-up.

Every Django database connection of the process gets an execute wrapper that counts the
statements it sends (the claim, the finish, the lease, django-celery-results' writes: all of
them). After each task the process writes its count, as a decimal number, to the file
`queries-<pid>` in the folder named by TRICIRCLE_BENCH_QUERIES_DIR (one positioned write on a file
kept open: no measurable cost); the benchmark adds up the files after the run. Without that
variable nothing is counted."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from celery.signals import task_postrun
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

QUERIES_DIR = os.environ.get("TRICIRCLE_BENCH_QUERIES_DIR", "")
WIDTH = 20

_count = 0
_lock = threading.Lock()  # a threads pool counts from several threads
_files: dict[int, int] = {}  # pid -> file descriptor (a forked child opens its own)


def _counting(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    global _count
    with _lock:
        _count += 1
    return execute(sql, params, many, context)


def _wrap(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    # The wrapper object outlives its reconnects: add the counter once.
    if _counting not in connection.execute_wrappers:
        connection.execute_wrappers.append(_counting)


def _write(**kwargs: object) -> None:
    pid = os.getpid()
    fd = _files.get(pid)
    if fd is None:
        path = os.path.join(QUERIES_DIR, f"queries-{pid}")
        fd = _files[pid] = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    os.pwrite(fd, f"{_count:>{WIDTH}}".encode(), 0)


def read_total(directory: str) -> int:
    """The statements counted by every worker process that wrote into `directory`."""
    total = 0
    for name in os.listdir(directory):
        if name.startswith("queries-"):
            with open(os.path.join(directory, name)) as counted:
                text = counted.read().strip()
            total += int(text or 0)
    return total


if QUERIES_DIR:
    connection_created.connect(_wrap, weak=False)
    task_postrun.connect(_write, weak=False)
