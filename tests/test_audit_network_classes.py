"""The audit of a pod's networks, subnets, ports, security groups, routers and floating IPs:
each kind of drift is found as its class, and what Tricircle did not make is unknown."""

import pytest

from gateway.audit.run import run_pod_audit
from gateway.models import AuditRunStatus
from routing.models import ResourceRouting, ResourceType
from tests.audit_support import PROJECT, new_id

pytestmark = pytest.mark.django_db


def found(run, audit_class=None):
    rows = run.findings.all()
    if audit_class:
        rows = rows.filter(audit_class=audit_class)
    return {(f.audit_class, f.resource_type, f.top_id or f.bottom_id) for f in rows}


def test_a_pod_in_step_has_no_findings(audit_cloud):
    net, _ = audit_cloud.copy("networks", ResourceType.NETWORK, **{"provider:segmentation_id": 7})
    audit_cloud.copy("subnets", ResourceType.SUBNET, network_id=net["id"], cidr="10.0.0.0/24")
    run = run_pod_audit(audit_cloud.pod())
    assert run.status == AuditRunStatus.DONE
    assert found(run) == set()


def test_a_copy_whose_top_is_gone_is_an_orphan_routed_or_not(audit_cloud):
    top, bottom = audit_cloud.copy("networks", ResourceType.NETWORK)
    audit_cloud.central.remove("networks", top["id"])
    gone_top = new_id()
    unrouted = audit_cloud.pods["Pod1"].neutron.add("networks", name=gone_top, project_id=PROJECT)
    run = run_pod_audit(audit_cloud.pod())
    assert found(run) == {
        ("orphan", "network", top["id"]),
        ("orphan", "network", gone_top),
    }
    by_top = {f.top_id: f for f in run.findings.all()}
    assert by_top[top["id"]].bottom_id == bottom["id"]
    assert by_top[gone_top].bottom_id == unrouted["id"]
    assert {f.repair_action for f in by_top.values()} == {"bottom_cleanup"}


def test_a_routed_copy_gone_from_the_pod_is_missing_or_dangling(audit_cloud):
    kept, kept_bottom = audit_cloud.copy("ports", ResourceType.PORT, network_id="n")
    dropped, dropped_bottom = audit_cloud.copy("ports", ResourceType.PORT, network_id="n")
    audit_cloud.pods["Pod1"].neutron.remove("ports", kept_bottom["id"])
    audit_cloud.pods["Pod1"].neutron.remove("ports", dropped_bottom["id"])
    audit_cloud.central.remove("ports", dropped["id"])
    run = run_pod_audit(audit_cloud.pod())
    assert found(run) == {
        ("missing_copy", "port", kept["id"]),
        ("dangling_route", "port", dropped["id"]),
    }


