"""Cinder QoS specs are kept by Tricircle, associated with its volume types and given to the
pods with those types' copies (admins only, validated and answered as Cinder does)."""

import logging
import re

import pytest
import requests

from gateway.models import QosSpecs, VolumeType
from routing.models import ResourceRouting
from tests.test_volume_gateway_types import make_type

pytestmark = pytest.mark.django_db
URL = "/volume/v3/qos-specs"


def make_specs(admin, name: str = "gold-qos", **specs) -> dict:
    response = admin.post(URL, {"qos_specs": {"name": name, **specs}}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["qos_specs"]


def volume_in(demo, zone: str, type_ref: str) -> None:
    response = demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "availability_zone": zone, "volume_type": type_ref}},
        format="json",
    )
    assert response.status_code == 202, response.content


def message(response) -> str:
    return next(iter(response.json().values()))["message"]


def test_admins_create_show_list_set_unset_and_delete_specs(admin, cinders):
    response = admin.post(
        URL,
        {"qos_specs": {"name": "gold-qos", "consumer": "front-end", "read_iops_sec": "2000"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    created = response.json()
    specs_id = created["qos_specs"]["id"]
    assert created == {
        "qos_specs": {
            "id": specs_id,
            "name": "gold-qos",
            "consumer": "front-end",
            "specs": {"read_iops_sec": "2000"},
        },
        "links": [
            {"rel": "self", "href": f"http://testserver/volume/v3/qos-specs/{specs_id}"},
            {"rel": "bookmark", "href": f"http://testserver/volume/qos-specs/{specs_id}"},
        ],
    }
    # Tempest's test_list_qos: the create answer's specs are an item of the list, as they are.
    assert admin.get(URL).json() == {"qos_specs": [created["qos_specs"]]}
    assert admin.get(f"{URL}/{specs_id}").json() == created

    updated = admin.put(f"{URL}/{specs_id}", {"qos_specs": {"iops_bytes": "500"}}, format="json")
    assert (updated.status_code, updated.json()) == (200, {"qos_specs": {"iops_bytes": "500"}})
    shown = admin.get(f"{URL}/{specs_id}").json()["qos_specs"]
    assert shown["specs"] == {"read_iops_sec": "2000", "iops_bytes": "500"}
    response = admin.put(f"{URL}/{specs_id}", {"qos_specs": {"consumer": "both"}}, format="json")
    assert response.json() == {"qos_specs": {"consumer": "both"}}
    assert QosSpecs.objects.get(id=specs_id).consumer == "both"

    response = admin.put(f"{URL}/{specs_id}/delete_keys", {"keys": ["iops_bytes"]}, format="json")
    assert response.status_code == 202
    assert admin.get(f"{URL}/{specs_id}").json()["qos_specs"]["specs"] == {"read_iops_sec": "2000"}

    assert admin.delete(f"{URL}/{specs_id}?force=False").status_code == 202
    assert not QosSpecs.objects.exists()
    gone = admin.get(f"{URL}/{specs_id}")
    assert (gone.status_code, message(gone)) == (404, f"No such QoS spec {specs_id}.")
    assert admin.get(URL).json() == {"qos_specs": []}
    # Nothing of this went to a pod: no type of theirs uses the specs.
    assert not cinders["Pod1"].qos_calls and not cinders["Pod2"].qos_calls


def test_links_keep_the_project_of_the_url(admin, cinders):
    response = admin.post(
        "/volume/v3/admin-project/qos-specs", {"qos_specs": {"name": "q"}}, format="json"
    )
    specs_id = response.json()["qos_specs"]["id"]
    assert [link["href"] for link in response.json()["links"]] == [
        f"http://testserver/volume/v3/admin-project/qos-specs/{specs_id}",
        f"http://testserver/volume/admin-project/qos-specs/{specs_id}",
    ]


def test_a_create_is_validated_as_cinder_does(admin, cinders):
    made = make_specs(admin, "  padded  ", total_iops_sec="100")
    assert (made["name"], made["consumer"], made["specs"]) == (
        "padded",
        "back-end",
        {"total_iops_sec": "100"},
    )
    duplicate = admin.post(URL, {"qos_specs": {"name": "padded"}}, format="json")
    assert (duplicate.status_code, message(duplicate)) == (409, "QoS Specs padded already exists.")
    for body, expected in [
        ({"qos_specs": {"consumer": "both"}}, "'name' is a required property"),
        ({"qos_specs": {"name": "   "}}, "The 'name' can not be empty."),
        ({"qos_specs": {"name": ""}}, "The 'name' can not be None."),
        ({"qos_specs": {"name": "x" * 256}}, "can not be greater than 255 characters"),
        ({"qos_specs": {"name": 5}}, "5 is not of type 'string'"),
        ({"qos_specs": "x"}, "'x' is not of type 'object'"),
        ({"name": "x"}, "'qos_specs' is a required property"),
        ({"qos_specs": {"name": "x"}, "extra": 1}, "('extra' was unexpected)"),
        ({"qos_specs": {"name": "x", "consumer": "middle"}}, "Valid consumer of QoS specs"),
        ({"qos_specs": {"name": "x", "iops": 5}}, 'Value for key "iops" is not a string'),
        ({"qos_specs": {"name": "x", "k" * 256: "1"}}, "characters, more than 255."),
    ]:
        response = admin.post(URL, body, format="json")
        assert response.status_code == 400, body
        assert expected in message(response), (body, message(response))
    assert list(QosSpecs.objects.values_list("name", flat=True)) == ["padded"]


def test_an_update_is_validated_as_cinder_does(admin, cinders):
    specs_id = make_specs(admin)["id"]
    for body in [
        {"qos_specs": {"bad key!": "1"}},
        {"qos_specs": {"iops": 1}},
        {"qos_specs": {"consumer": "middle"}},
        {"qos_specs": []},
        {"keys": ["a"]},
    ]:
        assert admin.put(f"{URL}/{specs_id}", body, format="json").status_code == 400, body
    missing = admin.put(f"{URL}/nope", {"qos_specs": {"a": "1"}}, format="json")
    assert (missing.status_code, message(missing)) == (404, "No such QoS spec nope.")
    # A null consumer is Cinder's default; a null value is kept as null.
    response = admin.put(
        f"{URL}/{specs_id}", {"qos_specs": {"consumer": None, "a": None}}, format="json"
    )
    assert response.status_code == 200
    stored = QosSpecs.objects.get(id=specs_id)
    assert (stored.consumer, stored.specs) == ("back-end", {"a": None})


def test_unsetting_keys_stops_at_the_first_unknown_one(admin, cinders):
    specs_id = make_specs(admin, a="1", b="2", c="3")["id"]
    url = f"{URL}/{specs_id}/delete_keys"
    response = admin.put(url, {"keys": ["a", "x", "b"]}, format="json")
    assert response.status_code == 404
    assert message(response) == f"QoS spec {specs_id} has no spec with key x."
    assert QosSpecs.objects.get(id=specs_id).specs == {"b": "2", "c": "3"}
    for body in [{"keys": "b"}, {"keys": ["b", "b"]}, {"keys": [""]}, {}, {"keys": ["b"], "x": 1}]:
        assert admin.put(url, body, format="json").status_code == 400, body
    assert admin.put(f"{URL}/nope/delete_keys", {"keys": ["b"]}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", None),
        ("post", "", {"qos_specs": {"name": "mine"}}),
        ("get", "/{id}", None),
        ("put", "/{id}", {"qos_specs": {"a": "2"}}),
        ("delete", "/{id}", None),
        ("put", "/{id}/delete_keys", {"keys": ["a"]}),
        ("get", "/{id}/associations", None),
        ("get", "/{id}/associate?vol_type_id={type}", None),
        ("get", "/{id}/disassociate?vol_type_id={type}", None),
        ("get", "/{id}/disassociate_all", None),
    ],
)
def test_members_are_refused(admin, demo, cinders, method, path, body):
    specs_id = make_specs(admin, a="1")["id"]
    type_id = make_type(admin)["id"]
    url = URL + path.format(id=specs_id, type=type_id)
    response = getattr(demo, method)(url, body, format="json")
    assert response.status_code == 403
    assert message(response).startswith("Policy doesn't allow volume_extension:qos_specs_manage:")
    stored = QosSpecs.objects.get()
    assert (stored.name, stored.specs) == ("gold-qos", {"a": "1"})
    assert VolumeType.objects.get().qos_specs_id is None


def test_lists_sort_page_and_filter_as_cinder(admin, cinders):
    made = [("b", "front-end"), ("a", "back-end"), ("c", "both")]
    ids = [make_specs(admin, name, consumer=consumer)["id"] for name, consumer in made]

    def listed(query: str) -> list[str]:
        response = admin.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["qos_specs"]]

    assert listed("") == ids[::-1]  # newest first
    assert listed("sort=id:asc") == sorted(ids)
    assert listed("sort_key=id&sort_dir=desc") == sorted(ids, reverse=True)
    assert listed("sort=value:asc") == [ids[1], ids[0], ids[2]]  # Cinder's name column
    assert listed("name=a") == [ids[1]]
    assert listed("consumer=both") == [ids[2]]
    assert listed("status=available") == []  # a filter naming nothing selects nothing
    assert listed("offset=1") == [ids[1], ids[0]]

    page = admin.get(f"{URL}?limit=2&sort=id:asc").json()
    assert [item["id"] for item in page["qos_specs"]] == sorted(ids)[:2]
    next_href = page["qos_specs_links"][0]["href"]
    assert next_href.startswith("http://testserver/volume/v3/qos-specs?")
    assert f"marker={sorted(ids)[1]}" in next_href and "limit=2" in next_href
    assert listed(next_href.split("?", 1)[1]) == sorted(ids)[2:]
    assert "qos_specs_links" not in admin.get(f"{URL}?limit=5").json()

    unknown = admin.get(f"{URL}?marker=nope")
    assert (unknown.status_code, message(unknown)) == (404, "No such QoS spec nope.")
    for query, expected in [
        ("sort=name", "Invalid input received: Invalid sort key"),
        ("sort=id:up", "Unknown sort direction, must be 'desc' or 'asc'."),
        ("sort=id&sort_key=id", "cannot be used with the 'sort' parameter"),
        ("limit=x", "limit param must be an integer"),
        ("limit=-1", "limit param must be positive"),
        ("offset=-1", "offset must be >= 0"),
    ]:
        response = admin.get(f"{URL}?{query}")
        assert response.status_code == 400 and expected in message(response), query


def test_associations_follow_cinders_rules(admin, demo, cinders):
    specs_id = make_specs(admin)["id"]
    other_id = make_specs(admin, "other")["id"]
    gold, silver = make_type(admin, "gold"), make_type(admin, "silver")
    for type_id in (gold["id"], silver["id"]):
        response = admin.get(f"{URL}/{specs_id}/associate?vol_type_id={type_id}")
        assert response.status_code == 202, response.content
    # Again with the same specs: nothing changes, as in Cinder.
    assert admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}").status_code == 202
    assert admin.get(f"{URL}/{specs_id}/associations").json() == {
        "qos_associations": [
            {"association_type": "volume_type", "name": "gold", "id": gold["id"]},
            {"association_type": "volume_type", "name": "silver", "id": silver["id"]},
        ]
    }
    assert VolumeType.objects.get(id=gold["id"]).qos_specs_id == specs_id

    refused = admin.get(f"{URL}/{other_id}/associate?vol_type_id={gold['id']}")
    assert refused.status_code == 400
    assert message(refused) == (
        f"Invalid volume type: Type {gold['id']} is already associated with another qos "
        f"specs: {specs_id}"
    )
    for path, status, expected in [
        (f"{specs_id}/associate", 400, "Volume Type id must not be None."),
        (f"{specs_id}/associate?vol_type_id=", 400, "Volume Type id must not be None."),
        (f"{specs_id}/disassociate", 400, "Volume Type id must not be None."),
        (f"{specs_id}/associate?vol_type_id=nope", 404, "Volume type nope could not be found."),
        (f"{specs_id}/associate?vol_type_id=gold", 404, "Volume type gold could not be found."),
        (f"{specs_id}/disassociate?vol_type_id=nope", 404, "Volume type nope could not be found."),
        (f"nope/associate?vol_type_id={gold['id']}", 404, "No such QoS spec nope."),
        ("nope/associations", 404, "No such QoS spec nope."),
        ("nope/disassociate_all", 404, "No such QoS spec nope."),
        (f"{specs_id}/frobnicate", 404, "The resource could not be found."),
    ]:
        response = admin.get(f"{URL}/{path}")
        assert (response.status_code, message(response)) == (status, expected), path
    assert admin.post(f"{URL}/{specs_id}/associate", {}, format="json").status_code == 404

    # Disassociating a type associated with other specs leaves it as it is.
    assert admin.get(f"{URL}/{other_id}/disassociate?vol_type_id={gold['id']}").status_code == 202
    assert VolumeType.objects.get(id=gold["id"]).qos_specs_id == specs_id
    assert admin.get(f"{URL}/{specs_id}/disassociate?vol_type_id={gold['id']}").status_code == 202
    assert VolumeType.objects.get(id=gold["id"]).qos_specs_id is None
    left = admin.get(f"{URL}/{specs_id}/associations").json()["qos_associations"]
    assert [association["id"] for association in left] == [silver["id"]]
    assert admin.get(f"{URL}/{specs_id}/disassociate_all").status_code == 202
    assert admin.get(f"{URL}/{specs_id}/associations").json() == {"qos_associations": []}
    assert not VolumeType.objects.filter(qos_specs__isnull=False).exists()


