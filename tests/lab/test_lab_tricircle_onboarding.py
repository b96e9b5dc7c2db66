"""Tricircle in front of the real lab: pods onboarded with manage.py, the catalog pointing the top
region at Tricircle, the admin API with real Keystone tokens."""

import json
import urllib.error
import urllib.request


def test_onboard_pod_onboarded_both_pods(tricircle, lab):
    for pod in lab["pods"]:
        assert f"Pod {pod['region_name']} onboarded in {pod['az_name']}" in tricircle.onboarded
    listing = tricircle.manage("list_pods").stdout
    for pod in lab["pods"]:
        (line,) = [row for row in listing.splitlines() if row.startswith(pod["region_name"])]
        assert " up " in line, listing


def test_onboarding_an_unknown_region_fails_clearly(tricircle):
    result = tricircle.manage("onboard_pod", "Atlantis", "--az", "az9", check=False)
    assert result.returncode != 0
    assert "Atlantis is not a Keystone region" in result.stderr


def test_catalog_points_the_top_region_at_tricircle(openstack, lab):
    endpoints = openstack("lab-admin", "endpoint", "list", "--region", "CentralRegion")
    urls = {row["Service Type"]: row["URL"] for row in endpoints if row["Interface"] == "public"}
    assert urls["compute"].startswith(lab["tricircle_url"])
    assert urls["network"].startswith(lab["tricircle_url"])
    assert urls["volumev3"].startswith(lab["tricircle_url"])


def get_pods(lab, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        lab["tricircle_url"] + "/v1.0/pods", headers={"X-Auth-Token": token}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_admin_api_with_real_keystone_tokens(openstack, tricircle, lab):
    admin_token = openstack("lab-admin", "token", "issue")["id"]
    status, body = get_pods(lab, admin_token)
    assert status == 200
    assert {pod["region_name"] for pod in body["pods"]} >= {"Pod1", "Pod2"}
    demo_token = openstack("lab-demo", "token", "issue")["id"]
    status, body = get_pods(lab, demo_token)
    assert status == 403
    assert "admin role" in body["detail"]
    status, body = get_pods(lab, "not-a-token")
    assert status == 401
