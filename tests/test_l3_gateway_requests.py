"""The gateway asks for a router's router_setup job after the calls that change its pods
(interfaces, router updates, hinted creates, floating IPs, deletion), a boot in a new pod asks
for the routers of its network, and the admin API shows a router across its pods."""

from __future__ import annotations

import pytest

from jobs import services as jobs
from jobs.models import Job
from networking import boot, bottom
from tests.factories import PodFactory, RoutingFactory
from tests.fake_neutron import FakeNeutron

pytestmark = pytest.mark.django_db

NEUTRON = "http://central-neutron.test:9696"
PROJECT = "demo-project"


@pytest.fixture
def top(settings, keystone) -> FakeNeutron:
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    return FakeNeutron(keystone.mocker, NEUTRON)


@pytest.fixture
def pod1(keystone) -> FakeNeutron:
    base = keystone.add_region("Pod1")
    PodFactory(region_name="Pod1", az_name="az1")
    return FakeNeutron(keystone.mocker, f"{base}/networking")


def router_jobs() -> list[tuple[str, str, int]]:
    return [
        (job.resource["router_id"], job.project_id, job.request_count)
        for job in Job.objects.filter(type="router_setup").order_by("id")
    ]


def test_interface_add_and_remove_ask_for_the_routers_job(demo, top):
    router = top.add("routers", name="r", project_id=PROJECT)
    net = top.add("networks", project_id=PROJECT)
    subnet = top.add("subnets", network_id=net["id"], cidr="10.1.0.0/24", project_id=PROJECT)
    path = f"/networking/v2.0/routers/{router['id']}"
    answer = demo.put(f"{path}/add_router_interface", {"subnet_id": subnet["id"]}, format="json")
    assert answer.status_code == 200
    demo.put(f"{path}/remove_router_interface", {"subnet_id": subnet["id"]}, format="json")
    # The second request merged into the first job, which has not run yet.
    assert router_jobs() == [(router["id"], PROJECT, 2)]


def test_a_refused_interface_add_asks_for_nothing(demo, top):
    router = top.add("routers", name="r", project_id=PROJECT)
    answer = demo.put(
        f"/networking/v2.0/routers/{router['id']}/add_router_interface",
        {"port_id": "missing"},
        format="json",
    )
    assert answer.status_code >= 400
    assert router_jobs() == []


def test_router_update_and_hinted_create_ask_for_the_job(demo, top, pod1):
    router = top.add("routers", name="r", project_id=PROJECT)
    answer = demo.put(
        f"/networking/v2.0/routers/{router['id']}", {"router": {"routes": []}}, format="json"
    )
    assert answer.status_code == 200
    answer = demo.post(
        "/networking/v2.0/routers",
        {"router": {"name": "hinted", "availability_zone_hints": ["Pod1"]}},
        format="json",
    )
    assert answer.status_code == 201
    hinted = answer.json()["router"]
    assert {job[0] for job in router_jobs()} == {router["id"], hinted["id"]}
    answer = demo.post("/networking/v2.0/routers", {"router": {"name": "plain"}}, format="json")
    assert len(router_jobs()) == 2


def test_floating_ip_create_and_delete_ask_for_the_routers_job(demo, top):
    router = top.add("routers", name="r", project_id=PROJECT)
    net = top.add("networks", project_id=PROJECT)
    subnet = top.add("subnets", network_id=net["id"], cidr="10.1.0.0/24", project_id=PROJECT)
    top.add(
        "ports",
        network_id=net["id"],
        fixed_ips=[{"subnet_id": subnet["id"], "ip_address": "10.1.0.1"}],
        device_id=router["id"],
        device_owner="network:router_interface",
    )
    vm = top.add("ports", network_id=net["id"], fixed_ips=[{"subnet_id": subnet["id"]}])
    answer = demo.post(
        "/networking/v2.0/floatingips",
        {"floatingip": {"floating_network_id": "ext", "port_id": vm["id"]}},
        format="json",
    )
    assert answer.status_code == 201
    fip = answer.json()["floatingip"]
    (job,) = Job.objects.filter(type="router_setup")
    job.status = "SUCCESS"
    job.save()
    assert demo.delete(f"/networking/v2.0/floatingips/{fip['id']}").status_code == 204
    assert [job[0] for job in router_jobs()] == [router["id"], router["id"]]


