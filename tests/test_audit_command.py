"""`manage.py audit [--pod X] [--repair]`: audits now and prints a table per pod and class."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from routing.models import ResourceRouting
from tests.audit_support import ResourceType, new_id

pytestmark = pytest.mark.django_db


def audit(*args: str) -> list[str]:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_a_row_per_pod_with_counts_per_class(audit_cloud):
    gone = new_id()
    audit_cloud.route(gone, gone, ResourceType.VOLUME)
    audit_cloud.pods["Pod2"].set_down()
    header, pod1, pod2 = audit()
    assert header.split()[:3] == ["POD", "STATUS", "CALLS"]
    assert header.split()[3:7] == ["ORPHAN", "DANGLING_ROUTE", "MISSING_COPY", "UNKNOWN"]
    assert pod1.split()[:2] == ["Pod1", "done"]
    assert pod1.split()[3:8] == ["0", "1", "0", "0", "0"]
    assert pod2.split()[:2] == ["Pod2", "skipped"]
    assert ResourceRouting.objects.filter(top_id=gone).exists()  # no --repair: nothing changed


def test_repair_of_one_pod_with_findings_listed(audit_cloud):
    gone = new_id()
    audit_cloud.route(gone, gone, ResourceType.VOLUME)
    lines = audit("--pod", "Pod1", "--repair", "--classes", "dangling_route", "--findings")
    assert lines[1].split()[-1] == "1"  # repaired
    assert gone in lines[2] and "repaired" in lines[2]
    assert not ResourceRouting.objects.filter(top_id=gone).exists()


def test_refuses_unknown_pods_and_repairing_unknown_resources(audit_cloud):
    with pytest.raises(CommandError, match="Pod Nowhere is unknown"):
        audit("--pod", "Nowhere")
    with pytest.raises(CommandError, match="Cannot repair unknown"):
        audit("--repair", "--classes", "unknown")
