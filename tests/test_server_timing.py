"""Every answer says where its time went (Server-Timing): waiting on pods, counted once for
calls made in parallel, and Tricircle's own work; per pod when several were asked."""

from __future__ import annotations

import re

import pytest

from pods.models import Pod
from tests.conftest import DEMO_PROJECT
from tests.factories import RoutingFactory
from tricircle_site.timing import RequestTiming

pytestmark = pytest.mark.django_db

ENTRY = re.compile(r"^([\w-]+);dur=(\d+\.\d)$")


def entries(header: str) -> dict[str, float]:
    parsed = {}
    for item in header.split(", "):
        match = ENTRY.match(item)
        assert match, item
        parsed[match.group(1)] = float(match.group(2))
    return parsed


def test_parallel_calls_count_once_and_each_pod_is_named():
    timing = RequestTiming(started=0.0)
    timing.add("Pod1", 0.010, 0.050)  # 40 ms
    timing.add("Pod2", 0.020, 0.070)  # 50 ms, overlapping: waiting ends at 70 ms
    timing.add("Pod1", 0.080, 0.090)  # 10 ms more
    assert entries(timing.header(ended=0.100)) == {
        "pod": 70.0,
        "tricircle": 30.0,
        "pod-Pod1": 50.0,
        "pod-Pod2": 50.0,
    }


def test_a_request_without_pod_calls_is_all_tricircles():
    assert entries(RequestTiming(started=0.0).header(ended=0.0123)) == {
        "pod": 0.0,
        "tricircle": 12.3,
    }


def test_a_show_and_a_list_answer_with_their_pods_time(demo, novas):
    novas["Pod1"].add("a", "one", "2026-01-01T00:00:01Z")
    RoutingFactory(top_id="a", pod=Pod.objects.get(region_name="Pod1"), project_id=DEMO_PROJECT)
    listed = entries(demo.get("/compute/v2.1/servers/detail")["Server-Timing"])
    assert {"pod", "tricircle", "pod-Pod1", "pod-Pod2"} <= set(listed)
    assert listed["pod"] > 0
    shown = entries(demo.get("/compute/v2.1/servers/a")["Server-Timing"])
    assert set(shown) == {"pod", "tricircle"} and shown["pod"] > 0


def test_the_admin_api_and_refusals_have_it_too(admin, demo):
    assert entries(admin.get("/v1.0/pods")["Server-Timing"])["pod"] == 0.0
    refused = demo.get("/compute/v2.1/../v1.0/pods")
    assert refused.status_code == 404
    assert "tricircle" in entries(refused["Server-Timing"])
