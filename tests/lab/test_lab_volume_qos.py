"""QoS specs through Tricircle with the real CLI: kept at the top, associated with Tricircle's
volume types, and given to a pod with the type's copy when a volume of the type is made there;
later changes reach the pod's copy."""

import uuid

from tests.lab.waiting import eventually


def test_qos_specs_follow_their_volume_type_into_the_pod(openstack):
    suffix = uuid.uuid4().hex[:6]
    qos_name, type_name = f"qos-{suffix}", f"qt-{suffix}"
    qos = openstack(
        "lab-admin",
        "volume",
        "qos",
        "create",
        "--consumer",
        "back-end",
        "--property",
        "read_iops_sec=100",
        qos_name,
    )
    volume_type = openstack("lab-admin", "volume", "type", "create", type_name)
    volume = None
    try:
        openstack("lab-admin", "volume", "qos", "associate", qos["id"], volume_type["id"])
        shown = openstack("lab-admin", "volume", "qos", "show", qos["id"])
        assert type_name in str(shown["associations"])
        assert (
            openstack("lab-admin", "volume", "type", "show", type_name)["qos_specs_id"]
            == (qos["id"])
        )
        for region in ("Pod1", "Pod2"):
            absent = openstack.run("lab-admin", "volume", "qos", "show", qos_name, region=region)
            assert absent.returncode != 0  # nothing in a pod before a volume needs it

        volume = openstack(
            "lab-demo",
            "volume",
            "create",
            f"qv-{suffix}",
            "--size",
            "1",
            "--type",
            type_name,
            "--availability-zone",
            "az2",
        )
        assert eventually(
            lambda: openstack("lab-demo", "volume", "show", volume["id"])["status"] == "available"
        )
        in_pod = openstack("lab-admin", "volume", "qos", "show", qos_name, region="Pod2")
        assert in_pod["consumer"] == "back-end"
        assert "read_iops_sec" in str(in_pod["properties"]) and "100" in str(in_pod["properties"])
        type_copy = openstack("lab-admin", "volume", "type", "show", type_name, region="Pod2")
        assert type_copy["qos_specs_id"] == in_pod["id"] != qos["id"]

        openstack("lab-admin", "volume", "qos", "set", "--property", "read_iops_sec=200", qos_name)
        in_pod = openstack("lab-admin", "volume", "qos", "show", qos_name, region="Pod2")
        assert "200" in str(in_pod["properties"])
    finally:
        if volume is not None:
            openstack.run("lab-demo", "volume", "delete", volume["id"])
            eventually(
                lambda: openstack.run("lab-demo", "volume", "show", volume["id"]).returncode != 0
            )
        openstack.run("lab-admin", "volume", "qos", "disassociate", "--all", qos["id"])
        openstack.run("lab-admin", "volume", "type", "delete", volume_type["id"])
        openstack.run("lab-admin", "volume", "qos", "delete", "--force", qos["id"])