def test_deleting_associated_specs_needs_force(admin, cinders):
    specs_id = make_specs(admin)["id"]
    type_id = make_type(admin)["id"]
    admin.get(f"{URL}/{specs_id}/associate?vol_type_id={type_id}")
    refused = admin.delete(f"{URL}/{specs_id}")
    assert (refused.status_code, message(refused)) == (400, "Qos specs still in use.")
    bad = admin.delete(f"{URL}/{specs_id}?force=maybe")
    assert (bad.status_code, message(bad)) == (400, "Value 'maybe' for 'force' is not a boolean.")
    assert admin.delete("/volume/v3/qos-specs/nope?force=true").status_code == 404
    assert QosSpecs.objects.filter(id=specs_id).exists()
    assert admin.delete(f"{URL}/{specs_id}?force=True").status_code == 202
    assert not QosSpecs.objects.exists()
    assert VolumeType.objects.get(id=type_id).qos_specs_id is None


def test_type_answers_show_the_qos_specs_id_where_cinder_does(admin, demo, cinders):
    specs_id = make_specs(admin)["id"]
    made = make_type(admin)
    assert "qos_specs_id" not in made  # Cinder's create answer (and Tempest's schema)
    assert admin.get(f"/volume/v3/types/{made['id']}").json()["volume_type"]["qos_specs_id"] is None
    admin.get(f"{URL}/{specs_id}/associate?vol_type_id={made['id']}")
    shown = admin.get(f"/volume/v3/types/{made['id']}").json()["volume_type"]
    assert shown["qos_specs_id"] == specs_id
    assert admin.get("/volume/v3/types").json()["volume_types"][0]["qos_specs_id"] == specs_id
    # Users who are not admins never see it, as in Cinder.
    assert "qos_specs_id" not in demo.get(f"/volume/v3/types/{made['id']}").json()["volume_type"]
    assert "qos_specs_id" not in demo.get("/volume/v3/types").json()["volume_types"][0]
    updated = admin.put(
        f"/volume/v3/types/{made['id']}", {"volume_type": {"description": "d"}}, format="json"
    )
    assert "qos_specs_id" not in updated.json()["volume_type"]


