"""Tricircle's /metrics after real calls to the lab's pods: calls measured per pod and service,
a stopped pod's API showing as failed calls, a list without it and the pod down, refused
creates by reason, and the jobs as the admin API lists them."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.lab.faults import stopped
from tests.lab.http_client import Client
from tests.lab.tricircle_server import TricircleServer

# Pod2's Nova is stopped for a while: no other lab test may run meanwhile.
pytestmark = pytest.mark.lab_exclusive

Samples = dict[tuple[str, frozenset], float]


def scrape(admin: Client) -> Samples:
    response = admin.request("GET", "/metrics")
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def grown(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_real_calls_and_a_stopped_pod_show_in_the_metrics(
    lab: dict[str, Any], tricircle: TricircleServer, demo: Client, admin: Client
) -> None:
    calls = "tricircle_pod_request_seconds_count"
    before = scrape(admin)
    assert demo.request("GET", "/compute/v2.1/servers/detail").status_code == 200
    unknown_zone = {"server": {"name": "metrics", "flavorRef": "1", "availability_zone": "az9"}}
    assert demo.request("POST", "/compute/v2.1/servers", unknown_zone).status_code == 400
    after = scrape(admin)
    for pod in lab["pods"]:
        name = pod["region_name"]
        assert grown(before, after, calls, pod=name, service="compute", status_class="2xx") >= 1
    assert grown(before, after, "tricircle_create_refusals_total", reason="zone") == 1

    with stopped("pod2-nova-api"):
        response = demo.request("GET", "/compute/v2.1/servers/detail")
        assert response.headers.get("X-Tricircle-Unavailable-Pods") == "Pod2"
        tricircle.manage("list_pods")  # the operator's health check marks Pod2 down
        down = scrape(admin)
    assert grown(after, down, "tricircle_partial_lists_total", pod="Pod2") == 1
    assert grown(after, down, "tricircle_partial_lists_total", pod="Pod1") == 0
    assert grown(after, down, calls, pod="Pod2", service="compute", status_class="error") >= 1
    assert down[("tricircle_pod_up", frozenset({"pod": "Pod2", "az": "az2"}.items()))] == 0
    assert down[("tricircle_pod_up", frozenset({"pod": "Pod1", "az": "az1"}.items()))] == 1
    tricircle.manage("list_pods")  # Pod2 is back: checked up again before the next tests
    back = scrape(admin)
    assert back[("tricircle_pod_up", frozenset({"pod": "Pod2", "az": "az2"}.items()))] == 1

    jobs = admin.ok("GET", "/v1.0/jobs?limit=1000")["jobs"]
    samples = scrape(admin)
    counted = sum(value for (name, _), value in samples.items() if name == "tricircle_jobs")
    assert counted == len(jobs)
