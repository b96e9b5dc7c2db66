"""Paths that climb out of the API they name (`..`, raw or percent-encoded once or twice) are a
404 in that API's format and never reach a pod; every URL sent to a pod is built from quoted
segments."""

import pytest

from pods.clients import SafePathAdapter
from tricircle_site.exceptions import BadRequest
from tricircle_site.paths import quote_path, safe_url

pytestmark = pytest.mark.django_db

CLIMBS = ["..", "..%2f..", "%2e%2e", "%2E%2e%2f", "%252e%252e", "%25252e%25252e", ".", "%2e"]


def pod_calls(mocker) -> list[str]:
    return [call.url for call in mocker.request_history if "keystone" not in call.url]


@pytest.mark.parametrize("climb", CLIMBS)
@pytest.mark.parametrize(
    ("template", "fault"),
    [
        ("/compute/v2.1/{climb}/v2.1/servers", "itemNotFound"),
        ("/compute/v2.1/servers/{climb}/{climb}/v1.0/pods", "itemNotFound"),
        ("/volume/v3/{climb}/v3/volumes", "itemNotFound"),
        ("/volume/v3/group_types/{climb}/group_specs/{climb}", "itemNotFound"),
        ("/networking/v2.0/{climb}/{climb}/v2.0/networks", "NeutronError"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_climbing_path_is_a_404_in_the_apis_format_and_reaches_no_pod(
    demo, nova_and_cinder_pods, climb, template, fault, method
):
    response = getattr(demo, method)(template.format(climb=climb), {}, format="json")
    assert response.status_code == 404
    assert fault in response.json()
    assert pod_calls(nova_and_cinder_pods) == []


@pytest.mark.parametrize("climb", CLIMBS)
def test_a_climbing_admin_path_is_a_404_with_a_code(admin, db, climb):
    response = admin.get(f"/v1.0/{climb}/v1.0/pods")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("/servers/abc", "/servers/abc"),
        ("/os-keypairs/my key", "/os-keypairs/my%20key"),
        ("/servers/a?b#c", "/servers/a%3Fb%23c"),
        ("/servers/50%", "/servers/50%25"),
        ("/flavors/1/os-extra_specs/hw:cpu_policy", "/flavors/1/os-extra_specs/hw:cpu_policy"),
    ],
)
def test_segments_are_quoted(path, quoted):
    assert quote_path(path) == quoted


@pytest.mark.parametrize("path", ["/servers/..", "/a/./b", "/servers/%2e%2e", "/x/%252E%252E"])
def test_a_dot_segment_is_refused_in_any_url_to_a_pod(path):
    with pytest.raises(BadRequest):
        safe_url("http://pod.test/compute/v2.1" + path)


def test_the_query_of_a_url_is_kept():
    assert safe_url("http://pod.test/v2.0/ports?name=a b") == "http://pod.test/v2.0/ports?name=a b"


def test_the_service_accounts_adapters_refuse_a_climbing_id(keystone):
    keystone.add_region("Pod1")
    from pods.clients import clients

    adapter = clients().adapter("Pod1", "network")
    assert isinstance(adapter, SafePathAdapter)
    with pytest.raises(BadRequest):
        adapter.get("/v2.0/ports/../../v2.0/networks")
    assert pod_calls(keystone.mocker) == []
