"""The Placement API's declared routes at the top: Placement's own paths, read-only. An unknown
path is a 404 and a change a 405 naming GET (none on the paths Placement takes only changes
on), both in Placement's error format and without asking any pod."""

import pytest

from pods.models import Pod

pytestmark = pytest.mark.django_db
RP = "0e408149-059c-4b67-80c0-6f0466d9ed18"


@pytest.fixture
def pods(keystone, db):
    Pod.objects.create(region_name="Pod1", az_name="az1")
    keystone.add_region("Pod1")
    return keystone.mocker


def pod_calls(mocker) -> list[str]:
    return [r.path for r in mocker.request_history if "/placement/" in r.path]


def assert_placement_error(response, status: int, title: str) -> dict:
    assert response.status_code == status
    (error,) = response.json()["errors"]
    assert error["status"] == status and error["title"] == title
    return error


@pytest.mark.parametrize(
    "path",
    [
        "/placement/nothing",
        "/placement/resource_providers/",
        f"/placement/resource_providers/{RP}/x",
    ],
)
def test_an_unknown_path_is_a_404_in_placement_format(admin, pods, path):
    error = assert_placement_error(admin.get(path), 404, "Not Found")
    assert error["detail"] == "The resource could not be found."
    assert pod_calls(pods) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/placement/resource_providers"),
        ("put", f"/placement/resource_providers/{RP}"),
        ("delete", f"/placement/resource_providers/{RP}/inventories"),
        ("put", f"/placement/resource_providers/{RP}/traits"),
        ("put", "/placement/traits/CUSTOM_X"),
        ("delete", "/placement/allocations/6c1ec0b4-2a43-4f0e-9f35-b8f5e7f5b1a1"),
        ("patch", "/placement/usages"),
    ],
)
def test_a_change_is_a_405_naming_get(admin, pods, method, path):
    response = getattr(admin, method)(path, {}, format="json")
    error = assert_placement_error(response, 405, "Method Not Allowed")
    assert method.upper() in error["detail"]
    assert response["Allow"] == "GET"
    assert pod_calls(pods) == []


@pytest.mark.parametrize("path", ["/placement/allocations", "/placement/reshaper"])
def test_a_path_placement_only_changes_takes_no_method_at_the_top(admin, pods, path):
    response = admin.post(path, {}, format="json")
    assert_placement_error(response, 405, "Method Not Allowed")
    assert response["Allow"] == ""
    assert pod_calls(pods) == []
