"""The Block Storage API's declared routes: an unknown path is a 404 and a known path asked with
another method a 405 naming what it takes, both in Cinder's fault format and before any pod is
called, with or without the caller's project id in the path; a family Tricircle passes on as
it came still reaches the first pod."""

import pytest

from tests.conftest import DEMO_PROJECT

pytestmark = pytest.mark.django_db

PREFIXES = ["/volume/v3", f"/volume/v3/{DEMO_PROJECT}"]


def pod_calls(keystone) -> list[str]:
    """The calls that reached a pod's Cinder (not Keystone, not a version document)."""
    return [
        f"{call.method} {call.url}"
        for call in keystone.mocker.request_history
        if "/volume/v3/" in call.url
    ]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    "path", ["/nothing", "/volumes/a/b/c", "/os-services/frobnicate", "/types/t/extra_specs/k/x"]
)
def test_an_unknown_path_is_a_404_in_cinders_format(demo, cinders, keystone, prefix, path):
    response = demo.get(prefix + path)
    assert response.status_code == 404
    assert response.json() == {
        "itemNotFound": {"code": 404, "message": "The resource could not be found."}
    }
    assert pod_calls(keystone) == []


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("delete", "/volumes/detail", "GET"),
        ("patch", "/volumes/some-volume", "DELETE, GET, PUT"),
        ("put", "/volumes", "GET, POST"),
        ("get", "/volumes/some-volume/action", "POST"),
        ("post", "/os-services", "GET"),
        ("delete", "/group_types/some-type/group_specs", "GET, POST"),
    ],
)
def test_another_method_on_a_known_path_is_a_405_naming_those_it_takes(
    demo, cinders, keystone, prefix, method, path, allow
):
    response = getattr(demo, method)(prefix + path, {}, format="json")
    assert response.status_code == 405
    assert response["Allow"] == allow
    fault = response.json()["badMethod"]
    assert fault["code"] == 405
    assert "not allowed" in fault["message"]
    assert pod_calls(keystone) == []


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/os-services"),
        ("get", "/extensions"),
        ("put", "/os-services/disable"),
        ("post", "/volume-transfers/t/accept"),
        ("get", "/scheduler-stats/get_pools"),
        ("delete", "/messages/m"),
    ],
)
def test_a_family_passed_on_reaches_the_first_pod_as_it_came(
    demo, cinders, keystone, prefix, method, path
):
    answered = getattr(keystone.mocker, method)(
        f"{cinders['Pod1'].base}{path}", json={"answered": "by Pod1"}, status_code=200
    )
    response = getattr(demo, method)(f"{prefix}{path}?host=h1", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"answered": "by Pod1"}
    assert answered.call_count == 1
    assert answered.last_request.qs == {"host": ["h1"]}
    assert answered.last_request.headers["X-Auth-Token"] == "user-token"
