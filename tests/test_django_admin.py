import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model

from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["pods", "routing", "jobs", "networking", "gateway"]


def project_models() -> list:
    return [
        model
        for app in PROJECT_APPS
        if apps.is_installed(app)
        for model in apps.get_app_config(app).get_models()
    ]


def test_every_project_model_is_registered():
    missing = [model.__name__ for model in project_models() if not admin.site.is_registered(model)]
    assert not missing


def test_changelists_render_with_filters_and_search(client):
    RoutingFactory(top_id="abc")
    user = get_user_model().objects.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    for model in project_models():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
        assert client.get(url, {"q": "abc"}).status_code == 200, url
    response = client.get("/admin/routing/resourcerouting/", {"q": "abc"})
    assert b"abc" in response.content
