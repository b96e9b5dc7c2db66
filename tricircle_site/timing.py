"""Where a request's time went: waiting on pods, or Tricircle's own work. Every pod call made for
the request (in the request's thread or in the fan-out threads, which run in a copy of its
context) is recorded here; the answer then carries

    Server-Timing: pod;dur=<ms waiting on any pod>, tricircle;dur=<ms of the rest>
                   [, pod-<region>;dur=<ms of that pod's calls>...]

The pods' time is the union of the calls' intervals, so calls made in parallel count once; the
per-pod entries, present when several pods were asked, sum each pod's calls. Benchmarks read
Tricircle's own cost from it, which a noisy machine does not hide."""

from __future__ import annotations

import re
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

# A region name becomes part of a Server-Timing metric name: a token, per RFC 9110.
NOT_TOKEN = re.compile(r"[^A-Za-z0-9!#$%&'*+.^_`|~-]")


@dataclass
class RequestTiming:
    started: float = field(default_factory=time.perf_counter)
    calls: list[tuple[str, float, float]] = field(default_factory=list)  # (pod, start, end)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, pod: str, start: float, end: float) -> None:
        with self.lock:
            self.calls.append((pod, start, end))

    def header(self, ended: float | None = None) -> str:
        ended = time.perf_counter() if ended is None else ended
        with self.lock:
            calls = sorted(self.calls, key=lambda call: call[1])
        waited = 0.0
        reach = float("-inf")
        for _, start, end in calls:  # the union of the intervals
            if end > reach:
                waited += end - max(start, reach)
                reach = end
        total = ended - self.started
        entries = [
            f"pod;dur={waited * 1000:.1f}",
            f"tricircle;dur={max(total - waited, 0.0) * 1000:.1f}",
        ]
        per_pod: dict[str, float] = {}
        for pod, start, end in calls:
            per_pod[pod] = per_pod.get(pod, 0.0) + end - start
        if len(per_pod) > 1:
            entries += [
                f"pod-{NOT_TOKEN.sub('_', pod)};dur={seconds * 1000:.1f}"
                for pod, seconds in sorted(per_pod.items())
            ]
        return ", ".join(entries)


current: ContextVar[RequestTiming | None] = ContextVar("request_timing", default=None)


def record_pod_call(pod: str, start: float, end: float) -> None:
    timing = current.get()
    if timing is not None:
        timing.add(pod, start, end)
