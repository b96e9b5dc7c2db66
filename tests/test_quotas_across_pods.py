"""A quota set through the top region is the project's limit across all pods: every pod gets
the same limit, the top's answers show it, and a create beyond it is refused at the gateway."""

import pytest

from gateway.models import Flavor, ProjectQuota

pytestmark = pytest.mark.django_db

PROJECT = "demo-project"


@pytest.fixture
def nova_limits(novas, keystone):
    """Each fake Nova reports 2 instances, 2 cores and 1024 MB of RAM in use."""
    for name in ("Pod1", "Pod2"):
        absolute = {
            "maxTotalInstances": 10,
            "totalInstancesUsed": 2,
            "maxTotalCores": 20,
            "totalCoresUsed": 2,
            "maxTotalRAMSize": 51200,
            "totalRAMUsed": 1024,
        }
        keystone.mocker.get(
            f"{novas[name].base}/limits", json={"limits": {"rate": [], "absolute": absolute}}
        )
    Flavor.objects.create(id="1", name="m1.tiny", ram=512, vcpus=1, disk=1)
    return novas


def set_quota(admin, keystone, pods, api: str, quota_set: dict):
    puts = [
        keystone.mocker.put(f"{pod.base}/os-quota-sets/{PROJECT}", json={"quota_set": quota_set})
        for pod in pods
    ]
    response = admin.put(f"{api}/os-quota-sets/{PROJECT}", {"quota_set": quota_set}, format="json")
    assert all(put.last_request.json() == {"quota_set": quota_set} for put in puts)
    return response


def test_a_compute_quota_is_the_projects_total_and_boots_beyond_it_are_refused(
    admin, demo, nova_limits, keystone
):
    response = set_quota(
        admin, keystone, nova_limits.values(), "/compute/v2.1", {"instances": 5, "cores": 6}
    )
    assert response.status_code == 200
    assert response.json() == {"quota_set": {"instances": 5, "cores": 6}}
    for name in ("Pod1", "Pod2"):
        keystone.mocker.get(
            f"{nova_limits[name].base}/os-quota-sets/{PROJECT}",
            json={"quota_set": {"id": PROJECT, "instances": 5, "cores": 6, "ram": 51200}},
        )
    shown = admin.get(f"/compute/v2.1/os-quota-sets/{PROJECT}").json()["quota_set"]
    assert (shown["instances"], shown["cores"], shown["ram"]) == (5, 6, 102400)
    absolute = demo.get("/compute/v2.1/limits").json()["limits"]["absolute"]
    assert (absolute["maxTotalInstances"], absolute["totalInstancesUsed"]) == (5, 4)

    boot = {"server": {"name": "vm", "flavorRef": "1", "availability_zone": "az1"}}
    assert demo.post("/compute/v2.1/servers", boot, format="json").status_code == 202
    boot["server"]["min_count"] = 3  # 4 + 3 cores > 6
    refused = demo.post("/compute/v2.1/servers", boot, format="json")
    assert refused.status_code == 403
    assert (
        "Quota exceeded for instances: Requested 3, but already used 4 of 5"
        in (refused.json()["forbidden"]["message"])
    )
    assert len(nova_limits["Pod1"].created) == 1


def test_a_refused_change_records_nothing_and_delete_forgets(admin, novas, keystone):
    for name, status in (("Pod1", 200), ("Pod2", 403)):
        keystone.mocker.put(
            f"{novas[name].base}/os-quota-sets/{PROJECT}",
            status_code=status,
            json={"quota_set": {"instances": 5}}
            if status == 200
            else {"forbidden": {"code": 403, "message": "no"}},
        )
    response = admin.put(
        f"/compute/v2.1/os-quota-sets/{PROJECT}", {"quota_set": {"instances": 5}}, format="json"
    )
    assert response.status_code == 403
    assert not ProjectQuota.objects.exists()

    bad = admin.put(
        f"/compute/v2.1/os-quota-sets/{PROJECT}", {"quota_set": {"cores": "many"}}, format="json"
    )
    assert bad.status_code == 400 and "cores" in bad.json()["badRequest"]["message"]

    ProjectQuota.objects.create(
        project_id=PROJECT, service="compute", resource="instances", hard_limit=5
    )
    for name in ("Pod1", "Pod2"):
        keystone.mocker.delete(f"{novas[name].base}/os-quota-sets/{PROJECT}", status_code=202)
    assert admin.delete(f"/compute/v2.1/os-quota-sets/{PROJECT}").status_code == 202
    assert not ProjectQuota.objects.exists()


def test_a_volume_quota_is_the_projects_total(admin, demo, cinders, keystone):
    for cinder in cinders.values():
        cinder.limits.update({"maxTotalVolumes": 10, "totalVolumesUsed": 1})
        cinder.limits.update({"maxTotalVolumeGigabytes": 100, "totalGigabytesUsed": 3})
    response = set_quota(
        admin, keystone, cinders.values(), "/volume/v3", {"volumes": 3, "gigabytes": 10}
    )
    assert response.json() == {"quota_set": {"volumes": 3, "gigabytes": 10}}
    absolute = demo.get("/volume/v3/limits").json()["limits"]["absolute"]
    assert (absolute["maxTotalVolumes"], absolute["totalVolumesUsed"]) == (3, 2)

    create = {"volume": {"size": 4, "availability_zone": "az1"}}
    assert demo.post("/volume/v3/volumes", create, format="json").status_code == 202
    create["volume"]["size"] = 5  # 6 GB in use + 5 > 10
    refused = demo.post("/volume/v3/volumes", create, format="json")
    assert refused.status_code == 413
    assert "gigabytes" in refused.json()["overLimit"]["message"]
    assert len(cinders["Pod1"].created["volumes"]) == 1


def test_limits_tricircle_does_not_count_read_as_set_not_once_per_pod(admin, novas, keystone):
    """Server groups, key pairs...: every pod was given the same limit, which is the project's;
    a detailed set adds up the use."""
    quota_set = {"server_groups": 7, "key_pairs": 50, "metadata_items": 64}
    response = set_quota(admin, keystone, novas.values(), "/compute/v2.1", quota_set)
    assert response.json()["quota_set"] == quota_set
    detail = {"server_groups": {"limit": 7, "in_use": 1, "reserved": 0}}
    for nova in novas.values():
        keystone.mocker.get(
            f"{nova.base}/os-quota-sets/{PROJECT}/detail", json={"quota_set": detail}
        )
    shown = admin.get(f"/compute/v2.1/os-quota-sets/{PROJECT}/detail").json()["quota_set"]
    assert shown["server_groups"] == {"limit": 7, "in_use": 2, "reserved": 0}


def test_a_users_quota_reads_as_set_not_once_per_pod(admin, novas, keystone):
    """Nova keeps a user's share of the project per pod; each pod was given the same value."""
    user_set = {"ram": 2048, "instances": 3, "key_pairs": 5}
    for nova in novas.values():
        keystone.mocker.put(
            f"{nova.base}/os-quota-sets/{PROJECT}?user_id=u1", json={"quota_set": user_set}
        )
        keystone.mocker.get(
            f"{nova.base}/os-quota-sets/{PROJECT}?user_id=u1", json={"quota_set": user_set}
        )
    path = f"/compute/v2.1/os-quota-sets/{PROJECT}?user_id=u1"
    assert admin.put(path, {"quota_set": {"ram": 2048}}, format="json").json() == {
        "quota_set": user_set
    }
    assert admin.get(path).json() == {"quota_set": user_set}
    assert not ProjectQuota.objects.exists()  # the project's own limits are untouched
