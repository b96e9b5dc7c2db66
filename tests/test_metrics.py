"""/metrics: Prometheus figures of the calls to the pods, partial lists, refused creates, jobs
and pod health, in Prometheus' text format, for admins and for scrapers from allowed networks."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from gateway.models import ProjectQuota
from jobs.models import Job, JobStatus
from pods.models import HealthStatus, Pod
from tests.conftest import DEMO_PROJECT

pytestmark = pytest.mark.django_db


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    """A sample's value; 0 when it was never recorded (other tests share the processes' files)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_pod_calls_are_measured_by_pod_service_and_status_class(admin, demo, novas, keystone):
    before = scrape(admin)
    keystone.mocker.get(f"{novas['Pod2'].base}/servers/detail", status_code=500, json={})
    response = demo.get("/compute/v2.1/servers/detail")
    assert response["X-Tricircle-Unavailable-Pods"] == "Pod2"
    after = scrape(admin)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    calls = "tricircle_pod_request_seconds_count"
    assert grew(calls, pod="Pod1", service="compute", status_class="2xx") >= 1
    assert grew(calls, pod="Pod2", service="compute", status_class="5xx") == 1
    assert (
        grew(
            "tricircle_pod_request_seconds_bucket",
            pod="Pod1",
            service="compute",
            status_class="2xx",
            le="+Inf",
        )
        >= 1
    )
    assert grew("tricircle_partial_lists_total", pod="Pod2") == 1
    assert grew("tricircle_partial_lists_total", pod="Pod1") == 0


def test_refused_creates_are_counted_by_reason(admin, demo, cinders, keystone):
    before = scrape(admin)
    unknown_zone = {"volume": {"size": 1, "availability_zone": "az9"}}
    assert demo.post("/volume/v3/volumes", unknown_zone, format="json").status_code == 400

    ProjectQuota.objects.create(
        project_id=DEMO_PROJECT, service="volume", resource="volumes", hard_limit=0
    )
    over_quota = {"volume": {"size": 1, "availability_zone": "az1"}}
    assert demo.post("/volume/v3/volumes", over_quota, format="json").status_code == 413
    ProjectQuota.objects.all().delete()

    Pod.objects.filter(az_name="az2").update(health_status=HealthStatus.DOWN)
    pod_down = {"volume": {"size": 1, "availability_zone": "az2"}}
    assert demo.post("/volume/v3/volumes", pod_down, format="json").status_code == 503
    after = scrape(admin)
    for reason in ("zone", "quota", "pod_down"):
        grown = value(after, "tricircle_create_refusals_total", reason=reason) - value(
            before, "tricircle_create_refusals_total", reason=reason
        )
        assert grown == 1, reason


def test_jobs_and_pod_health_as_the_database_has_them(admin, novas):
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    waiting = Job.objects.create(type="router_setup", project_id="p", resource_key="r1")
    Job.objects.filter(pk=waiting.pk).update(created_at=an_hour_ago)
    Job.objects.create(type="router_setup", project_id="p", resource_key="r2")
    Job.objects.create(
        type="port_cleanup", project_id="p", resource_key="p1", status=JobStatus.FAIL, attempts=3
    )
    Pod.objects.filter(region_name="Pod2").update(
        health_status=HealthStatus.DOWN, last_checked_at=an_hour_ago
    )
    Pod.objects.filter(region_name="Pod1").update(health_status=HealthStatus.UP)

    samples = scrape(admin)
    assert value(samples, "tricircle_jobs", type="router_setup", status="NEW") == 2
    assert value(samples, "tricircle_jobs", type="port_cleanup", status="FAIL") == 1
    assert value(samples, "tricircle_job_retries", type="port_cleanup") == 2
    assert 3600 <= value(samples, "tricircle_job_oldest_new_age_seconds") < 3700
    assert value(samples, "tricircle_pod_up", pod="Pod1", az="az1") == 1
    assert value(samples, "tricircle_pod_up", pod="Pod2", az="az2") == 0
    assert value(
        samples, "tricircle_pod_last_check_timestamp_seconds", pod="Pod2"
    ) == pytest.approx(an_hour_ago.timestamp())


def test_members_and_strangers_are_refused(demo, anonymous):
    assert demo.get("/metrics").status_code == 403
    assert anonymous.get("/metrics").status_code in {401, 403}


def test_a_scraper_from_an_allowed_network_needs_no_token(anonymous, settings):
    settings.METRICS_NETWORKS = ["127.0.0.0/8"]
    assert anonymous.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert anonymous.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code in {401, 403}
