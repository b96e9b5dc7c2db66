"""Tenant confinement through the real lab: a member of one project (demo) names resources of
another project (alt_demo) in every call of the compute, volume and network gateways that takes
an id, and is refused as the pod itself refuses it; nothing changes, at the top, in either pod,
in the routing table or in the jobs. Tricircle holds an admin account in every pod, so each of
these would otherwise be done with admin rights.

The module makes alt_demo's network, port, security group, volume and server once (and demo's
server and network), then runs each refused call between two snapshots of what it could have
changed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.http_client import Client, direct
from tests.lab.waiting import eventually

NET = "/networking/v2.0"
NOVA = "/compute/v2.1"
CINDER = "/volume/v3"
REFUSED_NAME = f"confinement-{uuid.uuid4().hex[:6]}"


def network(client: Client, name: str, cidr: str) -> tuple[dict, dict]:
    net = client.ok("POST", f"{NET}/networks", {"network": {"name": name}})["network"]
    subnet = client.ok(
        "POST",
        f"{NET}/subnets",
        {"subnet": {"network_id": net["id"], "cidr": cidr, "ip_version": 4, "name": name}},
    )["subnet"]
    return net, subnet


def boot(client: Client, lab: dict[str, Any], name: str, network_id: str) -> dict:
    server = client.ok("POST", f"{NOVA}/servers", boot_body(lab, name, {"uuid": network_id}))
    server_id = server["server"]["id"]

    def active() -> bool:
        status = client.ok("GET", f"{NOVA}/servers/{server_id}")["server"]["status"]
        assert status != "ERROR"
        return status == "ACTIVE"

    assert eventually(active, timeout=120, interval=0.5)
    return client.ok("GET", f"{NOVA}/servers/{server_id}")["server"]


def boot_body(lab: dict[str, Any], name: str, *networks: dict, zone: str = "az1") -> dict:
    return {
        "server": {
            "name": name,
            "flavorRef": "1",
            "imageRef": lab["image_id"],
            "availability_zone": zone,
            "networks": list(networks),
        }
    }


@pytest.fixture(scope="module")
def world(lab: dict[str, Any], demo: Client, alt: Client) -> Iterator[dict[str, Any]]:
    """alt_demo's resources (the ones demo will name) and demo's own server to act on."""
    alt_net, alt_subnet = network(alt, f"alt-{REFUSED_NAME}", "10.81.0.0/24")
    alt_port = alt.ok("POST", f"{NET}/ports", {"port": {"network_id": alt_net["id"]}})["port"]
    alt_group = alt.ok(
        "POST", f"{NET}/security-groups", {"security_group": {"name": f"alt-{REFUSED_NAME}"}}
    )["security_group"]
    alt_volume = alt.ok(
        "POST", f"{CINDER}/volumes", {"volume": {"size": 1, "availability_zone": "az1"}}
    )["volume"]
    demo_net, _ = network(demo, f"demo-{REFUSED_NAME}", "10.82.0.0/24")
    demo_group = demo.ok(
        "POST", f"{NET}/security-groups", {"security_group": {"name": f"demo-{REFUSED_NAME}"}}
    )["security_group"]
    demo_router = demo.ok("POST", f"{NET}/routers", {"router": {"name": REFUSED_NAME}})["router"]
    alt_server = boot(alt, lab, f"alt-{REFUSED_NAME}", alt_net["id"])
    demo_server = boot(demo, lab, f"demo-{REFUSED_NAME}", demo_net["id"])
    assert eventually(
        lambda: (
            alt.ok("GET", f"{CINDER}/volumes/{alt_volume['id']}")["volume"]["status"] == "available"
        ),
        timeout=60,
    )
    world = {
        "alt_net": alt_net,
        "alt_subnet": alt_subnet,
        "alt_port": alt_port,
        "alt_group": alt_group,
        "alt_volume": alt_volume,
        "alt_server": alt_server,
        "demo_net": demo_net,
        "demo_group": demo_group,
        "demo_router": demo_router,
        "demo_server": demo_server,
    }
    yield world
    for client, server in ((alt, alt_server), (demo, demo_server)):
        client.request("DELETE", f"{NOVA}/servers/{server['id']}")
    for client, server in ((alt, alt_server), (demo, demo_server)):
        eventually(
            lambda c=client, s=server: (
                c.request("GET", f"{NOVA}/servers/{s['id']}").status_code == 404
            ),
            timeout=60,
        )
    alt.request("DELETE", f"{CINDER}/volumes/{alt_volume['id']}")
    demo.request("DELETE", f"{NET}/routers/{demo_router['id']}")
    for client, path in (
        (alt, f"{NET}/ports/{alt_port['id']}"),
        (alt, f"{NET}/security-groups/{alt_group['id']}"),
        (demo, f"{NET}/security-groups/{demo_group['id']}"),
    ):
        client.request("DELETE", path)
    for client, net in ((alt, alt_net), (demo, demo_net)):
        eventually(
            lambda c=client, n=net: (
                c.request("DELETE", f"{NET}/networks/{n['id']}").status_code in {204, 404}
            ),
            timeout=60,
        )


def snapshot(lab: dict[str, Any], admin: Client, alt: Client, world: dict[str, Any]) -> dict:
    """Everything a refused call could have changed: alt_demo's resources as alt_demo sees
    them at the top, the routing entries and bottom copies of the ids involved in both pods,
    servers and volumes of the refused calls' name, and the jobs about them."""
    alt_ids = {world[key]["id"] for key in world if key.startswith("alt_")}
    tracked = alt_ids | {world["demo_server"]["id"], world["demo_net"]["id"]}
    routings = admin.ok("GET", "/v1.0/routings?limit=1000")["routings"]
    state: dict[str, Any] = {
        "routings": sorted(
            (r["top_id"], r["bottom_id"], r["resource_type"], r["pod_id"])
            for r in routings
            if r["top_id"] in tracked
        ),
        # Jobs about anything involved (other lab tests may run meanwhile, with jobs of their own).
        "jobs": sorted(
            job["id"]
            for job in admin.ok("GET", "/v1.0/jobs?limit=1000")["jobs"]
            if job["project_id"] == alt.project_id or any(i in json.dumps(job) for i in tracked)
        ),
        "alt_port": pick(
            alt.ok("GET", f"{NET}/ports/{world['alt_port']['id']}")["port"],
            "device_id",
            "device_owner",
            "fixed_ips",
        ),
        "alt_volume": pick(
            alt.ok("GET", f"{CINDER}/volumes/{world['alt_volume']['id']}")["volume"],
            "status",
            "attachments",
            "size",
        ),
        "alt_server": pick(
            alt.ok("GET", f"{NOVA}/servers/{world['alt_server']['id']}")["server"], "status"
        ),
        "demo_server_ports": sorted(
            port["id"]
            for port in admin.ok("GET", f"{NET}/ports?device_id={world['demo_server']['id']}")[
                "ports"
            ]
        ),
        "top_routers": admin.ok("GET", f"{NET}/ports?device_id={world['demo_router']['id']}")[
            "ports"
        ],
    }
    for pod in lab["pods"]:
        region = pod["region_name"]
        neutron = direct(lab, "admin", pod["neutron_url"] + "/v2.0")
        nova = direct(lab, "admin", pod["nova_url"])
        cinder = direct(lab, "admin", pod["cinder_url"])
        state[region] = {
            "copies": sorted(
                (item["name"], item["id"])
                for collection in ("networks", "ports", "security-groups", "subnets")
                for item in neutron.get(f"/{collection}").json()[collection.replace("-", "_")]
                if item["name"] in alt_ids
            ),
            "servers": sorted(
                (server["id"], server["status"])
                for server in nova.get(
                    "/servers/detail", params={"all_tenants": 1, "name": "confinement-"}
                ).json()["servers"]
            ),
            "volumes": sorted(
                (volume["id"], volume["status"])
                for volume in cinder.get(
                    "/volumes/detail", params={"all_tenants": 1, "name": REFUSED_NAME}
                ).json()["volumes"]
            ),
        }
    return state


