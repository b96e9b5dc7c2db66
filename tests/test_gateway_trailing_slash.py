"""A path ending in a slash names an item with an empty id: Nova and Cinder answer 404, and so
does the top region (never the collection's list)."""

import pytest

pytestmark = pytest.mark.django_db


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json()["itemNotFound"]["message"] == "The resource could not be found."


@pytest.mark.parametrize("path", ["servers/", "os-simple-tenant-usage/", "flavors/"])
def test_a_trailing_slash_names_nothing_in_compute(admin, novas, path):
    assert_not_found(admin.get(f"/compute/v2.1/{path}"))
    assert admin.get("/compute/v2.1/").status_code == 200


@pytest.mark.parametrize("path", ["volumes/", "types/", "snapshots/detail/"])
def test_a_trailing_slash_names_nothing_in_block_storage(admin, cinders, path):
    assert_not_found(admin.get(f"/volume/v3/{path}"))
    assert admin.get("/volume/v3/").status_code == 200