def test_a_types_copy_is_made_with_its_qos_specs(admin, demo, cinders):
    specs = make_specs(admin, consumer="front-end", read_iops_sec="2000")
    gold, silver = make_type(admin, "gold"), make_type(admin, "silver")
    for type_id in (gold["id"], silver["id"]):
        admin.get(f"{URL}/{specs['id']}/associate?vol_type_id={type_id}")
    assert not cinders["Pod2"].qos_specs  # nothing in a pod before a type's copy is made
    volume_in(demo, "az2", "gold")
    volume_in(demo, "az2", "gold")
    volume_in(demo, "az2", "silver")
    pod = cinders["Pod2"]
    assert pod.qos_specs == [
        {
            "id": "pod-qos-1",
            "name": "gold-qos",
            "consumer": "front-end",
            "specs": {"read_iops_sec": "2000"},
        }
    ]
    assert pod.type_named("gold")["qos_specs_id"] == "pod-qos-1"
    assert pod.type_named("silver")["qos_specs_id"] == "pod-qos-1"
    assert [call for call in pod.qos_calls if call[0] == "POST"] == [("POST", "/qos-specs")]
    routing = ResourceRouting.objects.get(top_id=specs["id"], resource_type="qos_specs")
    assert (routing.pod.region_name, routing.bottom_id) == ("Pod2", "pod-qos-1")
    assert not cinders["Pod1"].qos_calls


