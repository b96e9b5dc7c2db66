"""Flavor lists are paged as Nova pages them: `limit=0` is an empty page with no next link, a
page is never longer than Nova's max_limit (1000) whatever the limit asked, and a full page
links to the next one while flavors follow it."""

import pytest

from gateway import microversions
from gateway.models import Flavor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def make_flavors(count: int) -> None:
    Flavor.objects.bulk_create(
        Flavor(id=f"{number:05d}", name=f"f{number:05d}", ram=512, vcpus=1)
        for number in range(count)
    )


@pytest.mark.parametrize("path", ["/compute/v2.1/flavors", "/compute/v2.1/flavors/detail"])
def test_limit_zero_is_an_empty_page(demo, novas, path):
    make_flavors(2)
    response = demo.get(f"{path}?limit=0")
    assert response.status_code == 200
    assert response.json() == {"flavors": []}


def test_a_full_page_links_to_the_next_while_flavors_follow(demo, novas):
    make_flavors(3)
    body = demo.get("/compute/v2.1/flavors?limit=2").json()
    assert [flavor["id"] for flavor in body["flavors"]] == ["00000", "00001"]
    (link,) = body["flavors_links"]
    assert link["href"].endswith("/compute/v2.1/flavors?limit=2&marker=00001")
    last = demo.get("/compute/v2.1/flavors?limit=2&marker=00001").json()
    assert [flavor["id"] for flavor in last["flavors"]] == ["00002"]
    assert "flavors_links" not in last


@pytest.mark.parametrize("limit", ["", "?limit=5000"])
def test_no_page_is_longer_than_max_limit(demo, novas, limit):
    make_flavors(1002)
    body = demo.get(f"/compute/v2.1/flavors{limit}").json()
    assert len(body["flavors"]) == 1000
    assert "marker=00999" in body["flavors_links"][0]["href"]


@pytest.mark.parametrize("limit", ["-1", "abc", "1.5"])
def test_a_limit_that_is_not_a_whole_number_is_a_400(demo, novas, limit):
    make_flavors(1)
    response = demo.get(f"/compute/v2.1/flavors?limit={limit}")
    assert response.status_code == 400
    assert "limit" in response.json()["badRequest"]["message"]
