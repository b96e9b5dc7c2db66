"""The microversion range the gateway advertises is read from the pods' version documents and
kept: while a pod does not answer, the range of the others is kept for a short while instead of
every request asking every pod again (and waiting on the one that is down); once the pod is
back, it counts again."""

import pytest
import requests

from gateway import microversions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()
    yield
    microversions._ranges.clear()


def version_reads(keystone, nova) -> int:
    return sum(1 for call in keystone.mocker.request_history if call.url.rstrip("/") == nova.base)


def expire_cached_ranges() -> None:
    for key, (_, found) in microversions._ranges.items():
        microversions._ranges[key] = (0.0, found)


def test_a_pod_that_does_not_answer_is_not_asked_on_every_request(demo, novas, keystone):
    keystone.mocker.get(novas["Pod2"].base, exc=requests.exceptions.ConnectionError)
    for _ in range(3):
        assert demo.get("/compute/v2.1/servers").status_code == 200
    assert version_reads(keystone, novas["Pod2"]) == 1
    assert version_reads(keystone, novas["Pod1"]) == 1


def test_the_pod_counts_again_once_back(demo, novas, keystone):
    keystone.mocker.get(novas["Pod2"].base, exc=requests.exceptions.ConnectionError)
    demo.get("/compute/v2.1/servers")
    answered = {"version": {"id": "v2.1", "version": "2.60", "min_version": "2.1"}}
    keystone.mocker.get(novas["Pod2"].base, json=answered)
    expire_cached_ranges()  # the short while has passed

    response = demo.get("/compute/v2.1/servers", HTTP_OPENSTACK_API_VERSION="compute latest")

    assert response["OpenStack-API-Version"] == "compute 2.60"  # Pod2's lower maximum
    assert version_reads(keystone, novas["Pod2"]) == 2
    # Every pod answered: kept the long time.
    (expires, _), *_ = microversions._ranges.values()
    assert expires - microversions.time.monotonic() > microversions.PARTIAL_CACHE_SECONDS


def test_a_complete_range_is_read_once(demo, novas, keystone):
    for _ in range(3):
        demo.get("/compute/v2.1/servers")
    assert version_reads(keystone, novas["Pod1"]) == 1
    assert version_reads(keystone, novas["Pod2"]) == 1
