"""The top region's Block Storage API through Tricircle with the real openstack CLI: volumes in
az1 and az2, each in its pod, listed together with pagination, snapshots and volumes made from
them in their source's pod, extend, a type made only at the top, a private type given to a
project, attach in one pod and a clear refusal across pods, delete (a stopped pod's Cinder:
test_lab_faults.py)."""

import uuid

import pytest

from tests.lab.waiting import eventually

REGION_OF = {"az1": "Pod1", "az2": "Pod2"}


def status_of(openstack, volume_id: str) -> str:
    return openstack("lab-demo", "volume", "show", volume_id)["status"]


def wait_status(openstack, volume_id: str, wanted: str, timeout: float = 90) -> None:
    assert eventually(lambda: status_of(openstack, volume_id) == wanted, timeout=timeout), (
        f"volume {volume_id} is {status_of(openstack, volume_id)}, not {wanted}"
    )


@pytest.fixture(scope="module")
def suffix() -> str:
    return uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
def volumes(openstack, suffix):
    made = {}
    for zone in ("az1", "az2"):
        made[zone] = openstack(
            "lab-demo",
            "volume",
            "create",
            f"vol-{zone}-{suffix}",
            "--size",
            "1",
            "--availability-zone",
            zone,
        )
    for volume in made.values():
        wait_status(openstack, volume["id"], "available")
    yield made
    for volume in made.values():
        openstack.run("lab-demo", "volume", "delete", volume["id"])


def test_volumes_are_made_in_the_pod_of_their_zone(openstack, volumes):
    for zone, region in REGION_OF.items():
        shown = openstack("lab-demo", "volume", "show", volumes[zone]["id"])
        assert shown["availability_zone"] == zone
        direct = openstack("lab-admin", "volume", "show", volumes[zone]["id"], region=region)
        assert direct["id"] == volumes[zone]["id"]
        other = "Pod2" if region == "Pod1" else "Pod1"
        missing = openstack.run("lab-admin", "volume", "show", volumes[zone]["id"], region=other)
        assert missing.returncode != 0


def test_list_gathers_both_pods_with_pagination(openstack, volumes, suffix):
    ids = {volume["id"] for volume in volumes.values()}
    listed = openstack("lab-demo", "volume", "list", "--long")
    assert ids <= {row["ID"] for row in listed}
    first = openstack("lab-demo", "volume", "list", "--limit", "1")
    rest = openstack("lab-demo", "volume", "list", "--limit", "1", "--marker", first[0]["ID"])
    assert len(first) == 1 and len(rest) == 1 and first[0]["ID"] != rest[0]["ID"]
    ordered = [row["ID"] for row in listed]
    assert ordered.index(first[0]["ID"]) < ordered.index(rest[0]["ID"])


def test_the_name_filter_of_recent_microversions_works_as_in_the_pods(openstack, volumes):
    """From 3.33 Cinder takes only the filters its resource_filters.json names; the lab's pods
    have it, so `--name` at 3.71 filters, through Tricircle as directly."""
    name = volumes["az2"]["name"]
    args = ("--os-volume-api-version", "3.71", "volume", "list", "--name", name)
    assert [row["ID"] for row in openstack("lab-demo", *args)] == [volumes["az2"]["id"]]
    assert [row["ID"] for row in openstack("lab-demo", *args, region="Pod2")] == [
        volumes["az2"]["id"]
    ]


def test_snapshot_and_volume_from_it_stay_in_the_source_pod(openstack, volumes, suffix):
    source = volumes["az2"]["id"]
    snapshot = openstack(
        "lab-demo", "volume", "snapshot", "create", "--volume", source, f"snap-{suffix}"
    )
    try:
        assert eventually(
            lambda: (
                openstack("lab-demo", "volume", "snapshot", "show", snapshot["id"])["status"]
                == "available"
            ),
            timeout=90,
        )
        direct = openstack("lab-admin", "volume", "snapshot", "show", snapshot["id"], region="Pod2")
        assert direct["volume_id"] == source
        listed = openstack("lab-demo", "volume", "snapshot", "list")
        assert snapshot["id"] in {row["ID"] for row in listed}
        copy = openstack(
            "lab-demo", "volume", "create", "--snapshot", snapshot["id"], f"copy-{suffix}"
        )
        try:
            wait_status(openstack, copy["id"], "available")
            direct = openstack("lab-admin", "volume", "show", copy["id"], region="Pod2")
            assert direct["snapshot_id"] == snapshot["id"]
            assert openstack("lab-demo", "volume", "show", copy["id"])["availability_zone"] == "az2"
        finally:
            openstack("lab-demo", "volume", "delete", copy["id"])
            assert eventually(
                lambda: openstack.run("lab-demo", "volume", "show", copy["id"]).returncode != 0,
                timeout=90,
            )
    finally:
        openstack.run("lab-demo", "volume", "snapshot", "delete", snapshot["id"])
        assert eventually(
            lambda: (
                openstack.run("lab-demo", "volume", "snapshot", "show", snapshot["id"]).returncode
                != 0
            ),
            timeout=90,
        )


def test_extend_is_routed_to_the_volumes_pod(openstack, suffix):
    made = openstack(
        "lab-demo", "volume", "create", f"ext-{suffix}", "--size", "1", "--availability-zone", "az2"
    )
    try:
        wait_status(openstack, made["id"], "available")
        openstack("lab-demo", "volume", "set", "--size", "2", made["id"])
        wait_status(openstack, made["id"], "available")
        assert openstack("lab-demo", "volume", "show", made["id"])["size"] == 2
        direct = openstack("lab-admin", "volume", "show", made["id"], region="Pod2")
        assert (direct["size"], direct["status"]) == (2, "available")
    finally:
        openstack.run("lab-demo", "volume", "delete", made["id"])


