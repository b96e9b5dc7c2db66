"""A quota set through the top region with the real CLI is the project's limit across all pods:
shown as set (not once per pod), given to every pod, and a create beyond the project's total
use in all pods is refused even when the pod it would go to has room."""

import uuid

import pytest

from tests.lab.cli import boot_args
from tests.lab.waiting import eventually

# They set alt_demo's quotas to its use + 1: no other lab test may create meanwhile.
pytestmark = pytest.mark.lab_exclusive

CLOUD = "lab-alt"  # a project of its own: other lab tests keep their servers in demo's


@pytest.fixture
def alt_project(openstack):
    project_id = openstack(CLOUD, "token", "issue")["project_id"]
    yield project_id
    openstack.run("lab-admin", "quota", "delete", "--compute", project_id)
    openstack.run("lab-admin", "quota", "delete", "--volume", project_id)


def in_use(openstack, kind: str, project_id: str) -> int:
    """What the project already has across the pods (a lab keeps what earlier runs left)."""
    return len(openstack("lab-admin", kind, "list", "--all-projects", "--project", project_id))


def test_an_instance_quota_holds_across_pods(openstack, alt_project):
    limit = in_use(openstack, "server", alt_project) + 1  # room for exactly one more
    openstack("lab-admin", "quota", "set", "--instances", str(limit), alt_project)
    shown = openstack("lab-admin", "quota", "show", "--compute", alt_project)
    top = {row["Resource"]: row["Limit"] for row in shown}
    assert top["instances"] == limit
    for region in ("Pod1", "Pod2"):
        direct = openstack("lab-admin", "quota", "show", "--compute", alt_project, region=region)
        in_pod = {row["Resource"]: row["Limit"] for row in direct}
        assert in_pod["instances"] == limit
        # metadata items: a limit of each server, the same in every pod, not added up
        assert top["properties"] == in_pod["properties"] == 128

    name = f"q-{uuid.uuid4().hex[:6]}"
    net, _ = openstack.network_with_subnet(name, "10.33.0.0/24", cloud=CLOUD)
    server = None
    try:
        server = openstack.boot(name, net["id"], "az1", cloud=CLOUD)
        refused = openstack.run(CLOUD, *boot_args(f"{name}-2", net["id"], "az2"))
        assert refused.returncode != 0
        assert "Quota exceeded for instances" in refused.stderr
        assert (
            openstack(
                "lab-admin",
                "server",
                "list",
                "--all-projects",
                "--name",
                f"{name}-2",
                region="Pod2",
            )
            == []
        )
    finally:
        if server:
            openstack(CLOUD, "server", "delete", "--wait", server["id"])
        assert eventually(
            lambda: openstack.run(CLOUD, "network", "delete", net["id"]).returncode == 0
        )


def test_a_volume_quota_holds_across_pods(openstack, alt_project):
    limit = in_use(openstack, "volume", alt_project) + 1  # room for exactly one more
    openstack("lab-admin", "quota", "set", "--volumes", str(limit), alt_project)
    made = openstack(
        CLOUD,
        "volume",
        "create",
        f"q-{uuid.uuid4().hex[:6]}",
        "--size",
        "1",
        "--availability-zone",
        "az1",
    )
    try:
        refused = openstack.run(
            CLOUD, "volume", "create", "too-many", "--size", "1", "--availability-zone", "az2"
        )
        assert refused.returncode != 0
        assert "volumes" in refused.stderr and "413" in refused.stderr
    finally:
        assert eventually(
            lambda: openstack(CLOUD, "volume", "show", made["id"])["status"] == "available"
        )
        openstack(CLOUD, "volume", "delete", made["id"])


def default_volumes(openstack, project_id: str, region: str | None = None) -> int:
    """A project's default volume limit: the default quota class's, as the region shows it."""
    shown = openstack(
        "lab-admin", "quota", "show", "--default", "--volume", project_id, region=region
    )
    return {row["Resource"]: row["Limit"] for row in shown}["volumes"]


def test_the_default_quota_class_holds_across_pods(openstack, alt_project):
    """The default class set at the top is a project's default across pods: shown as set, given
    to every pod, enforced over both pods' use (alt_demo has no limit of its own)."""
    openstack.run("lab-admin", "quota", "delete", "--volume", alt_project)
    original = default_volumes(openstack, alt_project, "Pod1")  # each pod's, as the lab made it
    limit = in_use(openstack, "volume", alt_project) + 1
    openstack("lab-admin", "quota", "set", "--default", "--volumes", str(limit))
    made = None
    try:
        for region in (None, "Pod1", "Pod2"):
            assert default_volumes(openstack, alt_project, region) == limit, region
        shown = openstack("lab-admin", "quota", "show", "--volume", alt_project)
        assert {row["Resource"]: row["Limit"] for row in shown}["volumes"] == limit
        made = openstack(
            CLOUD,
            "volume",
            "create",
            f"qc-{uuid.uuid4().hex[:6]}",
            "--size",
            "1",
            "--availability-zone",
            "az1",
        )
        refused = openstack.run(
            CLOUD, "volume", "create", "too-many", "--size", "1", "--availability-zone", "az2"
        )
        assert refused.returncode != 0
        assert "volumes" in refused.stderr and "413" in refused.stderr
    finally:
        openstack("lab-admin", "quota", "set", "--default", "--volumes", str(original))
        if made is not None:
            assert eventually(
                lambda: openstack(CLOUD, "volume", "show", made["id"])["status"] == "available"
            )
            openstack(CLOUD, "volume", "delete", made["id"])
