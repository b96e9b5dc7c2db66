"""The Compute API's declared routes: a path Nova does not route is a 404 and a known path asked
with a method Nova does not take there a 405 naming those it takes, both in Nova's fault format
and before any pod is asked; the families Tricircle forwards as they are still reach a pod."""

import pytest

from gateway import microversions
from gateway.compute.routes import ROUTES
from pods.models import Pod
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db
API = "/compute/v2.1"
SERVER = "5b8a2a0e-2f57-4d0e-8f43-b7b0c1d3f001"


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def pod_calls(keystone, pod_base: str) -> list[str]:
    return [sent.url for sent in keystone.mocker.request_history if sent.url.startswith(pod_base)]


def asked_of_pods(keystone, novas) -> list[str]:
    return [
        sent.path
        for sent in keystone.mocker.request_history
        if any(sent.url.startswith(nova.base + "/") for nova in novas.values())
    ]


@pytest.mark.parametrize(
    "path", ["no-such-family", "servers/detail/more", "os-server-groups/a/b", "flavors/1/nope"]
)
def test_an_unknown_path_is_novas_404_and_reaches_no_pod(demo, novas, keystone, path):
    response = demo.get(f"{API}/{path}")
    assert response.status_code == 404, response.content
    assert response.json() == {
        "itemNotFound": {"code": 404, "message": "The resource could not be found."}
    }
    assert asked_of_pods(keystone, novas) == []


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("delete", "servers/detail", "GET"),
        ("patch", "servers", "GET, POST"),
        ("post", f"servers/{SERVER}", "DELETE, GET, PUT"),
        ("put", "os-server-groups", "GET, POST"),
        ("delete", "flavors/detail", "GET"),
        ("post", "os-availability-zone", "GET"),
    ],
)
def test_a_known_path_with_another_method_is_novas_405_with_allow(
    demo, novas, keystone, method, path, allow
):
    response = getattr(demo, method)(f"{API}/{path}", {}, format="json")
    assert response.status_code == 405, response.content
    assert response["Allow"] == allow
    fault = response.json()["badMethod"]
    assert fault["code"] == 405
    assert method.upper() in fault["message"]
    assert asked_of_pods(keystone, novas) == []


def test_a_pass_through_family_still_reaches_the_first_pod(demo, novas, keystone):
    groups = {"server_groups": [{"id": "g1", "name": "anti", "policies": ["anti-affinity"]}]}
    keystone.mocker.get(f"{novas['Pod1'].base}/os-server-groups", json=groups)
    response = demo.get(f"{API}/os-server-groups")
    assert response.status_code == 200, response.content
    assert response.json() == groups
    assert pod_calls(keystone, f"{novas['Pod1'].base}/os-server-groups")


def test_a_servers_sub_resource_reaches_the_servers_pod(demo, novas, keystone):
    RoutingFactory(top_id=SERVER, pod=Pod.objects.get(region_name="Pod2"), resource_type="server")
    metadata = {"metadata": {"role": "web"}}
    keystone.mocker.get(f"{novas['Pod2'].base}/servers/{SERVER}/metadata", json=metadata)
    response = demo.get(f"{API}/servers/{SERVER}/metadata")
    assert response.status_code == 200, response.content
    assert response.json() == metadata


def test_every_family_nova_routes_is_declared():
    """A sample of Nova's routes (nova/api/openstack/compute/routes.py) clients use."""
    templates = set(ROUTES.templates())
    for template in (
        "/os-server-groups/{group_id}",
        "/os-migrations",
        "/os-instance_usage_audit_log",
        "/os-assisted-volume-snapshots",
        "/os-server-external-events",
        "/extensions",
        "/images/{image_id}/metadata",
        "/os-volumes/detail",
        "/os-snapshots/{snapshot_id}",
        "/servers/{server_id}/os-server-password",
        "/servers/{server_id}/diagnostics",
        "/servers/{server_id}/migrations/{migration_id}/action",
        "/servers/{server_id}/tags/{tag}",
        "/servers/{server_id}/topology",
        "/servers/{server_id}/os-instance-actions/{request_id}",
        "/servers/{server_id}/remote-consoles",
        "/servers/{server_id}/os-volume_attachments/{volume_id}",
    ):
        assert template in templates
