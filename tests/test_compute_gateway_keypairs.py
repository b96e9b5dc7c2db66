"""Key pairs are kept by Tricircle per user and copied into a pod when a server there uses one."""

import pytest

from gateway import microversions
from gateway.models import Flavor
from jobs.models import Job
from routing.models import ResourceRouting

pytestmark = pytest.mark.django_db
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGzOh6Vy9u4b6MFrGgqZ5yHGsBk6e8xV0BxE2yxGQwq9 test"


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def test_import_list_show_delete(demo, novas):
    response = demo.post(
        "/compute/v2.1/os-keypairs",
        {"keypair": {"name": "k1", "public_key": PUBLIC_KEY}},
        format="json",
    )
    assert response.status_code == 200, response.content
    keypair = response.json()["keypair"]
    assert keypair["fingerprint"].count(":") == 15
    listed = demo.get("/compute/v2.1/os-keypairs").json()["keypairs"]
    assert [row["keypair"]["name"] for row in listed] == ["k1"]
    assert demo.get("/compute/v2.1/os-keypairs/k1").json()["keypair"]["public_key"] == PUBLIC_KEY
    deleted = demo.delete("/compute/v2.1/os-keypairs/k1")
    assert deleted.status_code == 202
    # An empty answer names its microversion too, as Nova's.
    assert deleted["OpenStack-API-Version"] == "compute 2.1"
    assert deleted["X-OpenStack-Nova-API-Version"] == "2.1"
    assert demo.get("/compute/v2.1/os-keypairs/k1").status_code == 404


def test_generated_key_pair_returns_the_private_key_once(demo, novas):
    response = demo.post("/compute/v2.1/os-keypairs", {"keypair": {"name": "gen"}}, format="json")
    body = response.json()["keypair"]
    assert body["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert body["public_key"].startswith("ssh-rsa ")
    assert "private_key" not in demo.get("/compute/v2.1/os-keypairs/gen").json()["keypair"]


def test_key_pairs_are_per_user(demo, alt_demo, novas):
    demo.post(
        "/compute/v2.1/os-keypairs",
        {"keypair": {"name": "k1", "public_key": PUBLIC_KEY}},
        format="json",
    )
    assert alt_demo.get("/compute/v2.1/os-keypairs").json()["keypairs"] == []
    again = demo.post(
        "/compute/v2.1/os-keypairs",
        {"keypair": {"name": "k1", "public_key": PUBLIC_KEY}},
        format="json",
    )
    assert again.status_code == 409
    bad = demo.post(
        "/compute/v2.1/os-keypairs",
        {"keypair": {"name": "k2", "public_key": "garbage"}},
        format="json",
    )
    assert bad.status_code == 400


def test_boot_copies_the_key_pair_into_the_pod(demo, novas):
    Flavor.objects.create(id="1", name="m1.tiny", ram=512, vcpus=1, disk=1)
    demo.post(
        "/compute/v2.1/os-keypairs",
        {"keypair": {"name": "k1", "public_key": PUBLIC_KEY}},
        format="json",
    )
    response = demo.post(
        "/compute/v2.1/servers",
        {
            "server": {
                "name": "vm",
                "flavorRef": "1",
                "key_name": "k1",
                "availability_zone": "az2",
                "networks": "none",
            }
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    (copied,) = novas["Pod2"].keypairs
    assert copied["public_key"] == PUBLIC_KEY
    assert copied["user_id"] == "user-of-demo-project"
    assert ResourceRouting.objects.filter(resource_type="keypair").count() == 1
    demo.delete("/compute/v2.1/os-keypairs/k1")
    assert Job.objects.filter(type="keypair_cleanup").exists()
    unknown = demo.post(
        "/compute/v2.1/servers",
        {"server": {"name": "vm", "flavorRef": "1", "key_name": "nope", "networks": "none"}},
        format="json",
    )
    assert unknown.status_code == 400


def test_key_pair_answers_have_novas_shape_for_the_microversion(demo, novas):
    demo.post(
        "/compute/v2.1/os-keypairs",
        {"keypair": {"name": "k1", "public_key": PUBLIC_KEY}},
        format="json",
    )
    old = demo.get("/compute/v2.1/os-keypairs/k1").json()["keypair"]
    assert "type" not in old
    assert {"updated_at", "deleted_at", "created_at", "deleted", "id", "user_id"} <= set(old)
    new = demo.get("/compute/v2.1/os-keypairs/k1", HTTP_X_OPENSTACK_NOVA_API_VERSION="2.2")
    assert new.json()["keypair"]["type"] == "ssh"


def test_a_rebuild_with_a_key_pair_copies_it_into_the_servers_pod(demo, novas, keystone):
    from pods.models import Pod
    from tests.factories import RoutingFactory

    demo.post(
        "/compute/v2.1/os-keypairs",
        {"keypair": {"name": "k1", "public_key": PUBLIC_KEY}},
        format="json",
    )
    novas["Pod2"].add("a", "one", "2026-01-01T00:00:01Z")
    RoutingFactory(top_id="a", pod=Pod.objects.get(region_name="Pod2"), project_id="demo-project")
    action = keystone.mocker.post(f"{novas['Pod2'].base}/servers/a/action", status_code=202)
    rebuild = {"rebuild": {"imageRef": "i", "key_name": "k1"}}
    response = demo.post(
        "/compute/v2.1/servers/a/action",
        rebuild,
        format="json",
        HTTP_OPENSTACK_API_VERSION="compute 2.54",
    )
    assert response.status_code == 202, response.content
    assert action.last_request.json() == rebuild
    (copied,) = novas["Pod2"].keypairs
    assert copied["public_key"] == PUBLIC_KEY