def test_differences_in_segment_ip_mac_and_rules_are_missing_copies(audit_cloud):
    pod1 = audit_cloud.pods["Pod1"].neutron
    net, bottom_net = audit_cloud.copy(
        "networks", ResourceType.NETWORK, **{"provider:segmentation_id": 100}
    )
    bottom_net["provider:segmentation_id"] = 101
    port, bottom_port = audit_cloud.copy(
        "ports",
        ResourceType.PORT,
        network_id=net["id"],
        mac_address="fa:16:3e:00:00:01",
        fixed_ips=[{"ip_address": "10.0.0.5"}],
    )
    bottom_port["fixed_ips"] = [{"ip_address": "10.0.0.6"}]
    group, bottom_group = audit_cloud.copy("security-groups", ResourceType.SECURITY_GROUP)
    rule = {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp"}
    audit_cloud.central.add("security-group-rules", security_group_id=group["id"], **rule)
    pod1.add("security-group-rules", security_group_id=bottom_group["id"], **rule)
    in_step = run_pod_audit(audit_cloud.pod())
    assert found(in_step) == {
        ("missing_copy", "network", net["id"]),
        ("missing_copy", "port", port["id"]),
    }
    # Someone changes the rule of the copy directly in the pod.
    pod1.items["security-group-rules"][0]["protocol"] = "udp"
    run = run_pod_audit(audit_cloud.pod())
    details = {f.resource_type: (f.detail, f.repair_action) for f in run.findings.all()}
    assert details["network"] == (
        "provider:segmentation_id 100 at the top, 101 here",
        "",
    )
    assert details["port"] == ("IPs 10.0.0.5 at the top, 10.0.0.6 here", "port_sync")
    assert details["security_group"] == (
        "rules: 1 missing here, 1 not at the top",
        "security_group_sync",
    )


def attached_subnet(audit_cloud, router: dict, bottom_router: dict, pod: str, cidr: str) -> dict:
    """A network and subnet copied into the pod, with the router's interface on it (the top
    interface port and its bottom copy, attached to the pod's router)."""
    net, bottom_net = audit_cloud.copy("networks", ResourceType.NETWORK, pod=pod)
    subnet, bottom_subnet = audit_cloud.copy(
        "subnets", ResourceType.SUBNET, pod=pod, network_id=net["id"], cidr=cidr
    )
    gateway = cidr.replace("0/24", "1")
    interface = {"device_owner": "network:router_interface", "security_groups": []}
    audit_cloud.copy(
        "ports",
        ResourceType.PORT,
        pod=pod,
        network_id=net["id"],
        fixed_ips=[{"subnet_id": subnet["id"], "ip_address": gateway}],
        device_id=router["id"],
        **interface,
    )
    bottom_port = audit_cloud.pods[pod].neutron.items["ports"][-1]
    bottom_port.update(
        network_id=bottom_net["id"],
        fixed_ips=[{"subnet_id": bottom_subnet["id"], "ip_address": gateway}],
        device_id=bottom_router["id"],
    )
    return subnet


def test_a_router_missing_a_top_route_is_a_missing_copy(audit_cloud):
    route = {"destination": "192.168.0.0/24", "nexthop": "10.1.0.9"}
    router, bottom_router = audit_cloud.copy("routers", ResourceType.ROUTER, routes=[route])
    attached_subnet(audit_cloud, router, bottom_router, "Pod1", "10.1.0.0/24")
    bottom_router["routes"] = []
    run = run_pod_audit(audit_cloud.pod())
    (finding,) = run.findings.all()
    assert (finding.audit_class, finding.top_id, finding.repair_action) == (
        "missing_copy",
        router["id"],
        "router_setup",
    )
    assert finding.detail == "routes missing here: 192.168.0.0/24 via 10.1.0.9"


def test_the_bridge_routes_router_setup_plans_are_compared(audit_cloud):
    """A router in two pods: each pod's copy routes the other pod's subnet through the other
    pod's bridge port (reserved at the top); a copy without it, or with a route nobody
    planned, differs."""
    router, bottom_router = audit_cloud.copy("routers", ResourceType.ROUTER, routes=[])
    _, pod2_router = audit_cloud.copy("routers", ResourceType.ROUTER, pod="Pod2", routes=[])
    audit_cloud.pods["Pod2"].neutron.items["routers"][-1]["name"] = router["id"]
    ResourceRouting.objects.filter(bottom_id=pod2_router["id"]).update(top_id=router["id"])
    attached_subnet(audit_cloud, router, bottom_router, "Pod1", "10.1.0.0/24")
    attached_subnet(audit_cloud, router, pod2_router, "Pod2", "10.2.0.0/24")
    bridge = audit_cloud.central.add("networks", name=f"bridge_net_{PROJECT}", project_id=PROJECT)
    bridge_subnet = audit_cloud.central.add(
        "subnets", network_id=bridge["id"], cidr="100.0.0.0/24", project_id=PROJECT
    )
    for pod, address in (("Pod1", "100.0.0.11"), ("Pod2", "100.0.0.12")):
        audit_cloud.central.add(
            "ports",
            name=f"bridge_{pod}",
            project_id=PROJECT,
            network_id=bridge["id"],
            fixed_ips=[{"subnet_id": bridge_subnet["id"], "ip_address": address}],
            device_id=router["id"],
            device_owner="network:router_bridge",
        )
    bottom_router["routes"] = [{"destination": "10.9.0.0/24", "nexthop": "100.0.0.99"}]
    run = run_pod_audit(audit_cloud.pod())
    (finding,) = run.findings.filter(resource_type="router")
    assert finding.detail == (
        "routes missing here: 10.2.0.0/24 via 100.0.0.12; "
        "routes not planned: 10.9.0.0/24 via 100.0.0.99"
    )
    bottom_router["routes"] = [{"destination": "10.2.0.0/24", "nexthop": "100.0.0.12"}]
    assert not run_pod_audit(audit_cloud.pod()).findings.filter(resource_type="router")


def test_what_tricircle_did_not_make_is_unknown_and_what_the_pod_made_for_copies_is_not(
    audit_cloud,
):
    pod1 = audit_cloud.pods["Pod1"].neutron
    _net, bottom_net = audit_cloud.copy("networks", ResourceType.NETWORK)
    pod1.add("ports", network_id=bottom_net["id"], device_owner="network:dhcp")
    pod1.add("security-groups", name="default", project_id=PROJECT)
    users_net = pod1.add("networks", name="made-in-the-pod", project_id="someone")
    users_port = pod1.add("ports", network_id=bottom_net["id"], device_owner="compute:nova")
    run = run_pod_audit(audit_cloud.pod())
    assert found(run) == {
        ("unknown", "network", users_net["id"]),
        ("unknown", "port", users_port["id"]),
    }
    assert {f.repair_action for f in run.findings.all()} == {""}


def test_a_copy_the_routing_table_lost_and_a_second_copy(audit_cloud):
    pod1 = audit_cloud.pods["Pod1"].neutron
    _lost, lost_bottom = audit_cloud.copy("networks", ResourceType.NETWORK, routed=False)
    net, _ = audit_cloud.copy("networks", ResourceType.NETWORK)
    second = pod1.add("networks", name=net["id"], project_id=PROJECT)
    run = run_pod_audit(audit_cloud.pod())
    actions = {(f.audit_class, f.bottom_id, f.repair_action) for f in run.findings.all()}
    assert actions == {
        ("missing_copy", lost_bottom["id"], "record_route"),
        ("orphan", second["id"], "delete_duplicate"),
    }


def test_a_copy_being_made_is_left_alone(audit_cloud):
    top = audit_cloud.central.add("networks", project_id=PROJECT)
    audit_cloud.pods["Pod1"].neutron.add("networks", name=top["id"], project_id=PROJECT)
    ResourceRouting.objects.create(
        top_id=top["id"],
        bottom_id="",
        pod=audit_cloud.pod(),
        project_id=PROJECT,
        resource_type=ResourceType.NETWORK,
    )
    assert found(run_pod_audit(audit_cloud.pod())) == set()


def test_floating_ips_marked_with_a_gone_top_id_are_orphans(audit_cloud):
    pod1 = audit_cloud.pods["Pod1"].neutron
    router, bottom_router = audit_cloud.copy("routers", ResourceType.ROUTER)
    gone = new_id()
    orphan = pod1.add("floatingips", description=f"tricircle:{gone}", router_id=bottom_router["id"])
    users = pod1.add("floatingips", description="", router_id=None)
    run = run_pod_audit(audit_cloud.pod())
    rows = {(f.audit_class, f.bottom_id): f for f in run.findings.all()}
    assert set(rows) == {("orphan", orphan["id"]), ("unknown", users["id"])}
    assert rows["orphan", orphan["id"]].repair_args == {"router_id": router["id"]}
