"""Validation problems with their JSON paths, in the style of docs/importing.md:
`customers[3].organization.registered_address.country: 'XX' is not a country code`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

Loc = Sequence[str | int]


def json_path(loc: Loc) -> str:
    """`("customers", 3, "organization")` → `customers[3].organization`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "$"


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _message(error: ErrorDetails) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{value!r} is not one of {expected.replace(' or ', ', ')}"
    if kind in ("string_type", "int_type", "bool_type", "list_type", "dict_type", "model_type"):
        wanted = {
            "string_type": "a string",
            "int_type": "an integer",
            "bool_type": "true or false",
            "list_type": "a list",
            "dict_type": "an object",
            "model_type": "an object",
        }[kind]
        return f"expected {wanted}, got {_json_type(value)}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} does not match {error.get('ctx', {}).get('pattern', '')}"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return error["msg"]


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def problems_from(error: ValidationError, prefix: Loc = ()) -> list[Problem]:
    """Every error of a pydantic ValidationError, with the record's own path in front."""
    return [Problem(json_path([*prefix, *e["loc"]]), _message(e)) for e in error.errors(include_url=False)]


def problems_at(prefix: Loc, items: Iterable[tuple[Loc, str]]) -> list[Problem]:
    return [Problem(json_path([*prefix, *loc]), message) for loc, message in items]
