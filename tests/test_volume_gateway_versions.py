"""The Block Storage API's version documents and microversions, against fake Cinders."""

import pytest

pytestmark = pytest.mark.django_db


def test_version_documents_advertise_the_intersection_of_the_pods(anonymous, cinders):
    for url in ("/volume/", "/volume/v3", "/volume/v3/"):
        (version,) = anonymous.get(url).json()["versions"]
        assert version["id"] == "v3.0"
        assert (version["min_version"], version["version"]) == ("3.0", "3.60")
        assert version["links"][0]["href"] == "http://testserver/volume/v3/"


def test_the_resolved_microversion_is_forwarded_and_answered(demo, cinders):
    response = demo.get("/volume/v3/volumes", HTTP_OPENSTACK_API_VERSION="volume 3.50")
    assert response.status_code == 200
    assert response["OpenStack-API-Version"] == "volume 3.50"
    latest = demo.get("/volume/v3/volumes", HTTP_OPENSTACK_API_VERSION="volume latest")
    assert latest["OpenStack-API-Version"] == "volume 3.60"
    assert demo.get("/volume/v3/volumes")["OpenStack-API-Version"] == "volume 3.0"


def test_a_microversion_outside_the_range_is_a_406_in_cinders_format(demo, cinders):
    response = demo.get("/volume/v3/volumes", HTTP_OPENSTACK_API_VERSION="volume 3.70")
    assert response.status_code == 406
    assert "maximum is 3.60" in response.json()["notAcceptable"]["message"]


def test_no_token_is_a_401_fault(anonymous, cinders):
    response = anonymous.get("/volume/v3/volumes")
    assert response.status_code == 401
    assert response.json()["unauthorized"]["code"] == 401


def test_a_project_id_in_the_url_must_be_the_callers(demo, admin, cinders):
    assert demo.get("/volume/v3/demo-project/volumes/detail").status_code == 200
    other = "0123456789abcdef0123456789abcdef"
    response = demo.get(f"/volume/v3/{other}/volumes/detail")
    assert response.status_code == 403
    assert "forbidden" in response.json()
    assert admin.get(f"/volume/v3/{other}/volumes/detail").status_code == 200


def test_the_root_answers_multiple_choices_as_cinder(anonymous, cinders):
    response = anonymous.get("/volume/")
    assert response.status_code == 300
    assert response.json()["versions"][0]["id"] == "v3.0"
    assert anonymous.get("/volume/v3/").status_code == 200
