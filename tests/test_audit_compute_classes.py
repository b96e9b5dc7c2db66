"""The audit of a pod's servers, flavors and key pairs against the routing table and
Tricircle's own flavor and key pair records."""

import pytest

from gateway.audit.run import run_pod_audit
from gateway.models import Flavor, KeyPair
from tests.audit_support import ResourceType, new_id

pytestmark = pytest.mark.django_db


def classes(run):
    return {(f.audit_class, f.resource_type, f.top_id or f.bottom_id) for f in run.findings.all()}


def test_a_server_deleted_in_the_pod_is_a_dangling_route_and_one_made_there_unknown(
    audit_cloud,
):
    nova = audit_cloud.pods["Pod1"].nova
    kept = nova.add("servers", name="vm")
    deleted = new_id()
    made_in_pod = nova.add("servers", name="not-through-tricircle")
    audit_cloud.route(kept["id"], kept["id"], ResourceType.SERVER)
    audit_cloud.route(deleted, deleted, ResourceType.SERVER)
    run = run_pod_audit(audit_cloud.pod())
    assert classes(run) == {
        ("dangling_route", "server", deleted),
        ("unknown", "server", made_in_pod["id"]),
    }
    dangling = run.findings.get(audit_class="dangling_route")
    assert dangling.repair_action == "server_ports_release"


def test_flavors_orphaned_different_or_the_pods_own(audit_cloud):
    nova = audit_cloud.pods["Pod1"].nova
    Flavor.objects.create(id="f-same", name="same", ram=512, vcpus=1)
    Flavor.objects.create(id="f-diff", name="diff", ram=512, vcpus=1, extra_specs={"a": "1"})
    for flavor_id in ("f-same", "f-diff", "f-gone"):
        nova.add("flavors", id=flavor_id, ram=512, vcpus=1, disk=0, extra_specs={})
        audit_cloud.route(flavor_id, flavor_id, ResourceType.FLAVOR)
    nova.add("flavors", id="42", ram=64, vcpus=1, disk=0, extra_specs={})
    run = run_pod_audit(audit_cloud.pod())
    assert classes(run) == {
        ("missing_copy", "flavor", "f-diff"),
        ("orphan", "flavor", "f-gone"),
        ("unknown", "flavor", "42"),
    }
    assert {f.repair_action for f in run.findings.exclude(audit_class="unknown")} == {"flavor_sync"}


def test_key_pairs_gone_from_the_pod_or_from_the_top(audit_cloud):
    nova = audit_cloud.pods["Pod1"].nova
    KeyPair.objects.create(user_id="u1", name="kept", public_key="k", fingerprint="f")
    KeyPair.objects.create(user_id="u1", name="lost", public_key="k", fingerprint="f")
    nova.add("os-keypairs", name="kept", user_id="u1")
    nova.add("os-keypairs", name="deleted-at-top", user_id="u1")
    nova.add("os-keypairs", name="users-own", user_id="u1")
    for name in ("kept", "lost", "deleted-at-top"):
        audit_cloud.route(f"u1/{name}", name, ResourceType.KEYPAIR)
    run = run_pod_audit(audit_cloud.pod())
    assert classes(run) == {
        ("missing_copy", "keypair", "u1/lost"),
        ("orphan", "keypair", "u1/deleted-at-top"),
        ("unknown", "keypair", "u1/users-own"),
    }
    orphan = run.findings.get(audit_class="orphan")
    assert orphan.repair_action == "keypair_cleanup"


def test_key_pairs_of_every_keystone_user_are_looked_at_page_by_page(audit_cloud, keystone):
    nova = audit_cloud.pods["Pod1"].nova
    # More users than a page (the audit's page size is 50): Keystone is read page by page.
    keystone.user_ids = [f"user-{n:03}" for n in range(120)]
    nova.add("os-keypairs", name="made-in-the-pod", user_id="user-077")
    nova.add("os-keypairs", name="of-a-user-gone-from-keystone", user_id="gone-user")
    run = run_pod_audit(audit_cloud.pod())
    # The gone user's key pair is not seen: nothing names that user any more.
    assert classes(run) == {("unknown", "keypair", "user-077/made-in-the-pod")}
    listed_users = {
        query.split("user_id=")[1].split("&")[0]
        for method, query in nova.calls
        if query.startswith("os-keypairs?")
    }
    assert listed_users == set(keystone.user_ids)
    assert run.note == ""


def test_a_keystone_refusing_the_user_list_leaves_the_copied_users_audited(audit_cloud, keystone):
    nova = audit_cloud.pods["Pod1"].nova
    keystone.user_ids = ["u2"]
    keystone.users_status = 403
    KeyPair.objects.create(user_id="u1", name="lost", public_key="k", fingerprint="f")
    audit_cloud.route("u1/lost", "lost", ResourceType.KEYPAIR)
    nova.add("os-keypairs", name="not-seen", user_id="u2")
    run = run_pod_audit(audit_cloud.pod())
    assert classes(run) == {("missing_copy", "keypair", "u1/lost")}
    assert "Keystone /users: HTTP 403" in run.note


def test_a_keystone_that_truncates_the_user_list_is_noted(audit_cloud, keystone):
    nova = audit_cloud.pods["Pod1"].nova
    keystone.user_ids = ["u1", "u2", "u3"]
    keystone.users_cap = 2
    nova.add("os-keypairs", name="seen", user_id="u2")
    nova.add("os-keypairs", name="not-seen", user_id="u3")
    run = run_pod_audit(audit_cloud.pod())
    assert classes(run) == {("unknown", "keypair", "u2/seen")}
    assert "Keystone /users: truncated list" in run.note
