"""An imported backup record is made in the pod a new volume of the project would go to, and
routed there: later calls on the backup reach that pod. (Ids are in lower case: requests_mock
gives the fake Cinder lower-cased paths.)"""

import pytest

from routing.models import ResourceRouting

pytestmark = pytest.mark.django_db


def test_an_imported_backup_is_routed_to_the_pod_that_took_it(demo, cinders, keystone):
    imported = {
        name: keystone.mocker.post(
            f"{cinder.base}/backups/import_record",
            json={"backup": {"id": f"imported-in-{name.lower()}", "name": None, "links": []}},
            status_code=201,
        )
        for name, cinder in cinders.items()
    }
    body = {"backup-record": {"backup_service": "swift", "backup_url": "eyJ9"}}
    response = demo.post("/volume/v3/backups/import_record", body, format="json")
    assert response.status_code == 201, response.content
    made = response.json()["backup"]["id"]
    (pod,) = [name for name, mock in imported.items() if mock.called]
    assert made == f"imported-in-{pod.lower()}"
    assert imported[pod].last_request.json() == body
    routing = ResourceRouting.objects.get(top_id=made, resource_type="backup")
    assert (routing.pod.region_name, routing.project_id) == (pod, "demo-project")
    cinders[pod].add("backups", made, "restored", "2026-11-25T00:00:00Z")
    assert demo.get(f"/volume/v3/backups/{made}").json()["backup"]["id"] == made


def test_a_refused_import_routes_nothing(demo, cinders, keystone):
    for cinder in cinders.values():
        keystone.mocker.post(
            f"{cinder.base}/backups/import_record",
            json={"badRequest": {"code": 400, "message": "Invalid backup record."}},
            status_code=400,
        )
    response = demo.post("/volume/v3/backups/import_record", {"backup-record": {}}, format="json")
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"] == "Invalid backup record."
    assert not ResourceRouting.objects.filter(resource_type="backup").exists()
