"""Working on several pods at once: one bounded thread pool (settings.FANOUT_WORKERS) shared by
every fan-out, and a second one for the fan-outs of calls already in the first (a job's
per-pod work, itself parallel inside a pod). Each call runs in a copy of the caller's context
(its request id and timing go with it to the pods) and closes the database connections its
thread opened.

Two ways to wait: `gather` asks every pod with a deadline and reports a pod that fails or misses
it, never raising (lists, like Nova cells v2's scatter-gather); `run_all` waits for every call
and raises the first failure once all are done (jobs, whose every part must be done). And one
way not to wait: `in_background`."""

from __future__ import annotations

import concurrent.futures
import contextvars
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection, connections

from pods.models import Pod

LOG = logging.getLogger(__name__)
T = TypeVar("T")
Item = TypeVar("Item")

_in_pool = threading.local()
# A call in the first pool fans out into the second; a call in the second runs its own
# fan-outs one after the other, so no thread waits without a deadline on its own pool (which
# could starve it; `gather` has a deadline).
_POOLS = 2


@dataclass
class Gathered(Generic[T]):
    results: dict[Pod, T] = field(default_factory=dict)
    failures: dict[Pod, str] = field(default_factory=dict)
    # the exception behind each failure (none for a missed deadline)
    errors: dict[Pod, Exception] = field(default_factory=dict)


@cache
def _pool(workers: int, depth: int) -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix=f"fanout{depth}")


def _depth() -> int:
    """0 outside the pools, else 1 + the index of the pool running this thread."""
    return getattr(_in_pool, "depth", 0)


def _in_thread(depth: int, call: Callable[[], T]) -> T:
    _in_pool.depth = depth
    try:
        return call()
    finally:
        # A pool thread must not keep a database connection of its own open.
        connections.close_all()


def _submit(call: Callable[[], T], depth: int = 0) -> concurrent.futures.Future[T]:
    pool = _pool(settings.FANOUT_WORKERS, depth)
    return pool.submit(contextvars.copy_context().run, _in_thread, depth + 1, call)


def gather(pods: list[Pod], call: Callable[[Pod], T], timeout: float | None = None) -> Gathered[T]:
    """Every pod's answer to `call`, within `timeout` (settings.LIST_TIMEOUT) seconds."""
    timeout = settings.LIST_TIMEOUT if timeout is None else timeout
    gathered: Gathered[T] = Gathered()
    if not pods:
        return gathered
    depth = min(_depth(), _POOLS - 1)
    futures = {_submit(_bind(call, pod), depth): pod for pod in pods}
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


def in_background(call: Callable[[], object]) -> None:
    """`call` in the pool, not waited for: work whose result only later callers use (a cache
    refreshed). A failure is logged."""
    _submit(call).add_done_callback(_log_failure)


def _log_failure(future: concurrent.futures.Future[object]) -> None:
    error = future.exception()
    if error is not None:
        LOG.warning("A call in the background failed: %s", error, exc_info=error)


def _bind(call: Callable[[Item], T], item: Item) -> Callable[[], T]:
    return lambda: call(item)


def each(items: Iterable[Item], call: Callable[[Item], T]) -> list[T]:
    """`call` on every item at once (see `run_all`); the results in the items' order."""
    return run_all([_bind(call, item) for item in items])


def run_all(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the calls at once and wait for all of them; the results in their order. When some
    fail, the others still run to their end, then the first failure is raised (the rest are
    logged).

    The calls run one after the other in the caller's thread when there is only one, when the
    caller is a thread of the last pool, and when the caller is inside a database
    transaction: other threads use connections of their own, which would not see the rows it
    has not committed."""
    depth = _depth()
    if len(calls) <= 1 or depth >= _POOLS or connection.in_atomic_block:
        futures = [_run_here(call) for call in calls]
    else:
        futures = [_submit(call, depth) for call in calls]
        concurrent.futures.wait(futures)
    failures = [exc for exc in (future.exception() for future in futures) if exc is not None]
    for extra in failures[1:]:
        LOG.warning("Another failure of the same fan-out: %s", extra, exc_info=extra)
    if failures:
        raise failures[0]
    return [future.result() for future in futures]


def _run_here(call: Callable[[], T]) -> concurrent.futures.Future[T]:
    future: concurrent.futures.Future[T] = concurrent.futures.Future()
    try:
        future.set_result(call())
    except Exception as exc:
        future.set_exception(exc)
    return future
