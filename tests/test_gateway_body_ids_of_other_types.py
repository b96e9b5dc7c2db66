"""Fields of a create body that Tricircle reads before the pod validates the body (a server's
zone, key pair, block device mappings, security groups and return_reservation_id; a volume's,
snapshot's or backup's source ids) are refused as a 400 when they are not of the type the API
gives them, and nothing is created in any pod (they reached Python and SQL as they came: 500s)."""

import pytest

pytestmark = pytest.mark.django_db

NOT_STRINGS = [1, -1, True, 1.5, {"x": 1}, [{}], 10**30]


@pytest.mark.parametrize("value", NOT_STRINGS)
@pytest.mark.parametrize("field", ["availability_zone", "key_name"])
def test_a_servers_zone_or_key_pair_not_a_string(demo, novas, field, value):
    server = {"name": "s", "flavorRef": "1", "imageRef": "i", "networks": "none", field: value}
    response = demo.post("/compute/v2.1/servers", {"server": server}, format="json")
    assert response.status_code == 400, response.content
    message = response.json()["badRequest"]["message"]
    assert message.startswith(f"Invalid input for field/attribute {field}.")
    assert "is not of type 'string'" in message
    assert novas["Pod1"].servers == [] and novas["Pod2"].servers == []


@pytest.mark.parametrize(
    ("mappings", "reason"),
    [
        (1, "1 is not of type 'array'"),
        (True, "True is not of type 'array'"),
        ({"uuid": "v"}, "{'uuid': 'v'} is not of type 'array'"),
        (["v"], "'v' is not of type 'object'"),
        ([{}, 3], "3 is not of type 'object'"),
    ],
)
@pytest.mark.parametrize("field", ["block_device_mapping_v2", "block_device_mapping"])
def test_block_device_mappings_not_a_list_of_objects(demo, novas, field, mappings, reason):
    server = {"name": "s", "flavorRef": "1", "networks": "none", field: mappings}
    response = demo.post("/compute/v2.1/servers", {"server": server}, format="json")
    assert response.status_code == 400, response.content
    message = response.json()["badRequest"]["message"]
    assert message.startswith(f"Invalid input for field/attribute {field}.")
    assert message.endswith(reason)


@pytest.mark.parametrize("value", NOT_STRINGS)
@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("volumes", "snapshot_id"),
        ("volumes", "source_volid"),
        ("volumes", "backup_id"),
        ("snapshots", "volume_id"),
        ("backups", "volume_id"),
    ],
)
def test_a_volume_source_id_not_a_string(demo, cinders, kind, field, value):
    item = {"size": 1, field: value} if kind == "volumes" else {field: value}
    response = demo.post(f"/volume/v3/{kind}", {kind[:-1]: item}, format="json")
    assert response.status_code == 400, response.content
    assert "an id is a string" in response.json()["badRequest"]["message"]
    assert not any(cinder.created[kind] for cinder in cinders.values())


@pytest.mark.parametrize(
    ("groups", "reason"),
    [
        ("default", "'default' is not of type 'array'"),
        ({"name": "default"}, "{'name': 'default'} is not of type 'array'"),
        (["default"], "'default' is not of type 'object'"),
        ([{"name": 1}], "1 is not of type 'string'"),
        ([{}], "None is not of type 'string'"),
    ],
)
@pytest.mark.parametrize("networks", ["none", [{"uuid": "9d4ef1a4-3b4e-4a43-9a6b-2c4f6f0e8a11"}]])
def test_security_groups_not_a_list_of_named_objects(demo, novas, networks, groups, reason):
    server = {"name": "s", "flavorRef": "1", "networks": networks, "security_groups": groups}
    response = demo.post("/compute/v2.1/servers", {"server": server}, format="json")
    assert response.status_code == 400, response.content
    message = response.json()["badRequest"]["message"]
    assert message.startswith("Invalid input for field/attribute security_groups.")
    assert message.endswith(reason)
    assert novas["Pod1"].servers == [] and novas["Pod2"].servers == []


@pytest.mark.parametrize("value", [[], {}, [1], {"a": 1}, "maybe", 1, 1.5, None])
def test_return_reservation_id_not_a_boolean(demo, novas, value):
    server = {"name": "s", "flavorRef": "1", "networks": "none", "return_reservation_id": value}
    response = demo.post("/compute/v2.1/servers", {"server": server}, format="json")
    assert response.status_code == 400, response.content
    message = response.json()["badRequest"]["message"]
    assert message.startswith("Invalid input for field/attribute return_reservation_id.")
    assert novas["Pod1"].servers == [] and novas["Pod2"].servers == []
