"""Limits every request meets before a handler: body size, JSON nesting, version headers, query
strings that are not UTF-8, and numbers no column can hold. Each is a 4xx in the API's own
format, never a 500."""

import json

import pytest

pytestmark = pytest.mark.django_db

NESTED = b"[" * 100_000
# (path, the API's error key: a Nova/Cinder fault name, NeutronError, or the admin API's detail)
CREATES = [
    ("/compute/v2.1/servers", "badRequest"),
    ("/volume/v3/volumes", "badRequest"),
    ("/networking/v2.0/networks", "NeutronError"),
    ("/v1.0/pods", "detail"),
]


def post(client, path: str, body: bytes, **headers: str):
    return client.generic("POST", path, body, content_type="application/json", **headers)


@pytest.mark.parametrize(("path", "key"), CREATES)
def test_deeply_nested_json_is_a_400(admin, nova_and_cinder_pods, path, key):
    response = post(admin, path, NESTED)
    assert response.status_code == 400
    assert key in response.json()


@pytest.mark.parametrize(("path", "key"), CREATES)
def test_nesting_inside_strings_does_not_count(admin, nova_and_cinder_pods, path, key, settings):
    body = json.dumps({"x": "[" * (settings.MAX_JSON_DEPTH * 2)}).encode()
    response = post(admin, path, body)
    assert response.status_code != 400 or "nests" not in response.content.decode()


@pytest.mark.parametrize(
    ("path", "key"),
    [(p, "overLimit" if k == "badRequest" else k) for p, k in CREATES],
)
def test_a_body_over_the_limit_is_a_413(admin, nova_and_cinder_pods, path, key, settings):
    body = json.dumps({"x": "a" * settings.MAX_REQUEST_BODY_SIZE}).encode()
    response = post(admin, path, body)
    assert response.status_code == 413
    assert key in response.json()
    if key == "detail":
        assert response.json()["code"] == "request_too_large"


def test_the_body_limit_is_a_setting(demo, nova_and_cinder_pods, settings):
    settings.MAX_REQUEST_BODY_SIZE = 100
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post(
        demo, "/compute/v2.1/servers", json.dumps({"server": {"x": "a" * 200}}).encode()
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/volume/v3/volumes", "volume " + "9" * 5000 + ".0"),
        ("/volume/v3/volumes", "volume 3." + "9" * 200),
        ("/compute/v2.1/servers", "compute " + "1" * 300),
    ],
)
def test_a_version_that_is_not_one_is_a_400(demo, nova_and_cinder_pods, path, header):
    response = demo.get(path, HTTP_OPENSTACK_API_VERSION=header)
    assert response.status_code == 400
    assert "badRequest" in response.json()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/volume/v3/volumes", {"volume": {"size": 1e999}}, "size"),
        ("/volume/v3/volumes", {"volume": {"size": 10**40}}, "size"),
        (
            "/compute/v2.1/flavors",
            {"flavor": {"name": "f", "ram": 10**40, "vcpus": 1, "disk": 1}},
            "ram",
        ),
        (
            "/compute/v2.1/flavors",
            {"flavor": {"name": "f", "ram": 1, "vcpus": 1e999, "disk": 1}},
            "vcpus",
        ),
        (
            "/compute/v2.1/flavors",
            {"flavor": {"name": "f", "ram": 1, "vcpus": 1, "disk": 1, "rxtx_factor": 1e999}},
            "rxtx_factor",
        ),
        (
            "/compute/v2.1/servers",
            {"server": {"name": "s", "flavorRef": "small", "min_count": 1e999}},
            "min_count",
        ),
    ],
)
def test_numbers_no_column_holds_are_a_400(admin, nova_and_cinder_pods, path, body, field):
    from gateway.models import Flavor

    Flavor.objects.create(id="small", name="small", ram=1, vcpus=1, disk=1)
    response = post(admin, path, json.dumps(body).encode())
    assert response.status_code == 400, response.content
    assert field in response.json()["badRequest"]["message"]


def test_a_quota_no_column_holds_is_a_400(admin, nova_and_cinder_pods):
    response = admin.put(
        "/compute/v2.1/os-quota-sets/demo-project",
        {"quota_set": {"instances": 10**40}},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/compute/v2.1/servers/detail", "badRequest"),
        ("/volume/v3/volumes/detail", "badRequest"),
        ("/networking/v2.0/routers", "NeutronError"),
        ("/placement/usages", "errors"),
        ("/v1.0/pods", "detail"),
    ],
)
def test_a_query_string_that_is_not_utf8_is_a_400(admin, nova_and_cinder_pods, path, key):
    response = admin.get(f"{path}?name=%ff&project_id=p")
    assert response.status_code == 400
    assert key in response.json()
    assert "not valid UTF-8" in response.content.decode()
