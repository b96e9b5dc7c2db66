"""The recommended deployment: Keystone's endpoint filtering (OS-EP-FILTER) gives ordinary
projects a catalog with the top region alone, while Tricircle's service account still sees the
pods. The lab's project `top_only` is in the endpoint group `top-region-only` (as every project
is with `lab.py up --hide-pods`); its users reach everything through Tricircle with clients
told nothing about regions."""

from __future__ import annotations

import uuid
from typing import Any

from tests.lab.cli import OpenStackCLI
from tests.lab.http_client import user_session
from tests.lab.waiting import eventually

TOP_REGION = "CentralRegion"


def catalog_regions(lab: dict[str, Any], user: str) -> dict[str, set[str]]:
    """Service type -> regions of its endpoints, as the user's project-scoped token lists them."""
    session = user_session(lab, user)
    access = session.auth.get_access(session)
    return {
        service["type"]: {endpoint["region_id"] for endpoint in service["endpoints"]}
        for service in access.service_catalog.catalog
    }


def test_a_filtered_project_sees_the_top_region_alone(lab: dict[str, Any]) -> None:
    catalog = catalog_regions(lab, "top_only")
    assert {"compute", "network", "volumev3", "identity", "image"} <= set(catalog)
    assert set().union(*catalog.values()) == {TOP_REGION}


def test_the_service_account_and_other_projects_still_see_the_pods(lab: dict[str, Any]) -> None:
    pods = {pod["region_name"] for pod in lab["pods"]}
    for user in ("tricircle", "demo"):
        assert pods <= catalog_regions(lab, user)["compute"], user


def test_clients_without_a_region_work_through_tricircle(
    lab: dict[str, Any], openstack: OpenStackCLI
) -> None:
    """The cloud `lab-top-only` names no region: the CLI takes the catalog's only one."""
    name = f"labtest-toponly-{uuid.uuid4().hex[:8]}"
    zone = lab["pods"][0]["az_name"]
    assert zone in {
        row["Zone Name"] for row in openstack("lab-top-only", "availability zone", "list")
    }
    network = openstack("lab-top-only", "network", "create", name)
    try:
        assert network["id"] in {row["ID"] for row in openstack("lab-top-only", "network", "list")}
        volume = openstack(
            "lab-top-only", "volume", "create", name, "--size", "1", "--availability-zone", zone
        )
        try:
            assert eventually(
                lambda: (
                    openstack("lab-top-only", "volume", "show", volume["id"])["status"]
                    == "available"
                ),
                timeout=90,
            )
            shown = openstack("lab-top-only", "volume", "show", volume["id"])
            assert shown["availability_zone"] == zone
        finally:
            openstack("lab-top-only", "volume", "delete", volume["id"])
        # The pod's Nova calls its Neutron and Glance with this user's token, whose catalog
        # has no pod: the pods must name their own endpoints (lab: endpoint_override).
        openstack(
            "lab-top-only",
            "subnet",
            "create",
            name,
            "--network",
            name,
            "--subnet-range",
            "10.232.0.0/24",
        )
        server = openstack.boot(name, network["id"], zone, cloud="lab-top-only")
        try:
            assert server["status"] == "ACTIVE"
            listed = openstack("lab-top-only", "server", "list")
            assert [row["ID"] for row in listed] == [server["id"]]
        finally:
            openstack("lab-top-only", "server", "delete", "--wait", server["id"])
    finally:
        eventually(
            lambda: (
                openstack.run("lab-top-only", "network", "delete", network["id"]).returncode == 0
            ),
            timeout=60,
        )
