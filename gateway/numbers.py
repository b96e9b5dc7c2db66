"""Whole numbers taken from requests: what a database column and the pods' APIs can hold (Nova
and Cinder keep them in 32-bit integer columns), refused with a 400 otherwise, never a 500."""

from __future__ import annotations

from tricircle_site.exceptions import BadRequest

MAX_INT = 2**31 - 1


def whole_number(value: object, field: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """`value` (an integer, or a string of one) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise BadRequest(f"Invalid input for field/attribute {field}. Value: {value!r}.")
    try:
        number = int(value)
    except (ValueError, OverflowError) as exc:
        raise BadRequest(f"Invalid input for field/attribute {field}. Value: {value!r}.") from exc
    if isinstance(value, float) and number != value:
        raise BadRequest(f"Invalid input for field/attribute {field}. Value: {value!r}.")
    if not minimum <= number <= maximum:
        raise BadRequest(
            f"Invalid input for field/attribute {field}. Value: {number}. "
            f"Must be between {minimum} and {maximum}."
        )
    return number


def int_param(params: dict[str, list[str]], name: str) -> int | None:
    if not params.get(name):
        return None
    try:
        value = int(params[name][-1])
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer.") from exc
    if value < 0:
        raise BadRequest(f"{name} must be >= 0.")
    return min(value, MAX_INT)  # a larger page is the whole list as well