def test_changes_are_pushed_to_the_pods_copies(admin, demo, cinders):
    specs_id = make_specs(admin, a="1", b="2")["id"]
    gold = make_type(admin, "gold")
    volume_in(demo, "az2", "gold")  # the type's copy in Pod2, made before the association
    pod = cinders["Pod2"]
    assert not pod.qos_specs

    admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}")
    assert pod.qos_specs[0]["specs"] == {"a": "1", "b": "2"}
    assert pod.type_named("gold")["qos_specs_id"] == pod.qos_specs[0]["id"]

    body = {"qos_specs": {"c": "3", "consumer": "both"}}
    assert admin.put(f"{URL}/{specs_id}", body, format="json").status_code == 200
    assert (pod.qos_specs[0]["consumer"], pod.qos_specs[0]["specs"]) == (
        "both",
        {"a": "1", "b": "2", "c": "3"},
    )
    admin.put(f"{URL}/{specs_id}/delete_keys", {"keys": ["a"]}, format="json")
    assert pod.qos_specs[0]["specs"] == {"b": "2", "c": "3"}

    admin.get(f"{URL}/{specs_id}/disassociate?vol_type_id={gold['id']}")
    assert pod.type_named("gold")["qos_specs_id"] is None
    admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}")
    assert pod.type_named("gold")["qos_specs_id"] == pod.qos_specs[0]["id"]
    admin.get(f"{URL}/{specs_id}/disassociate_all")
    assert pod.type_named("gold")["qos_specs_id"] is None

    admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}")
    assert admin.delete(f"{URL}/{specs_id}?force=true").status_code == 202
    assert pod.qos_specs == [] and pod.type_named("gold")["qos_specs_id"] is None
    assert not ResourceRouting.objects.filter(resource_type="qos_specs").exists()
    assert [call[1] for call in pod.qos_calls if call[0] == "DELETE"] == [
        "/qos-specs/pod-qos-1?force=true"
    ]
    assert not cinders["Pod1"].qos_calls


