"""Prometheus counters and histograms, served at /metrics (tricircle_site.metrics_view).

Samples taken while serving (calls to the pods, partial lists, refused creates) are written by
every process, gunicorn workers and Celery alike, to files in TRICIRCLE_METRICS_DIR
(prometheus_client's multiprocess mode), so one scrape of any worker sees them all. A ground
module: the apps record here, and it imports none of them."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram

from tricircle_site import timing

# Pods answer in milliseconds to tens of seconds (a boot's port copies, a slow list).
POD_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

POD_REQUEST_SECONDS = Histogram(
    "tricircle_pod_request_seconds",
    "Calls from Tricircle to a pod's API (or the top region's Keystone and central Neutron), "
    "by pod, service and status class (error: no answer).",
    ["pod", "service", "status_class"],
    buckets=POD_REQUEST_BUCKETS,
)
PARTIAL_LISTS = Counter(
    "tricircle_partial_lists_total",
    "List answers that left a pod out because it did not answer, timed out or failed (5xx).",
    ["pod"],
)
CREATE_REFUSALS = Counter(
    "tricircle_create_refusals_total",
    "Creates Tricircle refused, by reason: quota, zone (unknown availability zone), pod_down.",
    ["reason"],
)


def status_class(status: int | None) -> str:
    return f"{status // 100}xx" if status else "error"


def observe_pod_request(pod: str, service: str, status: int | None, started: float) -> None:
    """A call to a pod that began at `started` (time.perf_counter()) has just ended: measured
    here, and in the Server-Timing of the request it was made for."""
    ended = time.perf_counter()
    POD_REQUEST_SECONDS.labels(pod, service, status_class(status)).observe(ended - started)
    timing.record_pod_call(pod, started, ended)
