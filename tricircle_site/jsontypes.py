"""Names for JSON as the code handles it: OpenStack API bodies, read and passed on; and the
one codec for them on the gateway's paths (orjson: parsing and merging the pods' lists is most
of what the gateway itself spends on a list)."""

import json
from typing import Any, TypeAlias

import orjson

# Any parsed JSON document (what json.loads gives): the type of an OpenStack API's answer
# before the code looks into it.
Json: TypeAlias = Any
# A parsed JSON object whose shape is open: an OpenStack API body passed through, added up or
# partly read. Its values are Any because JSON gives no more; code that relies on one checks it
# (isinstance, json_str) or takes it as the API documents it.
JsonDict: TypeAlias = dict[str, Any]


def json_str(value: object) -> str:
    """A string of a parsed body (an id an OpenStack API answered), checked."""
    if not isinstance(value, str):
        raise TypeError(f"Expected a JSON string, got {type(value).__name__}: {value!r:.100}")
    return value


def json_object(value: object) -> JsonDict:
    """An object of a parsed body (a resource an OpenStack API answered), checked."""
    if not isinstance(value, dict):
        raise TypeError(f"Expected a JSON object, got {type(value).__name__}: {value!r:.100}")
    return value


def decode_json(content: bytes | str) -> Json:
    """A JSON document. What orjson refuses and the standard library reads (an integer past
    64 bits, NaN) is read as the standard library reads it; invalid JSON raises ValueError
    (json.JSONDecodeError) either way."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


def encode_json(value: Json) -> bytes:
    """A JSON document's bytes (UTF-8, compact); what orjson cannot encode (an integer past 64
    bits) as the standard library encodes it."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value).encode()