def test_a_volume_from_an_image_is_bootable_in_its_pod(lab, openstack, suffix):
    made = openstack(
        "lab-demo",
        "volume",
        "create",
        f"img-{suffix}",
        "--size",
        "1",
        "--image",
        lab["image_id"],
        "--availability-zone",
        "az2",
    )
    try:
        wait_status(openstack, made["id"], "available")
        shown = openstack("lab-demo", "volume", "show", made["id"])
        assert shown["bootable"] is True
        assert shown["volume_image_metadata"]["image_id"] == lab["image_id"]
        direct = openstack("lab-admin", "volume", "show", made["id"], region="Pod2")
        assert direct["bootable"] is True
    finally:
        openstack.run("lab-demo", "volume", "delete", made["id"])


def test_a_type_made_only_at_the_top_is_used_in_both_pods(openstack, suffix):
    name = f"gold-{suffix}"
    # A scoped key: Cinder's CapabilitiesFilter would match an unscoped one against the
    # backend's capabilities and find no backend.
    made = openstack(
        "lab-admin", "volume", "type", "create", "--property", "tricircle:tier=gold", name
    )
    for region in REGION_OF.values():
        absent = openstack.run("lab-admin", "volume", "type", "show", name, region=region)
        assert absent.returncode != 0
    typed = []
    try:
        for zone in REGION_OF:
            typed.append(
                openstack(
                    "lab-demo",
                    "volume",
                    "create",
                    f"typed-{zone}-{suffix}",
                    "--size",
                    "1",
                    "--type",
                    name,
                    "--availability-zone",
                    zone,
                )
            )
        for volume, region in zip(typed, REGION_OF.values(), strict=True):
            wait_status(openstack, volume["id"], "available")
            assert openstack("lab-demo", "volume", "show", volume["id"])["type"] == name
            copy = openstack("lab-admin", "volume", "type", "show", name, region=region)
            assert "tier" in str(copy["properties"])
        shown = openstack("lab-demo", "volume", "type", "show", name)
        assert shown["id"] == made["id"]
    finally:
        for volume in typed:
            openstack.run("lab-demo", "volume", "delete", volume["id"])


def test_a_private_type_given_to_the_project_is_used_in_its_pod(openstack, suffix):
    name = f"private-{suffix}"
    project_id = openstack("lab-demo", "token", "issue")["project_id"]

    def demo_sees_it() -> bool:
        return name in {row["Name"] for row in openstack("lab-demo", "volume", "type", "list")}

    openstack("lab-admin", "volume", "type", "create", "--private", name)
    volume = None
    try:
        assert not demo_sees_it()
        openstack("lab-admin", "volume", "type", "set", "--project", project_id, name)
        assert project_id in str(openstack("lab-admin", "volume", "type", "show", name))
        assert demo_sees_it()
        volume = openstack(
            "lab-demo",
            "volume",
            "create",
            f"private-{suffix}",
            "--size",
            "1",
            "--type",
            name,
            "--availability-zone",
            "az2",
        )
        wait_status(openstack, volume["id"], "available")
        copy = openstack("lab-admin", "volume", "type", "show", name, region="Pod2")
        assert copy["is_public"] is False and project_id in str(copy["access_project_ids"])

        openstack("lab-admin", "volume", "type", "unset", "--project", project_id, name)
        assert not demo_sees_it()
        copy = openstack("lab-admin", "volume", "type", "show", name, region="Pod2")
        assert project_id not in str(copy["access_project_ids"])
    finally:
        if volume:
            openstack.run("lab-demo", "volume", "delete", volume["id"])
            eventually(lambda: openstack.run("lab-demo", "volume", "show", volume["id"]).returncode)
        openstack.run("lab-admin", "volume", "type", "delete", name)


@pytest.fixture(scope="module")
def server(openstack, suffix):
    net, _ = openstack.network_with_subnet(f"vn-{suffix}", "10.31.0.0/24")
    made = openstack.boot(f"vs-{suffix}", net["id"], "az1")
    yield made
    openstack.run("lab-demo", "server", "delete", "--wait", made["id"])
    # the servers' ports are released by a job once their pods have deleted them
    eventually(lambda: openstack.run("lab-demo", "network", "delete", net["id"]).returncode == 0)


def test_attach_in_the_same_pod_and_a_clear_error_across_pods(openstack, volumes, server):
    near, far = volumes["az1"]["id"], volumes["az2"]["id"]
    refused = openstack.run("lab-demo", "server", "add", "volume", server["id"], far)
    assert refused.returncode != 0
    assert "different pods" in refused.stderr
    openstack("lab-demo", "server", "add", "volume", server["id"], near)
    wait_status(openstack, near, "in-use")
    attached = openstack("lab-admin", "volume", "show", near, region="Pod1")["attachments"]
    assert server["id"] in str(attached)
    openstack("lab-demo", "server", "remove", "volume", server["id"], near)
    wait_status(openstack, near, "available")


def test_delete_is_routed(openstack, suffix):
    made = openstack(
        "lab-demo",
        "volume",
        "create",
        f"gone-{suffix}",
        "--size",
        "1",
        "--availability-zone",
        "az2",
    )
    wait_status(openstack, made["id"], "available")
    openstack("lab-demo", "volume", "delete", made["id"])
    assert eventually(
        lambda: (
            openstack.run("lab-admin", "volume", "show", made["id"], region="Pod2").returncode != 0
        ),
        timeout=90,
    )
    assert eventually(
        lambda: made["id"] not in {row["ID"] for row in openstack("lab-demo", "volume", "list")}
    )
