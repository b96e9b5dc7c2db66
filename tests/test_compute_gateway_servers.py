"""The Compute API across pods, against fake Novas."""

import pytest
from keystoneauth1 import exceptions as ks_exceptions

from gateway import microversions
from gateway.models import Flavor
from jobs.models import Job
from pods.models import PodBinding
from routing.models import ResourceRouting
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_version_cache():
    microversions._ranges.clear()


def route(server_id: str, pod_name: str, project: str = "demo-project") -> None:
    from pods.models import Pod

    RoutingFactory(top_id=server_id, pod=Pod.objects.get(region_name=pod_name), project_id=project)


def test_version_documents_advertise_the_lowest_maximum(anonymous, novas):
    legacy, version = anonymous.get("/compute/").json()["versions"]
    assert (version["min_version"], version["version"]) == ("2.1", "2.90")
    assert anonymous.get("/compute/v2.1").json()["version"]["version"] == "2.90"
    # Nova lists its deprecated v2.0 first, and its link is followable.
    assert (legacy["id"], legacy["status"], legacy["version"]) == ("v2.0", "DEPRECATED", "")
    assert anonymous.get(legacy["links"][0]["href"]).json()["version"]["id"] == "v2.0"


def test_microversion_outside_the_range_is_a_406(demo, novas):
    response = demo.get("/compute/v2.1/servers", HTTP_X_OPENSTACK_NOVA_API_VERSION="2.95")
    assert response.status_code == 406
    assert "maximum is 2.90" in response.json()["notAcceptable"]["message"]


def test_list_merges_pods_newest_first_and_pages_across_them(demo, novas):
    novas["Pod1"].add("a", "one", "2026-01-01T00:00:01Z")
    novas["Pod2"].add("b", "two", "2026-01-01T00:00:02Z")
    novas["Pod1"].add("c", "three", "2026-01-01T00:00:03Z")
    novas["Pod2"].add("d", "four", "2026-01-01T00:00:04Z")
    for server_id, pod in (("a", "Pod1"), ("b", "Pod2"), ("c", "Pod1"), ("d", "Pod2")):
        route(server_id, pod)
    body = demo.get("/compute/v2.1/servers/detail").json()
    assert [server["id"] for server in body["servers"]] == ["d", "c", "b", "a"]
    seen, url = [], "/compute/v2.1/servers?limit=1"
    while url:
        page = demo.get(url).json()
        seen += [server["id"] for server in page["servers"]]
        assert all(set(server) == {"id", "name", "links"} for server in page["servers"])
        links = page.get("servers_links", [])
        url = links[0]["href"].replace("http://testserver", "") if links else None
        assert len(seen) <= 4
    assert seen == ["d", "c", "b", "a"]
    body = demo.get("/compute/v2.1/servers/detail?sort_key=display_name&sort_dir=asc").json()
    assert [server["name"] for server in body["servers"]] == ["four", "one", "three", "two"]


def test_links_point_at_the_gateway(demo, novas):
    novas["Pod1"].add("a", "one", "2026-01-01T00:00:01Z")
    route("a", "Pod1")
    body = demo.get("/compute/v2.1/servers/a").json()
    assert body["server"]["links"][0]["href"] == "http://testserver/compute/v2.1/servers/a"
    for path in ("/compute/v2.1/servers", "/compute/v2.1/servers/detail"):
        (listed,) = demo.get(path).json()["servers"]
        assert listed["links"][0]["href"] == "http://testserver/compute/v2.1/servers/a"