def pick(item: dict, *fields: str) -> dict:
    return {field: item.get(field) for field in fields}


# (name, method, path, body, expected status): paths and bodies name alt_demo's resources
# through {placeholders} filled from the world fixture.
CASES = [
    # compute
    ("boot on another's port, az1", "POST", "/servers", "boot_port_az1", 400),
    ("boot on another's port, az2", "POST", "/servers", "boot_port_az2", 400),
    ("boot on another's network", "POST", "/servers", "boot_network", 400),
    ("boot with another's security group", "POST", "/servers", "boot_group", 400),
    ("boot from another's volume", "POST", "/servers", "boot_volume", 400),
    ("attach another's port", "POST", "/servers/{demo_server}/os-interface", "attach_port", 404),
    (
        "attach on another's network",
        "POST",
        "/servers/{demo_server}/os-interface",
        "attach_net",
        404,
    ),
    (
        "attach another's volume",
        "POST",
        "/servers/{demo_server}/os-volume_attachments",
        "attach_volume",
        404,
    ),
    ("show another's server", "GET", "/servers/{alt_server}", None, 404),
    ("stop another's server", "POST", "/servers/{alt_server}/action", "stop", 404),
    ("delete another's server", "DELETE", "/servers/{alt_server}", None, 404),
    ("interfaces of another's server", "GET", "/servers/{alt_server}/os-interface", None, 404),
]
VOLUME_CASES = [
    ("show another's volume", "GET", "/volumes/{alt_volume}", None, 404),
    ("extend another's volume", "POST", "/volumes/{alt_volume}/action", "extend", 404),
    ("snapshot another's volume", "POST", "/snapshots", "snapshot", 404),
    ("clone another's volume", "POST", "/volumes", "clone", 404),
    ("delete another's volume", "DELETE", "/volumes/{alt_volume}", None, 404),
]
NETWORK_CASES = [
    ("port on another's network", "POST", "/ports", "port_on_network", 404),
    ("update another's port", "PUT", "/ports/{alt_port}", "port_update", 404),
    (
        "router interface on another's subnet",
        "PUT",
        "/routers/{demo_router}/add_router_interface",
        "router_subnet",
        404,
    ),
    ("rule naming another's group", "POST", "/security-group-rules", "remote_group", 404),
    ("delete another's network", "DELETE", "/networks/{alt_net}", None, 404),
    ("delete another's security group", "DELETE", "/security-groups/{alt_group}", None, 404),
]


