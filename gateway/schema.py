"""Request bodies read as JSON objects; their refusals in the words of Nova's and Cinder's
JSON-schema validation (both word them as jsonschema does), and the boolean words their APIs
take (Nova's schema booleans; oslo's `bool_from_string(strict=True)`)."""

from __future__ import annotations

import json

from tricircle_site.exceptions import BadRequest
from tricircle_site.jsontypes import JsonDict

TRUE_WORDS = frozenset({"1", "t", "true", "on", "y", "yes"})
FALSE_WORDS = frozenset({"0", "f", "false", "off", "n", "no"})


# The booleans Nova's API schemas take (parameter_types.boolean): these words exactly.
NOVA_TRUE_WORDS = frozenset({"True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes"})
NOVA_FALSE_WORDS = frozenset(
    {"False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"}
)


def nova_boolean(value: object, name: str) -> bool:
    """A boolean field of a Nova body, refused unless a boolean or one of Nova's words."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in NOVA_TRUE_WORDS | NOVA_FALSE_WORDS:
        return value in NOVA_TRUE_WORDS
    raise BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}.")


def strict_boolean(word: str) -> bool | None:
    """The boolean a word says (any case, spaces around), None when it says none."""
    folded = word.strip().lower()
    if folded in TRUE_WORDS | FALSE_WORDS:
        return folded in TRUE_WORDS
    return None


def invalid(field: object, value: object, reason: str) -> BadRequest:
    """The refusal of one field of a body."""
    return BadRequest(f"Invalid input for field/attribute {field}. Value: {value}. {reason}")


def unexpected(extra: list[str]) -> str:
    names = ", ".join(repr(name) for name in extra)
    verb = "were" if len(extra) > 1 else "was"
    return f"Additional properties are not allowed ({names} {verb} unexpected)"


def only_member(body: JsonDict, key: str) -> object:
    """The one member a body is made of ({"qos_specs": ...}): required, and nothing beside it."""
    if key not in body:
        raise BadRequest(f"'{key}' is a required property")
    extra = sorted(set(body) - {key})
    if extra:
        raise BadRequest(unexpected(extra))
    return body[key]


def parse_json(raw: bytes) -> JsonDict:
    """A request body that must be a JSON object."""
    try:
        body = json.loads(raw or b"null")
    except RecursionError as exc:
        raise BadRequest("The request body nests too deeply.") from exc
    except ValueError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body