def test_a_pod_that_fails_does_not_fail_the_top_change(admin, demo, cinders, keystone, caplog):
    specs_id = make_specs(admin, a="1")["id"]
    gold = make_type(admin, "gold")
    volume_in(demo, "az1", "gold")
    volume_in(demo, "az2", "gold")
    pod1, pod2 = cinders["Pod1"], cinders["Pod2"]
    qos_of_pod2 = re.compile(rf"{re.escape(pod2.base)}/qos-specs.*")
    for method in ("get", "post", "put", "delete"):
        getattr(keystone.mocker, method)(qos_of_pod2, exc=requests.exceptions.ConnectTimeout)

    with caplog.at_level(logging.WARNING, logger="gateway.services.qos_specs"):
        response = admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}")
    assert response.status_code == 202
    assert VolumeType.objects.get(id=gold["id"]).qos_specs_id == specs_id
    assert pod1.type_named("gold")["qos_specs_id"] == pod1.qos_specs[0]["id"]
    assert "Pod2" in caplog.text
    # Pod2 may have made the copy without answering: its claim stays, without a copy, and is
    # taken over by the next change, which finds the copy by name or makes it once Pod2 answers.
    claim = ResourceRouting.objects.get(resource_type="qos_specs", pod__region_name="Pod2")
    assert claim.bottom_id == ""
    pod2._serve_qos_specs(keystone.mocker)  # Pod2 is back
    assert admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}").status_code == 202
    assert pod2.type_named("gold")["qos_specs_id"] == pod2.qos_specs[0]["id"]

    # A pod that refuses a change keeps its copy; the top and the other pods take it.
    keystone.mocker.put(re.compile(rf"{re.escape(pod1.base)}/qos-specs/.*"), status_code=500)
    response = admin.put(f"{URL}/{specs_id}", {"qos_specs": {"a": "2"}}, format="json")
    assert response.status_code == 200
    assert QosSpecs.objects.get(id=specs_id).specs == {"a": "2"}
    assert pod1.qos_specs[0]["specs"] == {"a": "1"}


