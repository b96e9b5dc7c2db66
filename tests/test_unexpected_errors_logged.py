"""An unexpected error is answered with a 500 in the API's format that names the request id,
and logged once to the log file with its traceback, method, path, project and request id."""

import uuid

import pytest

from pods import services as pod_services

pytestmark = pytest.mark.django_db


def fail(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom from a test")


@pytest.mark.parametrize(
    ("path", "key"),
    [("/compute/v2.1/servers", "computeFault"), ("/volume/v3/volumes", "computeFault")],
)
def test_a_500_is_logged_with_traceback_and_request_id(
    demo, keystone, monkeypatch, settings, path, key
):
    monkeypatch.setattr(pod_services, "bottom_pods", fail)
    request_id = f"req-{uuid.uuid4()}"
    size_before = settings.LOG_FILE.stat().st_size if settings.LOG_FILE.exists() else 0
    response = demo.get(path, HTTP_X_OPENSTACK_REQUEST_ID=request_id)
    assert response.status_code == 500
    assert request_id in response.json()[key]["message"]
    assert response["x-openstack-request-id"] == request_id
    with settings.LOG_FILE.open() as log:
        log.seek(size_before)
        written = log.read()
    (line,) = [line for line in written.splitlines() if "Unexpected error" in line]
    assert f"[{request_id}] Unexpected error in GET {path} (project demo-project)" in line
    assert "Traceback" in written and "RuntimeError: boom from a test" in written
