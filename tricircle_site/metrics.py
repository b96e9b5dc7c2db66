"""Prometheus metrics, served at /metrics.

Samples taken while serving (calls to the pods, partial lists, refused creates) are written by
every process, gunicorn workers and Celery alike, to files in TRICIRCLE_METRICS_DIR
(prometheus_client's multiprocess mode), so one scrape of any worker sees them all. Figures
that live in the database (jobs, pod health) are read when scraped, so they agree with the
admin API whatever process answers."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from tricircle_site import timing
from tricircle_site.auth import IsCloudAdmin

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


class DatabaseCollector:
    """Jobs and pod health as the database has them at scrape time."""

    def collect(self) -> Iterator[Metric]:
        from jobs.models import Job, JobStatus
        from pods.models import HealthStatus
        from pods.services import bottom_pods

        jobs = GaugeMetricFamily(
            "tricircle_jobs", "Jobs on record, by type and status.", labels=["type", "status"]
        )
        for row in Job.objects.values("type", "status").annotate(count=Count("id")):
            jobs.add_metric([row["type"], row["status"]], row["count"])
        yield jobs

        oldest = Job.objects.filter(status=JobStatus.NEW).aggregate(at=Min("created_at"))["at"]
        yield GaugeMetricFamily(
            "tricircle_job_oldest_new_age_seconds",
            "Age of the oldest job not yet started (0: none waiting).",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
        )

        retries = GaugeMetricFamily(
            "tricircle_job_retries",
            "Attempts beyond the first made by the jobs on record, by type.",
            labels=["type"],
        )
        rows = (
            Job.objects.filter(attempts__gt=1)
            .values("type")
            .annotate(tries=Sum("attempts"), jobs=Count("id"))
        )
        for retried in rows:
            retries.add_metric([retried["type"]], retried["tries"] - retried["jobs"])
        yield retries

        up = GaugeMetricFamily(
            "tricircle_pod_up",
            "1 if the pod's last health check found its APIs answering, else 0.",
            labels=["pod", "az"],
        )
        checked = GaugeMetricFamily(
            "tricircle_pod_last_check_timestamp_seconds",
            "When the pod's health was last checked (Unix time).",
            labels=["pod"],
        )
        for pod in bottom_pods(enabled_only=False):
            up.add_metric([pod.region_name, pod.az_name], pod.health_status == HealthStatus.UP)
            if pod.last_checked_at:
                checked.add_metric([pod.region_name], pod.last_checked_at.timestamp())
        yield up
        yield checked


def allowed_without_token(request: HttpRequest) -> bool:
    """A scraper from TRICIRCLE_METRICS_NETWORKS (Prometheus holds no Keystone token)."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.METRICS_NETWORKS)


class ScraperOrCloudAdmin(permissions.BasePermission):
    message = "Metrics need the admin role, or a scraper from TRICIRCLE_METRICS_NETWORKS."

    def has_permission(self, request: Request, view: Any) -> bool:
        return allowed_without_token(request) or IsCloudAdmin().has_permission(request, view)


class MetricsView(APIView):
    permission_classes = [ScraperOrCloudAdmin]

    def get(self, request: Request) -> HttpResponse:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(settings.METRICS_DIR))
        registry.register(DatabaseCollector())
        return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
