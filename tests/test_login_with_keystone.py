import pytest
from django.contrib.auth import get_user_model

from tests.fake_keystone import KEYSTONE_URL

pytestmark = pytest.mark.django_db


def test_admin_logs_in_with_keystone_credentials(client, keystone):
    response = client.post("/login", {"username": "admin", "password": "secret"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert get_user_model().objects.get(username="admin").is_superuser
    assert client.get("/v1.0/pods", HTTP_ACCEPT="text/html").status_code == 200


def test_wrong_password_is_refused(client, keystone):
    keystone.mocker.post(f"{KEYSTONE_URL}/auth/tokens", status_code=401, json={"error": {}})
    response = client.post("/login", {"username": "admin", "password": "wrong"})
    assert response.status_code == 200
    assert b"Wrong user name or password" in response.content
    assert client.get("/v1.0/pods").status_code in {401, 403}


def test_login_page_has_labels(client):
    page = client.get("/login").content.decode()
    assert '<label for="id_username">' in page and '<label for="id_password">' in page