def body_of(name: str | None, lab: dict[str, Any], world: dict[str, Any]) -> dict | None:
    ids = {key: value["id"] for key, value in world.items()}
    bodies: dict[str, dict] = {
        "boot_port_az1": boot_body(lab, REFUSED_NAME, {"port": ids["alt_port"]}),
        "boot_port_az2": boot_body(lab, REFUSED_NAME, {"port": ids["alt_port"]}, zone="az2"),
        "boot_network": boot_body(lab, REFUSED_NAME, {"uuid": ids["alt_net"]}),
        "boot_group": {
            "server": {
                **boot_body(lab, REFUSED_NAME, {"uuid": ids["demo_net"]})["server"],
                "security_groups": [{"name": world["alt_group"]["name"]}],
            }
        },
        "boot_volume": {
            "server": {
                **boot_body(lab, REFUSED_NAME, {"uuid": ids["demo_net"]})["server"],
                "imageRef": "",
                "block_device_mapping_v2": [
                    {
                        "uuid": ids["alt_volume"],
                        "source_type": "volume",
                        "destination_type": "volume",
                        "boot_index": 0,
                    }
                ],
            }
        },
        "attach_port": {"interfaceAttachment": {"port_id": ids["alt_port"]}},
        "attach_net": {"interfaceAttachment": {"net_id": ids["alt_net"]}},
        "attach_volume": {"volumeAttachment": {"volumeId": ids["alt_volume"]}},
        "stop": {"os-stop": None},
        "extend": {"os-extend": {"new_size": 2}},
        "snapshot": {"snapshot": {"volume_id": ids["alt_volume"], "name": REFUSED_NAME}},
        "clone": {"volume": {"source_volid": ids["alt_volume"], "size": 1, "name": REFUSED_NAME}},
        "port_on_network": {"port": {"network_id": ids["alt_net"], "name": REFUSED_NAME}},
        "port_update": {"port": {"device_id": "stolen"}},
        "router_subnet": {"subnet_id": ids["alt_subnet"]},
        "remote_group": {
            "security_group_rule": {
                "security_group_id": ids["demo_group"],
                "direction": "ingress",
                "remote_group_id": ids["alt_group"],
            }
        },
    }
    return bodies[name] if name else None


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "status"),
    [(NOVA, *case[1:]) for case in CASES]
    + [(CINDER, *case[1:]) for case in VOLUME_CASES]
    + [(NET, *case[1:]) for case in NETWORK_CASES],
    ids=[case[0] for case in CASES + VOLUME_CASES + NETWORK_CASES],
)
def test_naming_another_projects_resource_is_refused_and_changes_nothing(
    lab: dict[str, Any],
    demo: Client,
    alt: Client,
    admin: Client,
    world: dict[str, Any],
    what: str,
    method: str,
    path: str,
    body: str | None,
    status: int,
) -> None:
    before = snapshot(lab, admin, alt, world)
    url = what + path.format(**{key: value["id"] for key, value in world.items()})
    response = demo.request(method, url, body_of(body, lab, world))
    assert response.status_code == status, response.text
    fault = response.json()
    if what == NET:
        assert fault["NeutronError"]["type"]
    else:
        (fault_body,) = fault.values()
        assert fault_body["code"] == status and fault_body["message"]
    assert snapshot(lab, admin, alt, world) == before


