"""Large pods are listed page by page: the audit's pod calls grow with pages, not with
resources, and every page is read."""

import pytest

from gateway.audit.run import run_pod_audit
from tests.audit_support import ResourceType

pytestmark = pytest.mark.django_db


def test_a_pod_with_many_resources_is_read_in_pages(audit_cloud, settings):
    settings.AUDIT_PAGE_SIZE = 100
    nova = audit_cloud.pods["Pod1"].nova
    for n in range(250):
        audit_cloud.copy("ports", ResourceType.PORT, network_id="n", mac_address=f"m{n}")
    for n in range(120):
        server = nova.add("servers", name=f"vm-{n}")
        audit_cloud.route(server["id"], server["id"], ResourceType.SERVER)
    own = nova.add("servers", name="last-page-only")  # found only if every page is read
    run = run_pod_audit(audit_cloud.pod())
    assert [(f.audit_class, f.bottom_id) for f in run.findings.all()] == [("unknown", own["id"])]
    pages = {
        path.split("?")[0]
        for method, path in audit_cloud.pods["Pod1"].neutron.calls + nova.calls
        if method == "GET"
    }
    assert "ports" in pages and "servers" in pages
    # Ports: 3 pages; servers: 2; one page for each of the 11 other lists (6 Neutron, flavors,
    # 4 Cinder; no key pair is routed, so none is listed).
    assert run.api_calls == 3 + 2 + 11
    assert audit_cloud.pods["Pod1"].list_calls() == run.api_calls
