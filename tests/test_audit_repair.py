"""Repairs go through the existing jobs and services, check again before removing anything,
never touch unknown resources, and happen automatically only for the classes turned on."""

import pytest

from gateway.audit import repair
from gateway.audit.run import run_pod_audit
from gateway.models import AuditFinding, AuditFindingStatus
from jobs.models import Job
from routing.models import ResourceRouting
from tests.audit_support import PROJECT, ResourceType, new_id
from tricircle_site.exceptions import Conflict

pytestmark = pytest.mark.django_db


def finding_of(run, audit_class):
    return run.findings.get(audit_class=audit_class)


def test_a_routed_orphan_is_removed_by_its_bottom_cleanup_job(audit_cloud):
    top, _ = audit_cloud.copy("networks", ResourceType.NETWORK)
    audit_cloud.central.remove("networks", top["id"])
    finding = repair.repair(finding_of(run_pod_audit(audit_cloud.pod()), "orphan"))
    job = Job.objects.get()
    assert (job.type, job.resource, job.project_id) == (
        "bottom_cleanup",
        {"resource_type": "network", "top_id": top["id"]},
        PROJECT,
    )
    assert finding.status == AuditFindingStatus.REPAIR_REQUESTED
    assert finding.job_id == str(job.pk)


def test_an_unrouted_orphan_is_recorded_then_cleaned_up_only_if_the_top_is_still_gone(
    audit_cloud,
):
    gone = new_id()
    bottom = audit_cloud.pods["Pod1"].neutron.add("networks", name=gone, project_id=PROJECT)
    finding = repair.repair(finding_of(run_pod_audit(audit_cloud.pod()), "orphan"))
    assert finding.status == AuditFindingStatus.REPAIR_REQUESTED
    entry = ResourceRouting.objects.get(top_id=gone)
    assert (entry.bottom_id, entry.project_id) == (bottom["id"], PROJECT)
    assert Job.objects.get().type == "bottom_cleanup"


def test_an_orphan_whose_top_came_back_is_kept(audit_cloud):
    gone = new_id()
    audit_cloud.pods["Pod1"].neutron.add("networks", name=gone, project_id=PROJECT)
    finding = finding_of(run_pod_audit(audit_cloud.pod()), "orphan")
    audit_cloud.central.add("networks", id=gone)
    finding = repair.repair(finding)
    assert finding.status == AuditFindingStatus.REPAIR_FAILED
    assert "exists; kept" in finding.repair_note
    assert not ResourceRouting.objects.exists() and not Job.objects.exists()


def test_a_dangling_route_is_removed_after_the_pod_confirms_it_is_gone(audit_cloud):
    gone, back = new_id(), new_id()
    audit_cloud.route(gone, gone, ResourceType.VOLUME)
    audit_cloud.route(back, back, ResourceType.VOLUME)
    run = run_pod_audit(audit_cloud.pod())
    # One of them shows up in the pod between the audit and the repair.
    audit_cloud.pods["Pod1"].cinder.add("volumes", id=back)
    results = {f.top_id: f for f in repair.repair_all(run.findings.all())}
    assert results[gone].status == AuditFindingStatus.REPAIRED
    assert results[back].status == AuditFindingStatus.REPAIR_FAILED
    assert list(ResourceRouting.objects.values_list("top_id", flat=True)) == [back]


def test_a_server_gone_from_its_pod_releases_its_ports_through_the_job(audit_cloud):
    server = new_id()
    audit_cloud.route(server, server, ResourceType.SERVER)
    repair.repair(finding_of(run_pod_audit(audit_cloud.pod()), "dangling_route"))
    job = Job.objects.get()
    assert (job.type, job.resource) == ("server_ports_release", {"server_id": server})


def test_unknown_resources_are_never_touched(audit_cloud):
    own = audit_cloud.pods["Pod1"].neutron.add("networks", name="users", project_id="x")
    finding = finding_of(run_pod_audit(audit_cloud.pod()), "unknown")
    with pytest.raises(Conflict):
        repair.repair(finding)
    assert repair.repair_all([finding]) == []
    assert audit_cloud.pods["Pod1"].neutron.find("networks", own["id"]) is not None
    assert [m for m, _ in audit_cloud.pods["Pod1"].neutron.calls if m != "GET"] == []


def test_only_the_classes_turned_on_are_repaired_automatically(audit_cloud):
    orphan, _ = audit_cloud.copy("security-groups", ResourceType.SECURITY_GROUP)
    audit_cloud.central.remove("security-groups", orphan["id"])
    dangling = new_id()
    audit_cloud.route(dangling, dangling, ResourceType.SNAPSHOT)
    _, bottom_port = audit_cloud.copy(
        "ports", ResourceType.PORT, network_id="n", mac_address="fa:16:3e:00:00:01"
    )
    bottom_port["mac_address"] = "fa:16:3e:99:99:99"
    run = run_pod_audit(audit_cloud.pod(), ["orphan", "dangling_route"])
    statuses = {f.audit_class: f.status for f in run.findings.all()}
    assert statuses == {
        "orphan": AuditFindingStatus.REPAIR_REQUESTED,
        "dangling_route": AuditFindingStatus.REPAIRED,
        "missing_copy": AuditFindingStatus.OPEN,
    }
    assert list(Job.objects.values_list("type", flat=True)) == ["bottom_cleanup"]
    # Proposed: an operator's repair asks the port's sync job.
    repair.repair(run.findings.get(audit_class="missing_copy"))
    assert set(Job.objects.values_list("type", flat=True)) == {"bottom_cleanup", "port_sync"}


def test_a_copy_gone_from_the_pod_is_made_again(audit_cloud):
    top, bottom = audit_cloud.copy("networks", ResourceType.NETWORK)
    audit_cloud.pods["Pod1"].neutron.remove("networks", bottom["id"])
    finding = repair.repair(finding_of(run_pod_audit(audit_cloud.pod()), "missing_copy"))
    assert finding.status == AuditFindingStatus.REPAIRED, finding.repair_note
    (remade,) = audit_cloud.pods["Pod1"].neutron.items["networks"]
    assert remade["name"] == top["id"]
    assert ResourceRouting.objects.get(top_id=top["id"]).bottom_id == remade["id"]
    assert not run_pod_audit(audit_cloud.pod()).findings.exists()


def test_the_pod_audit_job_audits_and_repairs_the_configured_classes(audit_cloud, settings):
    from jobs import registry

    settings.AUDIT_REPAIR_CLASSES = ["dangling_route"]
    gone = new_id()
    audit_cloud.route(gone, gone, ResourceType.BACKUP)
    job = Job(type="pod_audit", resource={"pod_id": str(audit_cloud.pod().pk)})
    registry.get("pod_audit").handler(job)
    assert AuditFinding.objects.get().status == AuditFindingStatus.REPAIRED
    assert not ResourceRouting.objects.exists()
