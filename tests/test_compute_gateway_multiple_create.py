"""Nova's multiple create (min_count / max_count) through the gateway: each server gets ports of
its own, so the servers are booted one by one, named as Nova names them; a refusal undoes the
servers already made."""

import pytest

from gateway import microversions
from gateway.models import Flavor
from routing.models import ResourceRouting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _flavor():
    microversions._ranges.clear()
    Flavor.objects.create(id="1", name="m1.tiny", ram=512, vcpus=1, disk=1)


def boot(demo, **server):
    body = {"name": "vm", "flavorRef": "1", "imageRef": "i", "availability_zone": "az1"}
    return demo.post("/compute/v2.1/servers", {"server": {**body, **server}}, format="json")


def test_min_count_boots_that_many_servers_named_as_nova_names_them(demo, novas):
    response = boot(demo, networks="none", min_count=3)
    assert response.status_code == 202, response.content
    assert [sent["name"] for sent in novas["Pod1"].created] == ["vm-1", "vm-2", "vm-3"]
    assert all("min_count" not in sent for sent in novas["Pod1"].created)
    assert response.json()["server"]["id"] == "new-1"
    assert ResourceRouting.objects.filter(resource_type="server").count() == 3


@pytest.mark.parametrize("count", [1, 2])
def test_return_reservation_id_answers_the_pods_reservation(demo, novas, count):
    response = boot(demo, networks="none", max_count=count, return_reservation_id=True)
    assert response.status_code == 202, response.content
    assert response.json() == {"reservation_id": "r-new-1"}
    assert len(novas["Pod1"].created) == count
    assert all("return_reservation_id" not in sent for sent in novas["Pod1"].created)


def test_max_count_is_what_is_made(demo, novas):
    response = boot(demo, networks="none", min_count=1, max_count=2)
    assert response.status_code == 202
    assert len(novas["Pod1"].created) == 2


@pytest.mark.parametrize(
    ("server", "message"),
    [
        (
            {"min_count": 2, "networks": [{"port": "6c1ec0b4-2a43-4f0e-9f35-b8f5e7f5b1a1"}]},
            "single",
        ),
        ({"min_count": 3, "max_count": 2, "networks": "none"}, "min_count must be <= max_count"),
        ({"min_count": 0, "networks": "none"}, "min_count"),
    ],
)
def test_impossible_counts_are_a_400_and_nothing_is_made(demo, novas, server, message):
    response = boot(demo, **server)
    assert response.status_code == 400
    assert message in response.json()["badRequest"]["message"]
    assert novas["Pod1"].created == []


def test_a_refused_boot_undoes_the_servers_made(demo, novas, keystone):
    base = novas["Pod1"].base
    answers = iter([None, 403])
    original = novas["Pod1"]._create

    def create(request, context):
        status = next(answers, None)
        if status:
            context.status_code = status
            return {"forbidden": {"code": status, "message": "Quota exceeded"}}
        context.status_code = 202
        return original(request, context)

    keystone.mocker.post(f"{base}/servers", json=create)
    deleted = keystone.mocker.delete(f"{base}/servers/new-1", status_code=204)
    response = boot(demo, networks="none", min_count=3)
    assert response.status_code == 403
    assert deleted.called
