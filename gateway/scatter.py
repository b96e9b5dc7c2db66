"""Asking every pod at once: a bounded thread pool and a deadline per call, like Nova cells v2's
scatter-gather. A pod that fails or misses the deadline is reported, never raised."""

from __future__ import annotations

import concurrent.futures
import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connections

from pods.models import Pod

T = TypeVar("T")


@dataclass
class Gathered(Generic[T]):
    results: dict[Pod, T] = field(default_factory=dict)
    failures: dict[Pod, str] = field(default_factory=dict)
    # the exception behind each failure (none for a missed deadline)
    errors: dict[Pod, Exception] = field(default_factory=dict)


@cache
def _pool(workers: int) -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="scatter")


def _in_thread(call: Callable[[Pod], T], pod: Pod) -> T:
    try:
        return call(pod)
    finally:
        # A pool thread must not keep a database connection of its own open.
        connections.close_all()


def gather(pods: list[Pod], call: Callable[[Pod], T], timeout: float | None = None) -> Gathered[T]:
    timeout = settings.LIST_TIMEOUT if timeout is None else timeout
    gathered: Gathered[T] = Gathered()
    if not pods:
        return gathered
    pool = _pool(settings.FANOUT_WORKERS)
    # Each call runs in the caller's context (its request id goes to the pods).
    futures = {
        pool.submit(contextvars.copy_context().run, _in_thread, call, pod): pod for pod in pods
    }
    done, pending = concurrent.futures.wait(futures, timeout=timeout)
    for future in pending:
        future.cancel()
        gathered.failures[futures[future]] = f"no answer within {timeout:g} s"
    for future in done:
        pod = futures[future]
        try:
            gathered.results[pod] = future.result()
        except Exception as exc:
            gathered.failures[pod] = str(exc) or type(exc).__name__
            gathered.errors[pod] = exc
    return gathered
