"""One policy module says who may do what Tricircle answers itself (gateway.policy): its rules
have the defaults of the services they are named for, an unknown rule is the admin's, and a
refusal reads as the service's, in the API's fault format."""

import pytest

from gateway import policy
from gateway.policy import Needs
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import Forbidden

ADMIN = KeystoneIdentity("admin", "admin-project", "t", frozenset({"admin", "member", "reader"}))
MEMBER = KeystoneIdentity("member", "demo-project", "t", frozenset({"member", "reader"}))
READER = KeystoneIdentity("reader", "demo-project", "t", frozenset({"reader"}))
NOBODY = KeystoneIdentity("nobody", "demo-project", "t", frozenset())


@pytest.mark.parametrize(
    ("rule", "needs"),
    [
        ("os_compute_api:os-flavor-manage:create", Needs.ADMIN),
        ("os_compute_api:os-flavor-access:add_tenant_access", Needs.ADMIN),
        ("os_compute_api:os-flavor-access", Needs.ADMIN),
        ("os_compute_api:os-flavor-extra-specs:update", Needs.ADMIN),
        ("os_compute_api:os-flavor-extra-specs:index", Needs.READER),
        ("os_compute_api:os-keypairs:show", Needs.OWNER),
        ("os_compute_api:os-aggregates:index", Needs.ADMIN),
        ("os_compute_api:os-availability-zone:detail", Needs.ADMIN),
        ("os_compute_api:os-security-groups:list", Needs.READER),
        ("os_compute_api:os-security-groups:create", Needs.MEMBER),
        ("volume_extension:type_create", Needs.ADMIN),
        ("volume_extension:types_extra_specs:show", Needs.READER),
        ("volume_extension:types_extra_specs:delete", Needs.ADMIN),
        ("volume_extension:volume_type_access:addProjectAccess", Needs.ADMIN),
        ("volume_extension:volume_type_encryption:get", Needs.ADMIN),
        ("volume_extension:qos_specs_manage:get_all", Needs.ADMIN),
        ("group:group_types:create", Needs.ADMIN),
        ("group:group_types_specs:get", Needs.ADMIN),
    ],
)
def test_the_rules_have_the_services_defaults(rule, needs):
    assert policy.RULES[rule] is needs


@pytest.mark.parametrize(
    ("needs", "admin", "member", "reader", "nobody"),
    [
        (Needs.ADMIN, True, False, False, False),
        (Needs.MEMBER, True, True, False, False),
        (Needs.READER, True, True, True, False),
    ],
)
def test_who_each_default_lets_through(needs, admin, member, reader, nobody):
    rule = next(name for name, given in policy.RULES.items() if given is needs)
    callers = (ADMIN, MEMBER, READER, NOBODY)
    assert [policy.allowed(caller, rule) for caller in callers] == [admin, member, reader, nobody]


def test_an_owner_rule_lets_the_user_act_for_themselves_alone():
    rule = "os_compute_api:os-keypairs:index"
    assert policy.allowed(MEMBER, rule)
    assert policy.allowed(MEMBER, rule, user_id="member")
    assert not policy.allowed(MEMBER, rule, user_id="someone-else")
    assert policy.allowed(ADMIN, rule, user_id="someone-else")


def test_an_unknown_rule_is_the_admins():
    assert "no:such:rule" not in policy.RULES
    assert policy.allowed(ADMIN, "no:such:rule")
    assert not policy.allowed(MEMBER, "no:such:rule")


def test_a_refusal_names_the_rule():
    with pytest.raises(Forbidden) as refused:
        policy.authorize(MEMBER, "os_compute_api:os-flavor-manage:create")
    assert str(refused.value) == (
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed."
    )
    policy.authorize(ADMIN, "os_compute_api:os-flavor-manage:create")


@pytest.mark.django_db
def test_the_compute_api_refuses_in_novas_format(demo, novas):
    response = demo.post(
        "/compute/v2.1/flavors", {"flavor": {"name": "x", "ram": 1, "vcpus": 1}}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "forbidden": {
            "code": 403,
            "message": "Policy doesn't allow os_compute_api:os-flavor-manage:create to be "
            "performed.",
        }
    }


@pytest.mark.django_db
def test_another_users_key_pairs_are_the_admins(demo, novas):
    response = demo.get("/compute/v2.1/os-keypairs?user_id=someone-else")
    assert response.status_code == 403
    assert response.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:os-keypairs:index to be performed."
    )


@pytest.mark.django_db
def test_the_volume_api_refuses_in_cinders_format(demo, cinders):
    response = demo.post("/volume/v3/types", {"volume_type": {"name": "x"}}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "forbidden": {
            "code": 403,
            "message": "Policy doesn't allow volume_extension:type_create to be performed.",
        }
    }
