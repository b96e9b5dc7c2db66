import re

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_root_lists_the_v1_version(anonymous):
    body = anonymous.get("/").json()
    (version,) = body["versions"]
    assert version["id"] == "v1.0"
    assert version["status"] == "CURRENT"
    assert version["links"][0]["href"].endswith("/v1.0/")


@pytest.mark.parametrize("path", ["/v1.0", "/v1.0/"])
def test_v1_version_document(anonymous, path):
    assert anonymous.get(path).json()["version"]["id"] == "v1.0"


def test_openapi_schema_describes_the_admin_api(admin):
    response = admin.get("/v1.0/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.content
    paths = response.json()["paths"]
    assert "/v1.0/pods" in "".join(paths)
    assert any(path.startswith("/v1.0/routings") for path in paths)


@pytest.mark.parametrize("path", ["/v1.0/docs", "/v1.0/redoc"])
def test_docs_pages_use_local_assets_only(admin, path):
    page = admin.get(path).content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    # Every asset the page loads is Tricircle's own (a CDN's address is an absolute URL).
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assert assets and all(not re.match(r"^(https?:)?//", url) for url in assets), assets
    assert "cdn." not in page.lower()
    assert "https://" not in page.split("<body")[0]


def test_unknown_url_is_a_json_404(anonymous):
    response = anonymous.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_browsable_api_works_for_a_logged_in_admin(client):
    user = get_user_model().objects.create(username="admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    response = client.get("/v1.0/pods", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Pod List" in response.content or b"Pod" in response.content
