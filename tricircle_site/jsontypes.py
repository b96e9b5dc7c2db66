"""Names for JSON as the code handles it: OpenStack API bodies, read and passed on."""

from typing import Any, TypeAlias

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
