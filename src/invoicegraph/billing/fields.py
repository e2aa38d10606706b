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