def test_unknown_marker_or_server_is_a_nova_fault(demo, novas):
    response = demo.get("/compute/v2.1/servers/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["itemNotFound"]["message"]
    response = demo.get("/compute/v2.1/servers?marker=nope")
    assert response.status_code == 400  # Nova's answer to an unknown marker
    assert response.json()["badRequest"]["message"] == "marker [nope] not found"
    response = demo.get("/compute/v2.1/servers?limit=x")
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == "limit must be an integer."


def test_a_pod_that_does_not_answer_gives_stubs_from_2_69(demo, novas, keystone):
    novas["Pod1"].add("a", "one", "2026-01-01T00:00:01Z")
    route("a", "Pod1")
    route("lost", "Pod2")
    keystone.mocker.get(f"{novas['Pod2'].base}/servers/detail", exc=ks_exceptions.ConnectFailure)
    response = demo.get("/compute/v2.1/servers/detail", HTTP_X_OPENSTACK_NOVA_API_VERSION="2.69")
    assert response.status_code == 200
    servers = {server["id"]: server for server in response.json()["servers"]}
    assert servers["a"]["status"] == "ACTIVE"
    assert servers["lost"]["status"] == "UNKNOWN"
    assert response["X-Tricircle-Unavailable-Pods"] == "Pod2"
    older = demo.get("/compute/v2.1/servers/detail", HTTP_X_OPENSTACK_NOVA_API_VERSION="2.68")
    assert [server["id"] for server in older.json()["servers"]] == ["a"]


def test_create_goes_to_the_pod_of_the_zone_and_is_routed(demo, novas):
    Flavor.objects.create(id="1", name="m1.tiny", ram=512, vcpus=1, disk=1)
    response = demo.post(
        "/compute/v2.1/servers",
        {
            "server": {
                "name": "vm",
                "flavorRef": "1",
                "imageRef": "i",
                "availability_zone": "az1",
                "networks": "none",
            }
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    server_id = response.json()["server"]["id"]
    (sent,) = novas["Pod1"].created
    assert sent["availability_zone"] == "nova"
    assert ResourceRouting.objects.get(top_id=server_id).pod.region_name == "Pod1"
    assert PodBinding.objects.get(project_id="demo-project", az_name="az1").pod.region_name == (
        "Pod1"
    )
    assert demo.get(f"/compute/v2.1/servers/{server_id}").status_code == 200


def test_create_in_an_unknown_zone_is_a_400(demo, novas):
    response = demo.post(
        "/compute/v2.1/servers",
        {"server": {"name": "vm", "flavorRef": "1", "availability_zone": "az9"}},
        format="json",
    )
    assert response.status_code == 400
    assert "az9" in response.json()["badRequest"]["message"]
    assert not novas["Pod1"].created and not novas["Pod2"].created


def test_bad_create_body_is_a_400(demo, novas):
    response = demo.post("/compute/v2.1/servers", {"vm": {}}, format="json")
    assert response.status_code == 400
    response = demo.post(
        "/compute/v2.1/servers", {"server": {"name": "x", "networks": "auto"}}, format="json"
    )
    assert response.status_code == 400


def test_availability_zones_are_the_pods_zones(demo, novas):
    zones = demo.get("/compute/v2.1/os-availability-zone").json()["availabilityZoneInfo"]
    assert [zone["zoneName"] for zone in zones] == ["az1", "az2"]


def test_the_zones_detail_is_for_admins_as_in_nova(admin, demo, novas):
    refused = demo.get("/compute/v2.1/os-availability-zone/detail")
    assert refused.status_code == 403
    assert "os-availability-zone:detail" in refused.json()["forbidden"]["message"]
    assert admin.get("/compute/v2.1/os-availability-zone/detail").status_code == 200


def test_no_token_is_a_401_in_nova_format(anonymous, novas):
    response = anonymous.get("/compute/v2.1/servers")
    assert response.status_code == 401
    assert response.json()["unauthorized"]["code"] == 401


def test_actions_are_forwarded_whatever_the_accept_header(demo, novas, keystone):
    novas["Pod2"].add("a", "one", "2026-01-01T00:00:01Z")
    route("a", "Pod2")
    action = keystone.mocker.post(f"{novas['Pod2'].base}/servers/a/action", status_code=202)
    response = demo.post(
        "/compute/v2.1/servers/a/action", {"os-stop": None}, format="json", HTTP_ACCEPT="*/*;q=0"
    )
    assert response.status_code == 202
    assert action.last_request.json() == {"os-stop": None}


def test_interfaces_speak_top_port_ids(demo, novas, keystone, settings):
    from pods.models import Pod

    settings.CENTRAL_NEUTRON_URL = "http://central.test"
    novas["Pod1"].add("a", "one", "2026-01-01T00:00:01Z")
    route("a", "Pod1")
    pod1 = Pod.objects.get(region_name="Pod1")
    RoutingFactory(top_id="p1", bottom_id="bp1", pod=pod1, resource_type="port")
    RoutingFactory(top_id="n1", bottom_id="bn1", pod=pod1, resource_type="network")
    base = f"{novas['Pod1'].base}/servers/a/os-interface"
    keystone.mocker.get(
        base,
        json={
            "interfaceAttachments": [{"port_id": "bp1", "net_id": "bn1", "port_state": "ACTIVE"}]
        },
    )
    listed = demo.get("/compute/v2.1/servers/a/os-interface").json()["interfaceAttachments"]
    assert listed == [{"port_id": "p1", "net_id": "n1", "port_state": "ACTIVE"}]
    detached = keystone.mocker.delete(f"{base}/bp1", status_code=202)
    keystone.mocker.get("http://central.test/v2.0/ports/p1", json={"port": {"description": ""}})
    assert demo.delete("/compute/v2.1/servers/a/os-interface/p1").status_code == 202
    assert detached.called
    job = Job.objects.get(type="boot_port_release")
    assert job.resource == {"port_id": "p1", "origin": "user"}
    assert demo.delete("/compute/v2.1/servers/a/os-interface/unknown").status_code == 404


def test_addresses_are_labelled_with_top_network_names(demo, novas, keystone, settings):
    from pods.models import Pod

    settings.CENTRAL_NEUTRON_URL = "http://central.test"
    novas["Pod1"].add(
        "a", "one", "2026-01-01T00:00:01Z", addresses={"n1": [{"addr": "10.0.0.5", "version": 4}]}
    )
    route("a", "Pod1")
    RoutingFactory(
        top_id="n1",
        bottom_id="bn1",
        pod=Pod.objects.get(region_name="Pod1"),
        resource_type="network",
    )
    keystone.mocker.get(
        "http://central.test/v2.0/networks", json={"networks": [{"id": "n1", "name": "private"}]}
    )
    shown = demo.get("/compute/v2.1/servers/a").json()["server"]
    assert shown["addresses"] == {"private": [{"addr": "10.0.0.5", "version": 4}]}
    listed = demo.get("/compute/v2.1/servers/detail").json()["servers"]
    assert listed[0]["addresses"] == {"private": [{"addr": "10.0.0.5", "version": 4}]}


def test_boot_from_a_volume_goes_to_the_volumes_pod(demo, novas):
    from pods.models import Pod

    Flavor.objects.create(id="1", name="m1.tiny", ram=512, vcpus=1, disk=1)
    RoutingFactory(top_id="v1", pod=Pod.objects.get(region_name="Pod2"), resource_type="volume")
    bdm = [{"uuid": "v1", "source_type": "volume", "destination_type": "volume", "boot_index": 0}]
    body = {
        "server": {
            "name": "vm",
            "flavorRef": "1",
            "networks": "none",
            "block_device_mapping_v2": bdm,
        }
    }
    assert demo.post("/compute/v2.1/servers", body, format="json").status_code == 202
    assert novas["Pod2"].created and not novas["Pod1"].created
    body["server"]["availability_zone"] = "az1"
    response = demo.post("/compute/v2.1/servers", body, format="json")
    assert response.status_code == 409
    assert "Pod2" in response.json()["conflictingRequest"]["message"]


def test_a_full_last_page_still_has_a_next_link_like_nova(demo, novas):
    novas["Pod1"].add("a", "one", "2026-01-01T00:00:01Z")
    route("a", "Pod1")
    page = demo.get("/compute/v2.1/servers?limit=1").json()
    assert page["servers_links"][0]["href"].endswith("marker=a")
    after = demo.get("/compute/v2.1/servers?limit=1&marker=a").json()
    assert after == {"servers": []}


def test_a_create_without_a_zone_goes_to_the_default_zone(demo, novas, settings):
    settings.DEFAULT_AVAILABILITY_ZONE = "az2"
    Flavor.objects.create(id="1", name="m1.tiny", ram=512, vcpus=1, disk=1)
    body = {"server": {"name": "vm", "flavorRef": "1", "networks": "none"}}
    for _ in range(2):
        assert demo.post("/compute/v2.1/servers", body, format="json").status_code == 202
    assert len(novas["Pod2"].created) == 2 and not novas["Pod1"].created
