"""The declared route tables: the first template that matches owns a path; an unknown path is
a 404 and a known path asked with another method a 405 naming what it takes."""

import pytest
from django.http import HttpResponse

from gateway.routes import RouteTable
from tricircle_site.exceptions import MethodNotAllowed, NotFound


def answer(name: str):
    def handler(view, request, **fields):
        return HttpResponse(f"{name} {sorted(fields.items())}")

    return handler


TABLE = RouteTable(
    {
        "/servers/detail": {"GET": answer("detail")},
        "/servers/{server_id}": {"GET": answer("show"), "DELETE": answer("delete")},
        "/servers/{server_id}/action": {"POST": answer("action")},
        "/images/{rest:path}": {"GET": answer("image")},
    }
)


def test_a_fixed_segment_declared_first_wins_over_a_field():
    resolved = TABLE.resolve("GET", "/servers/detail")
    assert resolved(None, None).content == b"detail []"


def test_fields_are_given_to_the_handler_by_name():
    resolved = TABLE.resolve("POST", "/servers/abc/action")
    assert resolved(None, None).content == b"action [('server_id', 'abc')]"


def test_a_path_field_takes_several_segments():
    resolved = TABLE.resolve("GET", "/images/a/b/c")
    assert resolved.fields == {"rest": "a/b/c"}


@pytest.mark.parametrize("path", ["/servers/", "/servers/a/b", "/nothing", "/servers//action"])
def test_an_unknown_path_is_not_found(path):
    with pytest.raises(NotFound):
        TABLE.resolve("GET", path)


def test_another_method_on_a_known_path_names_the_allowed_ones():
    with pytest.raises(MethodNotAllowed) as refused:
        TABLE.resolve("PUT", "/servers/abc")
    assert refused.value.status_code == 405
    assert refused.value.allow == "DELETE, GET"
