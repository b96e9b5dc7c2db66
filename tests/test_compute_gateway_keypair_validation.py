"""Key pairs are validated as Nova validates them: names (characters by microversion, length),
public keys OpenSSH can load, and the per-user limit the pods set."""

import pytest

from gateway import microversions
from gateway.services import keypairs
from tests.test_compute_gateway_keypairs import PUBLIC_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def create(client, version: str = "2.1", **keypair):
    return client.post(
        "/compute/v2.1/os-keypairs",
        {"keypair": keypair},
        format="json",
        HTTP_OPENSTACK_API_VERSION=f"compute {version}",
    )


@pytest.mark.parametrize("name", ["", "a" * 256, "key/.", "key@home", "kéy", "a\nb"])
def test_names_nova_refuses_are_a_400(demo, novas, name):
    response = create(demo, name=name, public_key=PUBLIC_KEY)
    assert response.status_code == 400
    assert "badRequest" in response.json()


def test_at_and_dot_are_allowed_from_2_92(demo, novas):
    assert create(demo, "2.90", name="me@host.x", public_key=PUBLIC_KEY).status_code == 400
    assert create(demo, "2.90", name="me host_1-a", public_key=PUBLIC_KEY).status_code == 201
    # (the fake pods stop at 2.90)
    assert keypairs.validate_keypair_name("me@host.x", (2, 92)) == "me@host.x"


@pytest.mark.parametrize(
    "public_key",
    ["", "ssh-rsa", "ssh-rsa AAAA", "ssh-rsa " + "A" * 2048 + " openstack@ubuntu", "junk", 42],
)
def test_public_keys_openssh_cannot_load_are_a_400(demo, novas, public_key):
    response = create(demo, name="k", public_key=public_key)
    assert response.status_code == 400
    assert "Keypair data is invalid" in response.json()["badRequest"]["message"]


def test_the_pods_key_pair_limit_holds(demo, novas, keystone):
    for nova in novas.values():
        keystone.mocker.get(
            f"{nova.base}/limits", json={"limits": {"absolute": {"maxTotalKeypairs": 1}}}
        )
    assert create(demo, name="one", public_key=PUBLIC_KEY).status_code == 200
    response = create(demo, name="two", public_key=PUBLIC_KEY)
    assert response.status_code == 403
    assert response.json()["forbidden"]["message"] == "Quota exceeded, too many key pairs."
