"""The audit of a pod's volumes, snapshots, backups and volume types."""

import pytest

from gateway.audit.run import run_pod_audit
from gateway.models import VolumeType
from tests.audit_support import ResourceType, new_id

pytestmark = pytest.mark.django_db


def classes(run):
    return {(f.audit_class, f.resource_type, f.top_id or f.bottom_id) for f in run.findings.all()}


@pytest.mark.parametrize(
    ("collection", "resource_type"),
    [
        ("volumes", ResourceType.VOLUME),
        ("snapshots", ResourceType.SNAPSHOT),
        ("backups", ResourceType.BACKUP),
    ],
)
def test_routed_items_gone_from_the_pod_dangle_and_the_pods_own_are_unknown(
    audit_cloud, collection, resource_type
):
    cinder = audit_cloud.pods["Pod1"].cinder
    kept = cinder.add(collection, name="kept")
    gone = new_id()
    own = cinder.add(collection, name="made-in-the-pod")
    audit_cloud.route(kept["id"], kept["id"], resource_type)
    audit_cloud.route(gone, gone, resource_type)
    run = run_pod_audit(audit_cloud.pod())
    assert classes(run) == {
        ("dangling_route", resource_type, gone),
        ("unknown", resource_type, own["id"]),
    }


def test_a_pod_without_a_backup_service_leaves_backups_out(audit_cloud, keystone):
    cinder = audit_cloud.pods["Pod1"].cinder
    del cinder.collections["backups"]  # the fake answers 404 to the list
    gone = new_id()
    audit_cloud.route(gone, gone, ResourceType.BACKUP)
    run = run_pod_audit(audit_cloud.pod())
    assert run.status == "done"
    assert classes(run) == set()
    assert "/backups: HTTP 404" in run.note


def test_volume_types_orphaned_different_or_unrouted(audit_cloud):
    cinder = audit_cloud.pods["Pod1"].cinder
    VolumeType.objects.create(id="t-diff", name="gold", extra_specs={"x": "1"})
    VolumeType.objects.create(id="t-lost", name="silver")
    diff = cinder.add("types", name="gold", extra_specs={"x": "2"})
    orphan = cinder.add("types", name="bronze", extra_specs={})
    unrouted = cinder.add("types", name="silver", extra_specs={})
    own = cinder.add("types", name="__DEFAULT__", extra_specs={})
    audit_cloud.route("t-diff", diff["id"], ResourceType.VOLUME_TYPE)
    audit_cloud.route("t-gone", orphan["id"], ResourceType.VOLUME_TYPE)
    run = run_pod_audit(audit_cloud.pod())
    rows = {(f.audit_class, f.bottom_id, f.repair_action) for f in run.findings.all()}
    assert rows == {
        ("missing_copy", diff["id"], "set_extra_specs"),
        ("orphan", orphan["id"], "delete_copy"),
        ("missing_copy", unrouted["id"], "record_route"),
        ("unknown", own["id"], ""),
    }
