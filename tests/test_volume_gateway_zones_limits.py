"""Availability zones are Tricircle's; limits and quotas add up over the pods."""

import pytest
from keystoneauth1 import exceptions as ks_exceptions

from gateway.services.quotas import add_totals

pytestmark = pytest.mark.django_db


def test_availability_zones_are_tricircles(demo, cinders):
    zones = demo.get("/volume/v3/os-availability-zone").json()["availabilityZoneInfo"]
    assert zones == [
        {"zoneName": "az1", "zoneState": {"available": True}},
        {"zoneName": "az2", "zoneState": {"available": True}},
    ]


def test_limits_are_totalled_and_unlimited_stays_unlimited(demo, cinders):
    cinders["Pod2"].limits = {"maxTotalVolumes": 5, "totalVolumesUsed": 2, "maxTotalSnapshots": 3}
    absolute = demo.get("/volume/v3/limits").json()["limits"]["absolute"]
    assert absolute == {"maxTotalVolumes": 15, "totalVolumesUsed": 2, "maxTotalSnapshots": -1}


def test_a_pod_that_does_not_answer_is_named_in_the_limits(demo, cinders, keystone):
    keystone.mocker.get(f"{cinders['Pod2'].base}/limits", exc=ks_exceptions.ConnectFailure)
    response = demo.get("/volume/v3/limits")
    assert response.status_code == 200
    assert response.json()["limits"]["absolute"]["maxTotalVolumes"] == 10
    assert response["X-Tricircle-Unavailable-Pods"] == "Pod2"


def test_quota_sets_add_up_key_by_key():
    total = add_totals({}, {"quota_set": {"id": "p", "volumes": {"limit": 10, "in_use": 1}}})
    add_totals(total, {"quota_set": {"id": "p", "volumes": {"limit": -1, "in_use": 2}}})
    assert total == {"quota_set": {"id": "p", "volumes": {"limit": -1, "in_use": 3}}}


def test_per_item_limits_are_the_tightest_not_a_sum():
    total = add_totals(
        {}, {"quota_set": {"per_volume_gigabytes": -1, "key_pairs": {"limit": 100, "in_use": 2}}}
    )
    add_totals(
        total, {"quota_set": {"per_volume_gigabytes": 50, "key_pairs": {"limit": 80, "in_use": 1}}}
    )
    assert total == {
        "quota_set": {"per_volume_gigabytes": 50, "key_pairs": {"limit": 80, "in_use": 2}}
    }


def test_default_quotas_change_in_every_pod_with_the_types_they_name(admin, cinders, keystone):
    from tests.test_volume_gateway_types import make_type

    make_type(admin)  # "gold", Tricircle's, in no pod yet
    changed = [
        keystone.mocker.put(
            f"{cinders[name].base}/os-quota-class-sets/default",
            json={"quota_class_set": {"volumes": 5, "volumes_gold": 2}},
        )
        for name in ("Pod1", "Pod2")
    ]
    body = {"quota_class_set": {"volumes": 5, "volumes_gold": 2}}
    response = admin.put("/volume/v3/os-quota-class-sets/default", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["quota_class_set"] == {"volumes": 5, "volumes_gold": 2}  # not summed
    assert all(matcher.called for matcher in changed)
    assert [post["name"] for post in cinders["Pod1"].type_posts] == ["gold"]
    assert [post["name"] for post in cinders["Pod2"].type_posts] == ["gold"]
