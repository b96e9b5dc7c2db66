"""Nova's security group proxy APIs (os-security-groups, os-security-group-rules, before 2.36)
are answered from the central Neutron with the caller's token, as Nova's Neutron-backed
implementation answers them; no pod's Nova (whose Neutron is not the top's) is asked."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from gateway import microversions
from jobs.models import Job
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db
NEUTRON = "http://central.test"
API = "/compute/v2.1"
WEB = "8e51a6e3-87ea-4d6c-a30b-769331e2b678"
DB = "0b5e6c59-5e43-4a44-b8c1-3d2d5e1e3f10"
DEFAULT = "2f1d7c2a-0d6b-4d0e-8a5e-58a1c2a1f6a1"
OTHERS = "c5d5b9b0-53b8-4b8e-9f8f-2c6a3a3b4d5e"
GONE = "d6a1f0a4-1b8e-4c4e-8d7c-0b9c6c2f1e00"
REQUEST_ID = "req-7f0c"


def fault(status: int, kind: str, message: str) -> dict:
    return {"NeutronError": {"type": kind, "message": message, "detail": ""}}


class CentralGroups:
    """The security groups of a central Neutron (as far as these APIs use it)."""

    def __init__(self, mocker: Any):
        self.groups: dict[str, dict] = {}
        self.in_use: set[str] = set()
        self.refusal: tuple[int, dict] | None = None  # the next write's answer, if set
        self.mocker = mocker
        pattern = re.compile(rf"^{re.escape(NEUTRON)}/v2\.0/(security-groups|security-group-rules)")
        for method in ("GET", "POST", "PUT", "DELETE"):
            mocker.register_uri(method, pattern, json=self.handle)

    def add(self, group_id: str, name: str, project: str = "demo-project", **fields: Any) -> dict:
        group = {
            "id": group_id,
            "name": name,
            "description": fields.pop("description", f"{name} servers"),
            "tenant_id": project,
            "project_id": project,
            "security_group_rules": [],
            **fields,
        }
        self.groups[group_id] = group
        return group

    def add_rule(self, group_id: str, **fields: Any) -> dict:
        rule = {
            "id": fields.pop("id", str(uuid.uuid4())),
            "security_group_id": group_id,
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": None,
            "port_range_min": None,
            "port_range_max": None,
            "remote_ip_prefix": None,
            "remote_group_id": None,
            **fields,
        }
        self.groups[group_id]["security_group_rules"].append(rule)
        return rule

    def calls(self) -> list[Any]:
        return [r for r in self.mocker.request_history if r.url.startswith(NEUTRON)]

    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, urlparse(r.url).path) for r in self.calls() if r.method != "GET"]

    def handle(self, request: Any, context: Any) -> Any:
        url = urlparse(request.url)
        parts = url.path.split("/v2.0/", 1)[1].split("/")
        body = json.loads(request.body) if request.body else None
        if request.method != "GET" and self.refusal:
            context.status_code, answer = self.refusal
            self.refusal = None
            return answer
        if parts[0] == "security-groups":
            return self.on_groups(request.method, parts[1:], parse_qs(url.query), body, context)
        return self.on_rules(request.method, parts[1:], body, context)

    def missing(self, context: Any, what: str, item_id: str) -> dict:
        context.status_code = 404
        context.headers["X-Openstack-Request-Id"] = REQUEST_ID
        return fault(404, f"{what}NotFound", f"{what} {item_id} does not exist")

    def on_groups(self, method: str, ids: list, query: dict, body: Any, context: Any) -> Any:
        if not ids and method == "GET":
            projects = query.get("project_id")
            return {
                "security_groups": [
                    g for g in self.groups.values() if not projects or g["project_id"] in projects
                ]
            }
        if not ids and method == "POST":
            context.status_code = 201
            made = self.add(str(uuid.uuid4()), **body["security_group"])
            for ethertype in ("IPv4", "IPv6"):
                self.add_rule(made["id"], direction="egress", ethertype=ethertype)
            return {"security_group": made}
        group = self.groups.get(ids[0])
        if group is None:
            return self.missing(context, "Security group", ids[0])
        if method == "GET":
            fields = query.get("fields")
            return {"security_group": {k: group[k] for k in fields} if fields else group}
        if method == "PUT":
            group.update(body["security_group"])
            return {"security_group": group}
        if group["name"] == "default" or group["id"] in self.in_use:
            context.status_code = 409
            return fault(409, "SecurityGroupInUse", f"Security Group {group['id']} in use.")
        del self.groups[group["id"]]
        context.status_code = 204
        return None

    def on_rules(self, method: str, ids: list, body: Any, context: Any) -> Any:
        if method == "POST":
            made = [
                self.add_rule(rule.pop("security_group_id"), **rule)
                for rule in body["security_group_rules"]
            ]
            context.status_code = 201
            return {"security_group_rules": made}
        for group in self.groups.values():
            for rule in group["security_group_rules"]:
                if rule["id"] == ids[0]:
                    if method == "DELETE":
                        group["security_group_rules"].remove(rule)
                        context.status_code = 204
                        return None
                    return {"security_group_rule": rule}
        return self.missing(context, "Security group rule", ids[0])


@pytest.fixture
def central(settings, novas, keystone) -> CentralGroups:
    microversions._ranges.clear()
    settings.CENTRAL_NEUTRON_URL = NEUTRON
    central = CentralGroups(keystone.mocker)
    central.add(DEFAULT, "default", description="Default security group")
    central.add(WEB, "web")
    central.add(DB, "db")
    central.add(OTHERS, "theirs", project="alt-project")
    return central


def only_callers_token(central: CentralGroups) -> None:
    calls = central.calls()
    assert calls
    assert {call.headers["X-Auth-Token"] for call in calls} == {"user-token"}


def pod_calls(keystone: Any) -> list[str]:
    """Calls of the proxy APIs that reached a pod's Nova (the central Neutron's paths differ)."""
    return [r.url for r in keystone.mocker.request_history if "os-security-group" in r.url]


def nova_rule(rule_id: str, parent: str, protocol: Any, ports: tuple, **where: Any) -> dict:
    return {
        "id": rule_id,
        "parent_group_id": parent,
        "ip_protocol": protocol,
        "from_port": ports[0],
        "to_port": ports[1],
        "group": where.get("group", {}),
        "ip_range": where.get("ip_range", {}),
    }


# --- groups ---------------------------------------------------------------------------------------
def test_the_list_is_the_callers_top_groups_in_novas_format(demo, central, keystone):
    central.add_rule(WEB, id="r-tcp", protocol="tcp", port_range_min=80, port_range_max=80)
    central.add_rule(WEB, id="r-all-tcp", protocol="tcp", remote_ip_prefix="10.0.0.0/8")
    central.add_rule(WEB, id="r-icmp", protocol="icmp", ethertype="IPv6")
    central.add_rule(WEB, id="r-any", remote_group_id=DB)
    # Another project's group the caller may read (shared with it), and one it may not.
    central.add_rule(WEB, id="r-theirs", protocol="udp", remote_group_id=OTHERS)
    central.add_rule(WEB, id="r-gone", protocol="tcp", remote_group_id=GONE)
    central.add_rule(WEB, id="r-out", direction="egress", protocol="tcp")
    response = demo.get(f"{API}/os-security-groups")
    assert response.status_code == 200, response.content
    assert response["X-OpenStack-Nova-API-Version"] == "2.1"
    groups = response.json()["security_groups"]
    assert [group["name"] for group in groups] == ["db", "default", "web"]
    web = groups[2]
    assert web == {
        "id": WEB,
        "description": "web servers",
        "name": "web",
        "tenant_id": "demo-project",
        "rules": [
            nova_rule("r-tcp", WEB, "tcp", (80, 80), ip_range={"cidr": "0.0.0.0/0"}),
            nova_rule("r-all-tcp", WEB, "tcp", (1, 65535), ip_range={"cidr": "10.0.0.0/8"}),
            nova_rule("r-icmp", WEB, "icmp", (-1, -1), ip_range={"cidr": "0.0.0.0/0"}),
            nova_rule(
                "r-any", WEB, None, (None, None), group={"name": "db", "tenant_id": "demo-project"}
            ),
            nova_rule(
                "r-theirs",
                WEB,
                "udp",
                (1, 65535),
                group={"name": "theirs", "tenant_id": "alt-project"},
            ),
        ],
    }
    listed = [call for call in central.calls() if urlparse(call.url).path.endswith("groups")]
    assert [call.qs for call in listed] == [{"project_id": ["demo-project"]}]
    # Remote groups outside the list are read (a gone one leaves its rule out); listed ones not.
    reads = sorted(urlparse(call.url).path.rsplit("/", 1)[1] for call in central.calls()[1:])
    assert reads == sorted([OTHERS, GONE])
    only_callers_token(central)
    assert not pod_calls(keystone)


def test_the_list_pages_as_nova_and_checks_its_numbers(demo, central):
    central.add("a1b2c3d4-0000-4000-8000-000000000001", "zz")
    page = demo.get(f"{API}/os-security-groups?offset=1&limit=2").json()["security_groups"]
    # Nova pages Neutron's order, then sorts the page.
    assert [group["name"] for group in page] == ["db", "web"]
    everything = demo.get(f"{API}/os-security-groups?limit=0").json()["security_groups"]
    assert len(everything) == 4
    refused = demo.get(f"{API}/os-security-groups?limit=abc")
    assert refused.status_code == 400
    assert refused.json() == {
        "badRequest": {
            "code": 400,
            "message": "Invalid input for query parameters limit. Value: abc. "
            "'abc' does not match '^[0-9]*$'",
        }
    }
    empty = demo.get(f"{API}/os-security-groups?offset=")
    assert empty.json()["badRequest"]["message"] == (
        "Invalid input for query parameters offset. Value: . '' should be non-empty"
    )


def test_all_tenants_lists_every_project_for_admins_only(admin, demo, central):
    listed = admin.get(f"{API}/os-security-groups?all_tenants").json()["security_groups"]
    assert {group["tenant_id"] for group in listed} == {"demo-project", "alt-project"}
    assert central.calls()[-1].qs == {}
    demo.get(f"{API}/os-security-groups?all_tenants=1")
    assert central.calls()[-1].qs == {"project_id": ["demo-project"]}


def test_show_reads_the_group_with_the_callers_token(demo, central):
    central.add_rule(WEB, id="r-self", protocol="tcp", remote_group_id=WEB)
    response = demo.get(f"{API}/os-security-groups/{WEB}")
    assert response.status_code == 200
    assert response.json() == {
        "security_group": {
            "id": WEB,
            "description": "web servers",
            "name": "web",
            "tenant_id": "demo-project",
            "rules": [
                nova_rule(
                    "r-self",
                    WEB,
                    "tcp",
                    (1, 65535),
                    group={"name": "web", "tenant_id": "demo-project"},
                )
            ],
        }
    }
    assert len(central.calls()) == 1
    only_callers_token(central)


def test_an_unknown_group_is_neutrons_404_and_a_bad_id_a_400(demo, central):
    missing = demo.get(f"{API}/os-security-groups/{GONE}")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        f"Security group {GONE} does not exist\n"
        f"Neutron server returns request_ids: ['{REQUEST_ID}']"
    )
    for method in ("get", "delete"):
        bad = getattr(demo, method)(f"{API}/os-security-groups/web")
        assert bad.status_code == 400
        assert bad.json()["badRequest"]["message"] == "Security group id should be uuid"
    assert demo.delete(f"{API}/os-security-groups/").status_code == 404


def test_create_makes_the_group_in_the_central_neutron(demo, central, keystone):
    response = demo.post(
        f"{API}/os-security-groups",
        {"security_group": {"name": " web 2 ", "description": ""}},
        format="json",
    )
    assert response.status_code == 200, response.content
    made = response.json()["security_group"]
    assert made == {
        "id": made["id"],
        "description": "",
        "name": " web 2 ",
        "tenant_id": "demo-project",
        "rules": [],  # Neutron's egress rules are not Nova's
    }
    (post,) = [call for call in central.calls() if call.method == "POST"]
    assert post.json() == {"security_group": {"name": " web 2 ", "description": ""}}
    assert post.headers["Content-Type"] == "application/json"
    only_callers_token(central)
    assert made["id"] in central.groups
    shown = demo.get(f"{API}/os-security-groups/{made['id']}").json()["security_group"]
    assert shown == made
    assert not pod_calls(keystone)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'security_group' is a required property"),
        (
            {"security_group": "web"},
            "Invalid input for field/attribute security_group. Value: web. "
            "'web' is not of type 'object'",
        ),
        (
            {"security_group": {"name": "web"}},
            "Invalid input for field/attribute security_group. Value: {'name': 'web'}. "
            "'description' is a required property",
        ),
        (
            {"security_group": {"name": 5, "description": "d"}},
            "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'",
        ),
        (
            {"security_group": {"name": "n" * 256, "description": "d"}},
            f"Invalid input for field/attribute name. Value: {'n' * 256}. "
            f"'{'n' * 256}' is too long",
        ),
        (
            {"security_group": {"name": "web", "description": None}},
            "Invalid input for field/attribute description. Value: None. "
            "None is not of type 'string'",
        ),
    ],
)
def test_create_and_update_check_the_body_as_nova(demo, central, body, message):
    for call in (
        lambda: demo.post(f"{API}/os-security-groups", body, format="json"),
        lambda: demo.put(f"{API}/os-security-groups/{WEB}", body, format="json"),
    ):
        response = call()
        assert response.status_code == 400
        assert response.json() == {"badRequest": {"code": 400, "message": message}}
    assert not central.calls()


def test_names_of_255_characters_are_taken(demo, central):
    body = {"security_group": {"name": "n" * 255, "description": "d" * 255}}
    assert demo.post(f"{API}/os-security-groups", body, format="json").status_code == 200


def test_neutrons_refusals_of_a_create_as_nova_answers_them(demo, central):
    body = {"security_group": {"name": "web", "description": ""}}
    central.refusal = (409, fault(409, "OverQuota", "Quota exceeded for resources."))
    over = demo.post(f"{API}/os-security-groups", body, format="json")
    assert over.status_code == 403
    assert over.json()["forbidden"]["message"] == "Quota exceeded for resources."
    central.refusal = (400, fault(400, "InvalidInput", "Bad name."))
    bad = demo.post(f"{API}/os-security-groups", body, format="json")
    assert bad.status_code == 400
    assert bad.json()["badRequest"]["message"] == "Bad name."
    central.refusal = (403, fault(403, "PolicyNotAuthorized", "Not allowed."))
    policy = demo.post(f"{API}/os-security-groups", body, format="json")
    assert policy.status_code == 403
    assert policy.json()["forbidden"]["message"] == "Not allowed."
    central.refusal = (500, fault(500, "HTTPInternalServerError", "Boom."))
    broken = demo.post(f"{API}/os-security-groups", body, format="json")
    assert broken.status_code == 500
    assert "Boom." in broken.json()["computeFault"]["message"]


def test_a_reader_may_list_but_not_change(central):
    from rest_framework.test import APIClient

    from tests.conftest import identity_headers

    reader = APIClient()
    reader.credentials(**identity_headers("demo-project", "reader"))
    assert reader.get(f"{API}/os-security-groups").status_code == 200
    writes = {
        "os-security-groups:create": reader.post(
            f"{API}/os-security-groups",
            {"security_group": {"name": "n", "description": "d"}},
            format="json",
        ),
        "os-security-groups:delete": reader.delete(f"{API}/os-security-groups/{WEB}"),
        "os-security-groups:rule:delete": reader.delete(f"{API}/os-security-group-rules/{WEB}"),
    }
    for rule, response in writes.items():
        assert response.status_code == 403
        assert response.json()["forbidden"]["message"] == (
            f"Policy doesn't allow os_compute_api:{rule} to be performed."
        )
    assert not central.writes()


def test_update_renames_the_top_group(demo, central):
    body = {"security_group": {"name": "web-2", "description": "new"}}
    response = demo.put(f"{API}/os-security-groups/{WEB}", body, format="json")
    assert response.status_code == 200
    assert response.json()["security_group"] == {
        "id": WEB,
        "description": "new",
        "name": "web-2",
        "tenant_id": "demo-project",
        "rules": [],
    }
    assert central.writes() == [("PUT", f"/v2.0/security-groups/{WEB}")]
    assert central.calls()[-1].json() == body
    only_callers_token(central)
    missing = demo.put(f"{API}/os-security-groups/{GONE}", body, format="json")
    assert missing.status_code == 404
    assert central.writes() == [("PUT", f"/v2.0/security-groups/{WEB}")]


def test_delete_removes_the_group_and_asks_for_its_copies_cleanup(demo, central):
    from pods.models import Pod

    pod = Pod.objects.get(region_name="Pod1")
    RoutingFactory(top_id=WEB, pod=pod, resource_type="security_group")
    response = demo.delete(f"{API}/os-security-groups/{WEB}")
    assert response.status_code == 202
    assert response.content == b""
    assert central.writes() == [("DELETE", f"/v2.0/security-groups/{WEB}")]
    only_callers_token(central)
    assert WEB not in central.groups
    job = Job.objects.get(type="bottom_cleanup")
    assert job.resource == {"resource_type": "security_group", "top_id": WEB}
    assert job.project_id == "demo-project"


def test_a_group_in_use_or_the_default_group_is_not_deleted(demo, central):
    central.in_use.add(WEB)
    for group_id in (WEB, DEFAULT):
        response = demo.delete(f"{API}/os-security-groups/{group_id}")
        assert response.status_code == 400
        assert response.json()["badRequest"]["message"] == (f"Security Group {group_id} in use.")
    missing = demo.delete(f"{API}/os-security-groups/{GONE}")
    assert missing.status_code == 404
    assert not Job.objects.exists()


# --- rules ----------------------------------------------------------------------------------------
def post_rule(client: Any, **rule: Any) -> Any:
    return client.post(
        f"{API}/os-security-group-rules", {"security_group_rule": rule}, format="json"
    )


def test_a_rule_is_made_in_the_central_neutron_and_reaches_the_copies(demo, central):
    from pods.models import Pod

    RoutingFactory(
        top_id=WEB, pod=Pod.objects.get(region_name="Pod1"), resource_type="security_group"
    )
    response = post_rule(demo, parent_group_id=WEB, ip_protocol="tcp", from_port=22, to_port=22)
    assert response.status_code == 200, response.content
    rule = response.json()["security_group_rule"]
    assert rule == nova_rule(rule["id"], WEB, "tcp", (22, 22), ip_range={"cidr": "0.0.0.0/0"})
    (post,) = [call for call in central.calls() if call.method == "POST"]
    assert post.json() == {
        "security_group_rules": [
            {
                "direction": "ingress",
                "protocol": "tcp",
                "ethertype": "IPv4",
                "remote_ip_prefix": "0.0.0.0/0",
                "security_group_id": WEB,
                "remote_group_id": None,
                "port_range_min": 22,
                "port_range_max": 22,
            }
        ]
    }
    only_callers_token(central)
    job = Job.objects.get(type="security_group_sync")
    assert job.resource == {"security_group_id": WEB}
    # The same rule again is Nova's duplicate.
    again = post_rule(demo, parent_group_id=WEB, ip_protocol="tcp", from_port=22, to_port=22)
    assert again.status_code == 400
    assert again.json()["badRequest"]["message"] == f"This rule already exists in group {WEB}"


def test_a_rule_naming_a_group_opens_every_port_and_shows_the_group(demo, central):
    response = post_rule(demo, parent_group_id=WEB, ip_protocol="udp", group_id=DB, cidr="x")
    assert response.status_code == 200, response.content
    rule = response.json()["security_group_rule"]
    assert rule == nova_rule(
        rule["id"], WEB, "udp", (1, 65535), group={"name": "db", "tenant_id": "demo-project"}
    )
    sent = central.calls()[-1].json()["security_group_rules"][0]
    assert sent["remote_group_id"] == DB
    assert sent["remote_ip_prefix"] is None
    assert sent["ethertype"] == "IPv4"
    assert (sent["port_range_min"], sent["port_range_max"]) == (1, 65535)
    assert not Job.objects.exists()  # the group has no copies in any pod yet


def test_icmp_any_and_ipv6_rules(demo, central):
    icmp = post_rule(demo, parent_group_id=WEB, ip_protocol="icmp", from_port=-1, to_port=-1)
    assert icmp.status_code == 200
    sent = central.calls()[-1].json()["security_group_rules"][0]
    assert "port_range_min" not in sent and "port_range_max" not in sent
    assert icmp.json()["security_group_rule"]["from_port"] == -1
    v6 = post_rule(
        demo,
        parent_group_id=WEB,
        ip_protocol="tcp",
        from_port="443",
        to_port=443,
        cidr="2001%3Adb8%3A%3A/32",
    )
    assert v6.status_code == 200, v6.content
    sent = central.calls()[-1].json()["security_group_rules"][0]
    assert (sent["ethertype"], sent["remote_ip_prefix"]) == ("IPv6", "2001:db8::/32")
    assert v6.json()["security_group_rule"]["ip_range"] == {"cidr": "2001:db8::/32"}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"ip_protocol": "tcp", "from_port": 22, "to_port": 21}, "Invalid port range 22:21. "
         "Former value cannot be greater than the later"),
        ({"ip_protocol": "tcp", "from_port": 22, "to_port": 65536}, "Invalid port range "
         "22:65536. Valid TCP ports should be between 1-65535"),
        ({"ip_protocol": "icmp", "from_port": 256, "to_port": 0}, "Invalid port range 256:0. "
         "For ICMP, the type:code must be valid"),
        ({"ip_protocol": "gre", "from_port": 1, "to_port": 2}, "Invalid IP protocol gre."),
        ({"ip_protocol": "tcp", "from_port": "a", "to_port": 2}, "Invalid input received: "
         "To and From ports must be integers"),
        ({"ip_protocol": "ICMP", "from_port": "a", "to_port": 2}, "Invalid input received: "
         "Type and Code must be integers for ICMP protocol type"),
        ({"ip_protocol": "tcp"}, "Not enough parameters to build a valid rule."),
        ({"from_port": 1, "to_port": 2}, "Not enough parameters to build a valid rule."),
        ({"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.0/0"},
         "Bad prefix for network in cidr 10.0.0.0/0"),
        ({"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.300/8"},
         "10.0.0.300/8 is not a valid IP network."),
        ({"ip_protocol": "tcp", "from_port": 1, "to_port": 2, "cidr": "10.0.0.1"},
         "10.0.0.1 is not a valid IP network."),
        ({"group_id": "db"}, "Invalid input for field/attribute group_id. Value: db. "
         "'db' is not a 'uuid'"),
        ({"group_id": 5}, "Invalid input for field/attribute group_id. Value: 5. "
         "5 is not of type 'string', 'null'"),
    ],
)  # fmt: skip
def test_rule_validation_as_nova(demo, central, rule, message):
    response = post_rule(demo, parent_group_id=WEB, **rule)
    assert response.status_code == 400
    assert response.json() == {"badRequest": {"code": 400, "message": message}}
    assert not central.writes()


def test_the_parent_group_must_exist_and_be_a_uuid(demo, central):
    missing = post_rule(demo, parent_group_id=GONE, ip_protocol="tcp", from_port=1, to_port=2)
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"].startswith(
        f"Security group {GONE} does not exist"
    )
    bad = post_rule(demo, parent_group_id="web", ip_protocol="tcp", from_port=1, to_port=2)
    assert bad.json() == {
        "badRequest": {
            "code": 400,
            "message": "Invalid input for field/attribute parent_group_id. Value: web. "
            "'web' is not a 'uuid'",
        }
    }
    absent = post_rule(demo, ip_protocol="tcp")
    assert absent.json()["badRequest"]["message"] == (
        "Invalid input for field/attribute security_group_rule. Value: {'ip_protocol': 'tcp'}. "
        "'parent_group_id' is a required property"
    )
    remote_missing = post_rule(demo, parent_group_id=WEB, group_id=GONE)
    assert remote_missing.status_code == 404
    assert not central.writes()


def test_neutrons_duplicate_is_novas_forbidden(demo, central):
    central.refusal = (409, fault(409, "SecurityGroupRuleExists", "Rule already exists."))
    response = post_rule(demo, parent_group_id=WEB, ip_protocol="TCP", from_port=1, to_port=2)
    assert response.status_code == 403
    assert response.json()["forbidden"]["message"] == "Rule already exists."


def test_deleting_a_rule_changes_the_top_group_and_its_copies(demo, central):
    from pods.models import Pod

    RoutingFactory(
        top_id=WEB, pod=Pod.objects.get(region_name="Pod2"), resource_type="security_group"
    )
    central.add_rule(WEB, id="6c1d3bb6-2b1a-4c8f-9e55-1f0b3a1c2d3e", protocol="tcp")
    response = demo.delete(f"{API}/os-security-group-rules/6c1d3bb6-2b1a-4c8f-9e55-1f0b3a1c2d3e")
    assert response.status_code == 202
    assert response.content == b""
    assert central.writes() == [
        ("DELETE", "/v2.0/security-group-rules/6c1d3bb6-2b1a-4c8f-9e55-1f0b3a1c2d3e")
    ]
    only_callers_token(central)
    assert central.groups[WEB]["security_group_rules"] == []
    assert Job.objects.get(type="security_group_sync").resource == {"security_group_id": WEB}
    missing = demo.delete(f"{API}/os-security-group-rules/{GONE}")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"].startswith(
        f"Security group rule {GONE} does not exist"
    )
    bad = demo.delete(f"{API}/os-security-group-rules/nope")
    assert bad.json()["badRequest"]["message"] == "Security group id should be uuid"


# --- routes and versions --------------------------------------------------------------------------
def test_from_2_36_the_proxy_apis_are_gone(demo, central, keystone):
    for path in ("os-security-groups", f"os-security-groups/{WEB}", "os-security-group-rules"):
        response = demo.get(f"{API}/{path}", HTTP_OPENSTACK_API_VERSION="compute 2.36")
        assert response.status_code == 404
        assert response.json()["itemNotFound"]["message"] == "The resource could not be found."
    assert not central.calls()
    assert not pod_calls(keystone)
    old = demo.get(f"{API}/os-security-groups", HTTP_OPENSTACK_API_VERSION="compute 2.35")
    assert old.status_code == 200


def test_methods_and_paths_nova_does_not_route_are_404(demo, central, keystone):
    assert demo.patch(f"{API}/os-security-groups", {}, format="json").status_code == 404
    assert demo.get(f"{API}/os-security-group-rules").status_code == 404
    assert demo.get(f"{API}/os-security-group-rules/{WEB}").status_code == 404
    assert demo.get(f"{API}/os-security-groups/{WEB}/rules").status_code == 404
    assert not central.calls()
    assert not pod_calls(keystone)
