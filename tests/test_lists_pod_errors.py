"""A list across pods: a pod's 4xx is the answer (the request's fault: a bad filter, sort key or
date), passed on as the pod wrote it; only no answer or a 5xx makes a pod unavailable."""

import pytest

from gateway import microversions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def refuse(mocker, base: str, path: str, status: int, body: dict) -> None:
    mocker.get(f"{base}{path}", status_code=status, json=body)


def test_the_pods_400_to_a_list_is_passed_on_not_a_down_pod(demo, novas, keystone):
    fault = {"badRequest": {"code": 400, "message": "Invalid sort_key bogus"}}
    for nova in novas.values():
        refuse(keystone.mocker, nova.base, "/servers/detail", 400, fault)
    response = demo.get("/compute/v2.1/servers/detail?sort_key=bogus")
    assert response.status_code == 400
    assert response.json() == fault
    assert "X-Tricircle-Unavailable-Pods" not in response


def test_different_refusals_give_the_first_pods(demo, novas, keystone):
    refuse(
        keystone.mocker,
        novas["Pod1"].base,
        "/servers/detail",
        400,
        {"badRequest": {"code": 400, "message": "one"}},
    )
    refuse(
        keystone.mocker,
        novas["Pod2"].base,
        "/servers/detail",
        403,
        {"forbidden": {"code": 403, "message": "two"}},
    )
    response = demo.get("/compute/v2.1/servers/detail?changes-since=notadate")
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == "one"


def test_a_pods_5xx_still_degrades_the_list(demo, novas, keystone):
    novas["Pod1"].add("a", "one", "2026-01-01T00:00:01Z")
    refuse(keystone.mocker, novas["Pod2"].base, "/servers/detail", 500, {"computeFault": {}})
    response = demo.get("/compute/v2.1/servers/detail")
    assert response.status_code == 200
    assert [server["id"] for server in response.json()["servers"]] == ["a"]
    assert response["X-Tricircle-Unavailable-Pods"] == "Pod2"


def test_a_volume_filter_a_pod_refuses_is_passed_on(demo, cinders, keystone):
    fault = {"badRequest": {"code": 400, "message": "Invalid filters name are found in query"}}
    for cinder in cinders.values():
        refuse(keystone.mocker, cinder.base, "/volumes/detail", 400, fault)
    response = demo.get("/volume/v3/volumes/detail?name=x")
    assert response.status_code == 400
    assert response.json() == fault


def test_an_unknown_marker_is_nova_s_400(demo, novas):
    response = demo.get("/compute/v2.1/servers/detail?marker=nope")
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == "marker [nope] not found"
