"""The dashboard's audit page: counts per pod and class, the findings with filters, Repair
buttons only where a repair exists, Audit now."""

import pytest

from gateway.audit.run import run_pod_audit
from gateway.models import AuditFinding
from jobs.models import Job
from routing.models import ResourceRouting
from tests.audit_support import ResourceType, new_id
from tests.dashboard_support import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def audited(audit_cloud):
    gone = new_id()
    audit_cloud.route(gone, gone, ResourceType.VOLUME)
    audit_cloud.pods["Pod1"].neutron.add("networks", name="users", project_id="someone")
    run_pod_audit(audit_cloud.pod())
    return audit_cloud


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/dashboard/audit")
    assert response.status_code == 302 and response["Location"].startswith("/login")


def test_the_page_shows_counts_and_findings_with_repair_buttons(client, audited):
    staff = log_in(client)
    html = staff.get("/dashboard/audit").content.decode()
    assert '<tr data-pod="Pod1">' in html and '<tr data-pod="Pod2">' in html
    dangling = AuditFinding.objects.get(audit_class="dangling_route")
    unknown = AuditFinding.objects.get(audit_class="unknown")
    assert f"/dashboard/audit/findings/{dangling.pk}/repair" in html
    assert f"/dashboard/audit/findings/{unknown.pk}/repair" not in html
    assert 'href="/dashboard/audit" aria-current="page"' in html


def test_findings_are_filtered(client, audited):
    staff = log_in(client)
    html = staff.get("/dashboard/audit?class=unknown").content.decode()
    assert html.count("<tr data-finding=") == 1


def test_repair_and_audit_now_buttons(client, audited):
    staff = log_in(client)
    dangling = AuditFinding.objects.get(audit_class="dangling_route")
    response = staff.post(f"/dashboard/audit/findings/{dangling.pk}/repair", follow=True)
    assert "repaired" in response.content.decode()
    assert not ResourceRouting.objects.exists()
    response = staff.post("/dashboard/audit/run", {"pod": "Pod2"}, follow=True)
    assert "Audit requested: 1 pod_audit job(s)." in response.content.decode()
    assert Job.objects.get().type == "pod_audit"