def test_a_pod_refuses_the_same_boot_the_same_way(
    lab: dict[str, Any], world: dict[str, Any], demo: Client
) -> None:
    """The reference: the same boot on another project's port, sent to Pod1's Nova directly."""
    body = boot_body(lab, REFUSED_NAME, {"port": world["alt_port"]["id"]})
    body["server"].pop("availability_zone")
    directly = direct(lab, "demo", lab["pods"][0]["nova_url"]).post("/servers", json=body)
    through = demo.request(
        "POST", f"{NOVA}/servers", boot_body(lab, REFUSED_NAME, {"port": world["alt_port"]["id"]})
    )
    assert (through.status_code, through.json()) == (directly.status_code, directly.json())


def test_the_owner_still_reaches_everything(alt: Client, world: dict[str, Any]) -> None:
    """After every refusal above (deletes, shows that 404'd to demo): alt_demo's own view."""
    assert alt.ok("GET", f"{CINDER}/volumes/{world['alt_volume']['id']}")["volume"]
    assert alt.ok("GET", f"{NOVA}/servers/{world['alt_server']['id']}")["server"]["status"] == (
        "ACTIVE"
    )
    assert alt.ok("GET", f"{NET}/ports/{world['alt_port']['id']}")["port"]["device_id"] == ""


@pytest.mark.lab_exclusive
def test_an_unknown_port_leaves_no_job(lab: dict[str, Any], demo: Client, admin: Client) -> None:
    jobs_before = {job["id"] for job in admin.ok("GET", "/v1.0/jobs?limit=1000")["jobs"]}
    missing = str(uuid.uuid4())
    response = demo.request(
        "POST", f"{NOVA}/servers", boot_body(lab, REFUSED_NAME, {"port": missing})
    )
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == f"Port id {missing} could not be found."
    jobs_after = {job["id"] for job in admin.ok("GET", "/v1.0/jobs?limit=1000")["jobs"]}
    assert jobs_after == jobs_before
