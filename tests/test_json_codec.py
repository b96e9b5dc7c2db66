"""The gateway's JSON codec (orjson) reads and writes what the standard library does, also at
its edges: integers past 64 bits, NaN, invalid documents."""

import json

import pytest

from tricircle_site.jsontypes import decode_json, encode_json


def test_a_body_round_trips_as_with_the_standard_library():
    body = {"servers": [{"id": "s1", "name": "vé", "ram": 512, "ratio": 1.5, "tags": None}]}
    assert decode_json(encode_json(body)) == body == json.loads(json.dumps(body))
    assert decode_json(json.dumps(body)) == body


def test_what_orjson_refuses_is_read_and_written_as_the_standard_library_does():
    big = 2**70
    assert decode_json(b'{"n": %d}' % big) == {"n": big}
    assert json.loads(encode_json({"n": big})) == {"n": big}
    assert str(decode_json(b'{"x": NaN}')["x"]) == "nan"
    assert decode_json(encode_json({1: "a"})) == {"1": "a"}


def test_invalid_json_raises_value_error():
    with pytest.raises(ValueError):
        decode_json(b"{not json")