def test_deleting_a_router_with_bottom_routers_asks_for_its_job_not_a_cleanup(demo, top):
    router = top.add("routers", name="r", project_id=PROJECT)
    RoutingFactory(top_id=router["id"], bottom_id="b1", resource_type="router")
    assert demo.delete(f"/networking/v2.0/routers/{router['id']}").status_code == 204
    assert router_jobs() == [(router["id"], PROJECT, 1)]
    assert not Job.objects.filter(type="bottom_cleanup").exists()


def test_a_boot_bringing_a_network_into_a_pod_asks_for_its_routers(top, pod1):
    router = top.add("routers", name="r", project_id=PROJECT)
    net = top.add("networks", project_id=PROJECT)
    subnet = top.add(
        "subnets", network_id=net["id"], cidr="10.1.0.0/24", project_id=PROJECT, enable_dhcp=False
    )
    top.add(
        "ports",
        network_id=net["id"],
        project_id=PROJECT,
        fixed_ips=[{"subnet_id": subnet["id"], "ip_address": "10.1.0.1"}],
        device_id=router["id"],
        device_owner="network:router_interface",
    )
    first = top.add("ports", network_id=net["id"], fixed_ips=[{"subnet_id": subnet["id"]}])
    second = top.add("ports", network_id=net["id"], fixed_ips=[{"subnet_id": subnet["id"]}])
    pod = PodFactory._meta.model.objects.get(region_name="Pod1")
    boot.bottom_ports(pod, PROJECT, [first["id"]])
    assert router_jobs() == [(router["id"], PROJECT, 1)]
    # The network is already there for the next boot: nothing more to ask.
    boot.bottom_ports(pod, PROJECT, [second["id"]])
    assert router_jobs() == [(router["id"], PROJECT, 1)]


def test_admin_api_shows_a_router_across_its_pods(admin, demo, top, pod1, keystone):
    base = keystone.add_region("Pod2")
    pod2 = FakeNeutron(keystone.mocker, f"{base}/networking")
    pods = {"Pod1": PodFactory._meta.model.objects.get(region_name="Pod1")}
    pods["Pod2"] = PodFactory(region_name="Pod2", az_name="az2")
    router = top.add("routers", name="r", project_id=PROJECT)
    for region, cidr in (("Pod1", "10.1.0.0/24"), ("Pod2", "10.2.0.0/24")):
        net = top.add("networks", project_id=PROJECT)
        subnet = top.add(
            "subnets", network_id=net["id"], cidr=cidr, project_id=PROJECT, enable_dhcp=False
        )
        top.add(
            "ports",
            network_id=net["id"],
            project_id=PROJECT,
            fixed_ips=[{"subnet_id": subnet["id"], "ip_address": subnet["gateway_ip"]}],
            device_id=router["id"],
            device_owner="network:router_interface",
        )
        bottom.ensure_network(pods[region], net["id"], PROJECT)
    job = jobs.request_job("router_setup", PROJECT, {"router_id": router["id"]})
    assert jobs.run(job.pk) == "SUCCESS"

    answer = admin.get(f"/v1.0/routers/{router['id']}")
    assert answer.status_code == 200, answer.content
    shown = answer.json()["router"]
    assert [pod["region_name"] for pod in shown["pods"]] == ["Pod1", "Pod2"]
    assert shown["pods"][0]["routes"] == [
        {"destination": "10.2.0.0/24", "nexthop": shown["pods"][0]["routes"][0]["nexthop"]}
    ]
    assert len(shown["pods"][1]["interfaces"]) == 2
    assert shown["bridge_network"]["name"] == f"bridge_net_{PROJECT}"
    assert shown["bridge_network"]["pods"] == ["Pod1", "Pod2"]
    assert shown["last_job"]["id"] == str(job.pk)
    assert shown["last_job"]["status"] == "SUCCESS"
    assert pod2.named("routers", router["id"])

    assert demo.get(f"/v1.0/routers/{router['id']}").status_code == 403
    assert admin.get("/v1.0/routers/unknown").status_code == 404
