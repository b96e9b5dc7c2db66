"""Requests a real gunicorn serves exactly as sent (no client normalises them): paths that climb
out of their API, region names that are not Keystone's, bodies too large or too deep, version
headers that are not versions, pages in frames. Each is a clean 4xx in the API's own format,
and nothing reaches a pod."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.lab.http_client import Client
from tests.lab.tricircle_server import TricircleServer


def raw(
    tricircle: TricircleServer,
    method: str,
    path: str,
    token: str = "",
    body: bytes | None = None,
    **headers: str,
) -> tuple[int, dict, dict[str, str]]:
    """One request with the path and body exactly as given: (status, JSON body, headers)."""
    address = urlsplit(tricircle.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    sent = {"Content-Type": "application/json", **headers}
    if token:
        sent["X-Auth-Token"] = token
    connection.request(method, path, body=body, headers=sent)
    answer = connection.getresponse()
    content = answer.read()
    connection.close()
    parsed = json.loads(content) if content and content.strip().startswith(b"{") else {}
    return answer.status, parsed, {k.lower(): v for k, v in answer.getheaders()}


def servers_named(admin: Client, lab: dict[str, Any], name: str) -> list:
    """Servers of that name in the pods themselves (all projects)."""
    found = []
    for pod in lab["pods"]:
        url = f"{pod['nova_url']}/servers?all_tenants=1&name={name}"
        found += admin.ok("GET", url)["servers"]
    return found


@pytest.mark.parametrize(
    ("path", "fault"),
    [
        ("/compute/v2.1/..%2fv2.1/servers", "itemNotFound"),
        ("/compute/v2.1/../../v1.0/pods", "itemNotFound"),
        ("/compute/v2.1/%2e%2e/%2e%2e/", "itemNotFound"),
        ("/compute/v2.1/%252e%252e/servers", "itemNotFound"),
        ("/volume/v3/..%2fv3/volumes", "itemNotFound"),
        ("/networking/v2.0/..%2f..%2fv2.0/networks", "NeutronError"),
    ],
)
def test_a_path_climbing_out_of_its_api_is_a_404_and_reaches_no_pod(
    lab: dict[str, Any],
    tricircle: TricircleServer,
    demo: Client,
    admin: Client,
    path: str,
    fault: str,
) -> None:
    name = "climbed"
    body = json.dumps(
        {
            "server": {
                "name": name,
                "flavorRef": "1",
                "imageRef": lab["image_id"],
                "networks": "none",
            }
        }
    ).encode()
    token = demo.session.get_token()
    for method, sent in (("GET", None), ("POST", body)):
        status, answer, _ = raw(tricircle, method, path, token, sent)
        assert status == 404, answer
        assert fault in answer
    assert servers_named(admin, lab, name) == []


@pytest.mark.parametrize("name", ["pod1", "x/../Pod1", "Pod1?x=", " Pod1"])
def test_a_pod_region_must_be_keystones_exactly(
    tricircle: TricircleServer, admin: Client, name: str
) -> None:
    body = json.dumps({"pod": {"region_name": name, "az_name": "az9"}}).encode()
    status, answer, _ = raw(tricircle, "POST", "/v1.0/pods", admin.session.get_token(), body)
    assert status == 400, answer
    assert answer["code"] == "bad_request"
    pods = admin.ok("GET", "/v1.0/pods")["pods"]
    assert [pod["region_name"] for pod in pods if pod["az_name"] == "az9"] == []


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/compute/v2.1/servers", "badRequest"),
        ("/volume/v3/volumes", "badRequest"),
        ("/networking/v2.0/networks", "NeutronError"),
        ("/v1.0/pods", "detail"),
    ],
)
def test_bodies_nested_too_deep_or_too_large_are_4xx_in_the_apis_format(
    tricircle: TricircleServer, admin: Client, path: str, key: str
) -> None:
    token = admin.session.get_token()
    status, answer, headers = raw(tricircle, "POST", path, token, b"[" * 100_000)
    assert (status, key in answer) == (400, True)
    assert headers["x-openstack-request-id"].startswith("req-")
    status, answer, _ = raw(tricircle, "POST", path, token, b'{"x": "' + b"a" * 5_000_000 + b'"}')
    assert status == 413
    assert ("overLimit" if key == "badRequest" else key) in answer


def test_a_version_header_that_is_no_version_is_a_400(
    tricircle: TricircleServer, demo: Client
) -> None:
    token = demo.session.get_token()
    for header in ("volume " + "9" * 5000 + ".0", "volume 3." + "9" * 100):
        status, answer, _ = raw(
            tricircle, "GET", "/volume/v3/volumes", token, **{"OpenStack-API-Version": header}
        )
        assert status == 400, answer
        assert "badRequest" in answer


def test_pages_cannot_be_framed(tricircle: TricircleServer) -> None:
    status, _, headers = raw(tricircle, "GET", "/login")
    assert status == 200
    assert headers["x-frame-options"] == "DENY"
    assert headers["content-security-policy"] == "frame-ancestors 'none'"
