"""Volume type encryption is kept with Tricircle's type and given to the type's copies in the
pods (admins only, validated and answered as Cinder does)."""

import re

import pytest

from tests.test_volume_gateway_types import make_type

pytestmark = pytest.mark.django_db
SPEC = {"provider": "luks", "control_location": "front-end", "cipher": "aes-xts-plain64"}


def test_admins_create_read_update_and_delete_a_types_encryption(admin, cinders):
    made = make_type(admin)
    url = f"/volume/v3/types/{made['id']}/encryption"
    assert admin.get(url).json() == {}
    created = admin.post(url, {"encryption": {**SPEC, "key_size": "256"}}, format="json")
    assert created.status_code == 200, created.content
    shown = admin.get(url).json()
    assert created.json() == {
        "encryption": {
            **SPEC,
            "key_size": 256,
            "volume_type_id": made["id"],
            "encryption_id": shown["encryption_id"],
        }
    }
    assert (shown["volume_type_id"], shown["provider"], shown["key_size"]) == (
        made["id"],
        "luks",
        256,
    )
    assert admin.get(f"{url}/provider").json() == {"provider": "luks"}
    again = admin.post(url, {"encryption": SPEC}, format="json")
    assert again.status_code == 400
    updated = admin.put(
        f"{url}/{shown['encryption_id']}", {"encryption": {"key_size": 512}}, format="json"
    )
    assert updated.json() == {"encryption": {"key_size": 512}}
    assert admin.get(url).json()["key_size"] == 512
    assert admin.delete(f"{url}/{shown['encryption_id']}").status_code == 202
    assert admin.get(url).json() == {}
    assert admin.get(f"{url}/provider").status_code == 404


@pytest.mark.parametrize(
    "given",
    [{"provider": "luks"}, {**SPEC, "control_location": "middle"}, {**SPEC, "key_size": "big"}],
)
def test_invalid_specs_are_a_400(admin, cinders, given):
    made = make_type(admin)
    response = admin.post(
        f"/volume/v3/types/{made['id']}/encryption", {"encryption": given}, format="json"
    )
    assert response.status_code == 400


def test_members_are_refused(admin, demo, cinders):
    made = make_type(admin)
    response = demo.post(
        f"/volume/v3/types/{made['id']}/encryption", {"encryption": SPEC}, format="json"
    )
    assert response.status_code == 403


def test_the_pods_copies_get_the_encryption(admin, demo, cinders, keystone):
    made = make_type(admin)
    encryption = re.compile(rf"{re.escape(cinders['Pod2'].base)}/types/[^/]+/encryption$")
    posted = keystone.mocker.post(encryption, json={"encryption": SPEC})
    demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "availability_zone": "az2", "volume_type": made["id"]}},
        format="json",
    )  # the type's copy in Pod2
    admin.post(f"/volume/v3/types/{made['id']}/encryption", {"encryption": SPEC}, format="json")
    assert posted.last_request.json() == {"encryption": SPEC}
    # A copy made later (in Pod1) is made with it.
    later = keystone.mocker.post(
        re.compile(rf"{re.escape(cinders['Pod1'].base)}/types/[^/]+/encryption$"),
        json={"encryption": SPEC},
    )
    demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "availability_zone": "az1", "volume_type": made["id"]}},
        format="json",
    )
    assert later.last_request.json() == {"encryption": SPEC}


def test_a_pods_refusal_changes_nothing(admin, demo, cinders, keystone):
    made = make_type(admin)
    demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "availability_zone": "az2", "volume_type": made["id"]}},
        format="json",
    )
    keystone.mocker.post(
        re.compile(rf"{re.escape(cinders['Pod2'].base)}/types/[^/]+/encryption$"),
        status_code=400,
        json={
            "badRequest": {
                "code": 400,
                "message": "Cannot create encryption specs. Volume type in use.",
            }
        },
    )
    url = f"/volume/v3/types/{made['id']}/encryption"
    response = admin.post(url, {"encryption": SPEC}, format="json")
    assert response.status_code == 400
    assert "Volume type in use" in response.json()["badRequest"]["message"]
    assert admin.get(url).json() == {}
