"""The dashboard's pages: who may see them, the overview (pods per AZ with health and counts,
jobs by status, newest failures), the topology picture and its details, the assets."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from jobs.models import JobStatus
from networking.models import AvailabilityZoneHints
from pods.models import HealthStatus
from routing.models import ResourceType
from tests.dashboard_support import log_in
from tests.factories import PodFactory, RoutingFactory
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db

PAGES = ["/dashboard/", "/dashboard/topology", "/dashboard/jobs", "/dashboard/pods/new"]
NEUTRON = "http://127.0.0.1:20696/v2.0"


@pytest.fixture
def staff(client, keystone):
    return log_in(client)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_login(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login?next={page}")


def test_a_user_without_admin_rights_is_sent_to_login(client):
    user = get_user_model().objects.create(username="someone", is_staff=False)
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/login")


def test_login_lands_on_the_dashboard(client, keystone):
    response = client.post("/login", {"username": "admin", "password": "secret"})
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard").status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_with_labels_and_local_assets_only(staff, page):
    response = staff.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta name="viewport"' in html
    assert 'href="/static/dashboard/dashboard.css"' in html
    # No asset from the internet: every src/href is local.
    external = re.findall(r'(?:src|href)="(https?:[^"]*)"', html)
    assert external == []
    # Every form field has a label.
    for field_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id


def test_static_assets_are_served_without_collectstatic(staff):
    for asset in ("/static/dashboard/dashboard.css", "/static/dashboard/refresh.js"):
        response = staff.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"http://" not in body and b"https://" not in body


def test_overview_shows_pods_per_az_with_health_and_counts(staff):
    pod1 = PodFactory(
        region_name="Pod1",
        az_name="az1",
        health_status=HealthStatus.UP,
        last_checked_at=timezone.now() - timedelta(minutes=3),
        last_latency_ms=42.4,
    )
    PodFactory(
        region_name="Pod2",
        az_name="az2",
        health_status=HealthStatus.DOWN,
        last_error="compute: http://pod2 answered HTTP 503",
    )
    for _ in range(3):
        RoutingFactory(pod=pod1, resource_type=ResourceType.SERVER)
    RoutingFactory(pod=pod1, resource_type=ResourceType.VOLUME)
    RoutingFactory(pod=pod1, resource_type=ResourceType.NETWORK, bottom_id="b-net")
    RoutingFactory(pod=pod1, resource_type=ResourceType.PORT, bottom_id="b-port")
    html = staff.get("/dashboard/").content.decode()
    row1 = re.search(r'<tr data-pod="Pod1">(.*?)</tr>', html, re.S).group(1)
    assert 'data-health="up"' in row1
    assert "42 ms" in row1 and "3\xa0minutes ago" in row1
    assert [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row1)] == [3, 1, 1, 6]
    row2 = re.search(r'<tr data-pod="Pod2">(.*?)</tr>', html, re.S).group(1)
    assert 'data-health="down"' in row2 and "answered HTTP 503" in row2
    assert "Availability zone <strong>az1</strong>" in html
    assert "Availability zone <strong>az2</strong>" in html


def test_overview_counts_jobs_by_status_and_shows_the_newest_failures(staff):
    JobFactory(status=JobStatus.SUCCESS)
    JobFactory(status=JobStatus.SUCCESS)
    JobFactory(status=JobStatus.RUNNING)
    old = JobFactory(
        status=JobStatus.FAIL,
        last_error="old failure",
        finished_at=timezone.now() - timedelta(hours=2),
    )
    new = JobFactory(
        status=JobStatus.FAIL,
        last_error="NeutronError: security group not found",
        finished_at=timezone.now(),
    )
    html = staff.get("/dashboard/").content.decode()
    found = re.findall(r'<span class="count">(\d+)</span> <span class="label">(\w+)</span>', html)
    assert {status: int(count) for count, status in found} == {
        "NEW": 0,
        "RUNNING": 1,
        "SUCCESS": 2,
        "FAIL": 2,
    }
    assert html.index("security group not found") < html.index("old failure")
    assert f"/dashboard/jobs/{new.pk}" in html and f"/dashboard/jobs/{old.pk}" in html


def _topology_fixture():
    pod1 = PodFactory(region_name="Pod1", az_name="az1", health_status=HealthStatus.UP)
    pod2 = PodFactory(region_name="Pod2", az_name="az2", health_status=HealthStatus.UP)
    for pod in (pod1, pod2):
        RoutingFactory(
            top_id="net-1", bottom_id=f"b-{pod.region_name}", pod=pod, resource_type="network"
        )
        RoutingFactory(
            top_id="bridge-1", bottom_id=f"bb-{pod.region_name}", pod=pod, resource_type="network"
        )
        RoutingFactory(
            top_id="router-1", bottom_id=f"br-{pod.region_name}", pod=pod, resource_type="router"
        )
    RoutingFactory(top_id="net-local", bottom_id="b-local", pod=pod1, resource_type="network")
    return pod1, pod2


def test_topology_draws_azs_pods_networks_routers_and_bridges(staff, keystone):
    _topology_fixture()
    keystone.mocker.get(
        re.compile(rf"{re.escape(NEUTRON)}/networks\?"),
        json={
            "networks": [
                {"id": "net-1", "name": "web"},
                {"id": "bridge-1", "name": "bridge_net_demo"},
                {"id": "net-local", "name": "db"},
            ]
        },
    )
    keystone.mocker.get(
        re.compile(rf"{re.escape(NEUTRON)}/routers\?"),
        json={"routers": [{"id": "router-1", "name": "edge"}]},
    )
    keystone.mocker.get(
        re.compile(rf"{re.escape(NEUTRON)}/ports\?"),
        json={"ports": [{"device_id": "router-1", "device_owner": "network:router_interface"}]},
    )
    html = staff.get("/dashboard/topology").content.decode()
    svg = re.search(r"<svg id=\"topology\".*?</svg>", html, re.S).group(0)
    assert '<title id="topology-title">' in svg
    assert 'data-az="az1"' in svg and 'data-az="az2"' in svg
    assert 'data-pod="Pod1"' in svg and 'data-pod="Pod2"' in svg
    assert re.search(r'class="resource resource-network"[^>]*data-id="net-1"', svg)
    assert re.search(r'class="resource resource-router"[^>]*data-id="router-1"', svg)
    assert re.search(r'class="resource resource-bridge"[^>]*data-id="bridge-1"', svg)
    assert ">web<" in svg and ">edge<" in svg
    # net-1, bridge-1 and router-1 in both pods, net-local in Pod1: 7 lines; the bridge joins
    # the router: 1 more.
    assert svg.count('class="edge edge-materialised"') == 7
    assert svg.count('class="edge edge-joins"') == 1
    assert "materialised in Pod1, Pod2" in svg


def test_topology_falls_back_to_ids_when_the_central_neutron_does_not_answer(staff):
    _topology_fixture()
    response = staff.get("/dashboard/topology")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Names unavailable" in html
    assert 'data-id="net-1"' in html and ">net-1<" in html
    # No name, so no bridge can be recognised: drawn as a plain network.
    assert "resource-bridge" not in html.split("</svg>")[0].split("<svg")[1]


def test_topology_without_networks_says_so(staff):
    PodFactory(region_name="Pod1", az_name="az1")
    html = staff.get("/dashboard/topology").content.decode()
    assert "No network or router is materialised in a pod yet." in html
    assert 'data-pod="Pod1"' in html


def test_clicking_a_resource_shows_its_routing_entries_and_jobs(staff):
    _topology_fixture()
    AvailabilityZoneHints.objects.create(
        top_id="net-1", resource_type="network", project_id="demo-project", hints=["az1", "az2"]
    )
    job = JobFactory(
        type="test_network",
        resource={"network_id": "net-1", "pod_id": "p"},
        status=JobStatus.FAIL,
    )
    JobFactory(type="test_network", resource={"network_id": "net-2", "pod_id": "p"})
    html = staff.get("/dashboard/topology", {"resource": "net-1"}).content.decode()
    assert 'href="?resource=net-1#details"' in html
    details = html.split('id="details"')[1]
    assert "b-Pod1" in details and "b-Pod2" in details
    assert "az1, az2" in details
    assert f"/dashboard/jobs/{job.pk}" in details
    assert details.count("/dashboard/jobs/") == 1
    assert re.search(r'class="resource resource-network selected"', html)


def test_pages_cannot_be_framed(client):
    response = client.get("/login")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"
