"""Reading stored fields (the JSON of an invoice, customer, subscription… as the database keeps it).

`Fields` is such a mapping: snake_case keys as in docs/importing.md, decimals as strings, timestamps as
ISO 8601 with `Z` or an offset. ("Record" is reserved for the import models in `invoicegraph.records`.)
These helpers refuse what the engine cannot use exactly (floats, naive times).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from invoicegraph.billing.instants import parse_instant
from invoicegraph.billing.money import parse_decimal

# One stored object's fields by name.
Fields = Mapping[str, Any]
# The same as a dict: fields the code builds, copies or rewrites (and the stored JSON as read).
MutableFields = dict[str, Any]


def opt_instant(record: Fields, key: str) -> datetime | None:
    value = record.get(key)
    return None if value is None else parse_instant(value)


def opt_decimal(record: Fields, key: str) -> Decimal | None:
    value = record.get(key)
    return None if value is None else parse_decimal(value)


def req_decimal(record: Fields, key: str) -> Decimal:
    if record.get(key) is None:
        raise ValueError(f"{key} is required")
    return parse_decimal(record[key])


def req_str(record: Fields, key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is required")
    return value


def opt_str(record: Fields, key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, got {value!r}")
    return value


def opt_int(record: Fields, key: str) -> int | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer, got {value!r}")
    return value


def str_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(str(item) for item in value)


def sub(record: Fields, key: str) -> Fields:
    """A nested object, `{}` when absent or null."""
    value = record.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{key} must be an object, got {value!r}")
    return value


def object_list(record: Fields, key: str) -> list[Fields]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError(f"{key} must be a list, got {value!r}")
    return [item for item in value if isinstance(item, Mapping)]


def copied_fields(fields: Fields) -> MutableFields:
    """A copy of stored fields whose nested objects and arrays are new too (its leaves are shared).

    Stored fields are trees of dicts and lists over immutable leaves (str, int, Decimal, bool, None),
    so copying the containers is a whole copy: what `copy.deepcopy` makes, without its memo and its
    dispatch per leaf (several times faster on an invoice's periods, where the engine copies them so
    that it never changes what it was given).
    """
    return {key: _copied(value) for key, value in fields.items()}


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, tuple):  # not in stored JSON, but the engine's own values may hold some
        return tuple(_copied(item) for item in value)
    return value
