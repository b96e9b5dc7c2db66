"""A pod (or the central Neutron) that does not answer is skipped and marked: nothing is
concluded, its previous findings stand and nothing is repaired."""

import pytest

from gateway.audit.run import run_pod_audit
from gateway.models import AuditFinding, AuditRunStatus
from routing.models import ResourceRouting
from tests.audit_support import ResourceType, new_id

pytestmark = pytest.mark.django_db
REPAIR_ALL = ("orphan", "dangling_route", "missing_copy")


def test_a_pod_that_does_not_answer_is_skipped_not_taken_for_empty(audit_cloud):
    server = new_id()
    audit_cloud.route(server, server, ResourceType.SERVER)
    first = run_pod_audit(audit_cloud.pod())
    assert first.findings.get().audit_class == "dangling_route"
    audit_cloud.pods["Pod1"].set_down()
    skipped = run_pod_audit(audit_cloud.pod(), REPAIR_ALL)
    assert skipped.status == AuditRunStatus.SKIPPED
    assert "Neutron of Pod1" in skipped.note
    assert not skipped.findings.exists()
    # The previous finding stands, unrepaired; the routing entry is still there.
    assert AuditFinding.objects.get().run == first
    assert ResourceRouting.objects.filter(top_id=server).exists()


def test_a_pod_stopping_during_the_audit_is_skipped(audit_cloud):
    net, bottom = audit_cloud.copy("networks", ResourceType.NETWORK)
    audit_cloud.pods["Pod1"].neutron.remove("networks", bottom["id"])
    audit_cloud.pods["Pod1"].nova.down = True  # Neutron answered, then Nova did not
    run = run_pod_audit(audit_cloud.pod(), REPAIR_ALL)
    assert run.status == AuditRunStatus.SKIPPED and "Nova of Pod1" in run.note
    assert not AuditFinding.objects.exists()
    assert ResourceRouting.objects.filter(top_id=net["id"]).exists()


def test_no_answer_from_the_central_neutron_concludes_nothing(audit_cloud):
    _top, _ = audit_cloud.copy("networks", ResourceType.NETWORK)
    audit_cloud.central.down = True
    run = run_pod_audit(audit_cloud.pod(), REPAIR_ALL)
    assert run.status == AuditRunStatus.SKIPPED
    assert "central Neutron" in run.note
    assert not AuditFinding.objects.exists()


def test_the_other_pod_is_audited_while_one_is_down(audit_cloud):
    gone = new_id()
    audit_cloud.route(gone, gone, ResourceType.VOLUME, pod="Pod2")
    audit_cloud.pods["Pod1"].set_down()
    assert run_pod_audit(audit_cloud.pod("Pod1")).status == AuditRunStatus.SKIPPED
    run = run_pod_audit(audit_cloud.pod("Pod2"))
    assert run.status == AuditRunStatus.DONE
    assert run.findings.get().top_id == gone
