"""The deployed WSGI application is always wrapped by keystonemiddleware: identity headers sent
by a client are stripped, so they cannot stand in for a token."""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def call(environ_extra: dict) -> tuple[str, dict, dict]:
    from tricircle_site.wsgi import application

    environ: dict = {"PATH_INFO": "/v1.0/pods", "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    environ.update(environ_extra)
    captured: dict = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        captured["status"], captured["headers"] = status, dict(headers)

    body = b"".join(application(environ, start_response))
    return captured["status"], captured["headers"], json.loads(body)


def test_forged_identity_headers_without_a_token_are_a_401():
    status, headers, body = call(
        {"HTTP_X_IDENTITY_STATUS": "Confirmed", "HTTP_X_ROLES": "admin", "HTTP_X_PROJECT_ID": "p"}
    )
    assert status.startswith("401")
    assert headers["WWW-Authenticate"].startswith("Keystone uri=")
    assert body["detail"]