def test_associating_again_mends_a_copy_a_pod_missed(admin, demo, cinders, keystone):
    specs_id = make_specs(admin, a="1")["id"]
    gold = make_type(admin, "gold")
    volume_in(demo, "az2", "gold")
    pod2 = cinders["Pod2"]
    broken = keystone.mocker.post(f"{pod2.base}/qos-specs", status_code=503)
    admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}")
    assert broken.called and not pod2.qos_specs
    keystone.mocker.post(f"{pod2.base}/qos-specs", json=pod2._qos_create)  # Pod2 is back
    assert admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}").status_code == 202
    assert pod2.type_named("gold")["qos_specs_id"] == pod2.qos_specs[0]["id"]


def test_copies_a_pod_already_has_by_name_are_adopted(admin, demo, cinders):
    pod1 = cinders["Pod1"]
    pod1.qos_specs += [
        {"id": "pod-local", "name": "local", "consumer": "back-end", "specs": {}},
        {
            "id": "pod-old",
            "name": "gold-qos",
            "consumer": "back-end",
            "specs": {"a": "0", "z": "9"},
        },
    ]
    pod1.types.append(
        {"id": "old-gold", "name": "gold", "extra_specs": {}, "qos_specs_id": "pod-local"}
    )
    specs_id = make_specs(admin, consumer="front-end", a="1")["id"]
    gold = make_type(admin, "gold")
    admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}")
    volume_in(demo, "az1", "gold")
    assert pod1.qos_named("gold-qos") == {
        "id": "pod-old",
        "name": "gold-qos",
        "consumer": "front-end",
        "specs": {"a": "1"},
    }
    # The adopted type leaves the pod's own specs for Tricircle's.
    assert pod1.type_named("gold")["qos_specs_id"] == "pod-old"
    assert not [call for call in pod1.qos_calls if call[0] == "POST"]
    routing = ResourceRouting.objects.get(top_id=specs_id, resource_type="qos_specs")
    assert routing.bottom_id == "pod-old"


def test_a_type_copy_is_not_made_when_its_pod_refuses_its_qos_specs(admin, demo, cinders, keystone):
    specs_id = make_specs(admin)["id"]
    gold = make_type(admin, "gold")
    admin.get(f"{URL}/{specs_id}/associate?vol_type_id={gold['id']}")
    pod2 = cinders["Pod2"]
    keystone.mocker.post(f"{pod2.base}/qos-specs", status_code=400, json={"badRequest": {}})
    response = demo.post(
        "/volume/v3/volumes",
        {"volume": {"size": 1, "availability_zone": "az2", "volume_type": "gold"}},
        format="json",
    )
    assert response.status_code == 503
    assert "QoS specs gold-qos" in message(response)
    assert not pod2.created["volumes"]
    assert not ResourceRouting.objects.filter(top_id=gold["id"]).exists()
