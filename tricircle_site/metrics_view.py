"""/metrics: the counters every process records (tricircle_site.metrics, prometheus_client's
multiprocess mode) and the figures that live in the database (jobs, pod health), read when
scraped so they agree with the admin API whatever process answers. Top floor: it reads the
apps."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from jobs.models import Job, JobStatus
from pods import services as pod_services
from pods.models import HealthStatus
from tricircle_site.auth import IsCloudAdmin


class DatabaseCollector:
    """Jobs and pod health as the database has them at scrape time."""

    def collect(self) -> Iterator[Metric]:
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
        for pod in pod_services.bottom_pods(enabled_only=False):
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
