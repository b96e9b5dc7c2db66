"""Cinder's generic volume groups through Tricircle with the real CLI: group types are
Tricircle's, a group is made in the pod of its zone with copies of its group type and volume
types, a volume joins it there, and a group snapshot is made and routed in that pod."""

import uuid

import pytest

from tests.lab.waiting import eventually

GROUPS = ("--os-volume-api-version", "3.14")
V313 = {"OpenStack-API-Version": "volume 3.13"}


@pytest.fixture
def types(openstack):
    suffix = uuid.uuid4().hex[:6]
    group_type = openstack(
        "lab-admin", *GROUPS, "volume", "group", "type", "create", f"gt-{suffix}"
    )
    volume_type = openstack("lab-admin", "volume", "type", "create", f"gv-{suffix}")
    yield group_type, volume_type
    openstack.run("lab-admin", *GROUPS, "volume", "group", "type", "delete", group_type["id"])
    openstack.run("lab-admin", "volume", "type", "delete", volume_type["id"])


def status(openstack, kind: str, item_id: str) -> str:
    return openstack("lab-demo", *GROUPS, "volume", *kind.split(), "show", item_id)["status"]


def test_a_group_lives_in_the_pod_of_its_zone_with_its_types(openstack, types, demo):
    group_type, volume_type = types
    for region in ("Pod1", "Pod2"):
        absent = openstack.run(
            "lab-admin",
            *GROUPS,
            "volume",
            "group",
            "type",
            "show",
            group_type["name"],
            region=region,
        )
        assert absent.returncode != 0
    group = openstack(
        "lab-demo",
        *GROUPS,
        "volume",
        "group",
        "create",
        "--volume-group-type",
        group_type["id"],
        "--volume-type",
        volume_type["id"],
        "--availability-zone",
        "az2",
        "--name",
        f"g-{uuid.uuid4().hex[:6]}",
    )
    snapshot = volume = None
    try:
        assert eventually(lambda: status(openstack, "group", group["id"]) == "available")
        shown = openstack("lab-demo", *GROUPS, "volume", "group", "show", group["id"])
        assert shown["group_type"] == group_type["id"]  # Tricircle's ids, not the pod's copies
        assert volume_type["id"] in str(shown["volume_types"])
        in_pod = openstack(
            "lab-admin", *GROUPS, "volume", "group", "show", group["id"], region="Pod2"
        )
        pod_type = openstack(
            "lab-admin",
            *GROUPS,
            "volume",
            "group",
            "type",
            "show",
            group_type["name"],
            region="Pod2",
        )
        assert in_pod["group_type"] == pod_type["id"] != group_type["id"]
        listed = openstack("lab-demo", *GROUPS, "volume", "group", "list")
        assert group["id"] in {row["ID"] for row in listed}

        # A volume joining the group is made in the group's pod, whatever zone it names.
        volume = demo.ok(
            "POST",
            "/volume/v3/volumes",
            {"volume": {"size": 1, "group_id": group["id"], "volume_type": volume_type["id"]}},
            V313,
        )["volume"]
        assert eventually(
            lambda: openstack("lab-demo", "volume", "show", volume["id"])["status"] == "available"
        )
        direct = openstack("lab-admin", "volume", "show", volume["id"], region="Pod2")
        assert direct["group_id"] == group["id"]

        snapshot = openstack(
            "lab-demo",
            *GROUPS,
            "volume",
            "group",
            "snapshot",
            "create",
            group["id"],
            "--name",
            f"gs-{uuid.uuid4().hex[:6]}",
        )
        assert eventually(
            lambda: status(openstack, "group snapshot", snapshot["id"]) == "available"
        )
        direct = openstack(
            "lab-admin",
            *GROUPS,
            "volume",
            "group",
            "snapshot",
            "show",
            snapshot["id"],
            region="Pod2",
        )
        assert direct["group_id"] == group["id"]
        # The snapshot Cinder made of the group's volume is routed like any snapshot.
        members = openstack("lab-demo", "volume", "snapshot", "list", "--volume", volume["id"])
        assert len(members) == 1
        assert openstack("lab-demo", "volume", "snapshot", "show", members[0]["ID"])["id"]
    finally:
        if snapshot is not None:
            openstack.run(
                "lab-demo", *GROUPS, "volume", "group", "snapshot", "delete", snapshot["id"]
            )
            eventually(
                lambda: (
                    openstack.run(
                        "lab-demo", *GROUPS, "volume", "group", "snapshot", "show", snapshot["id"]
                    ).returncode
                    != 0
                )
            )
        openstack.run(
            "lab-demo",
            *GROUPS,
            "volume",
            "group",
            "delete",
            "--force",
            "--delete-volumes",
            group["id"],
        )
        eventually(
            lambda: (
                openstack.run(
                    "lab-demo", *GROUPS, "volume", "group", "show", group["id"]
                ).returncode
                != 0
            )
        )
