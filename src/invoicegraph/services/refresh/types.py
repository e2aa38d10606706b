"""Refresh types (docs/refresh.md): parsing, merging and what FULL stands for."""

from __future__ import annotations

from collections.abc import Iterable

from invoicegraph.errors import InvalidField, reflected
from invoicegraph.records.values import ID_MAX_LENGTH

FULL = "FULL"
PARTS = ("CUSTOMER", "BILLING_ENTITY", "CUSTOM_FIELD", "PAYMENT_ACCEPTOR", "PO_NUMBER", "TAX_RATES")
ALL_TYPES = (FULL, *PARTS)


def normalize_types(types: Iterable[object] | None, *, field: str = "types") -> tuple[str, ...]:
    """The requested types, deduplicated in the canonical order; absent, null or empty means FULL.

    An unknown value is an input error naming its position (`types.2`).
    """
    requested: set[str] = set()
    for index, value in enumerate(types or ()):
        if not isinstance(value, str) or value not in ALL_TYPES:
            raise InvalidField(f"{reflected(value)} is not a refresh type; use one of {', '.join(ALL_TYPES)}.", field=f"{field}.{index}")
        requested.add(value)
    if not requested or FULL in requested:
        return (FULL,)
    return tuple(t for t in PARTS if t in requested)


def expand(types: tuple[str, ...]) -> frozenset[str]:
    """The parts a request re-reads: FULL is all of them (and re-rating)."""
    return frozenset(PARTS) if FULL in types else frozenset(types)


def checked_invoice_id(value: str) -> str:
    """The invoice id a refresh or preview names; an empty, blank or over-long one is malformed, not unknown.

    (schema: "INVALID_FIELD: an argument is malformed, e.g. an empty id".) No invoice has an id longer
    than ID_MAX_LENGTH, on any platform, so refusing one says nothing about what exists.
    """
    if not value.strip():
        raise InvalidField("The invoice id must not be empty.", field="id")
    checked_id_length(value, "id")
    return value


def checked_id_length(value: str, field: str) -> str:
    """An id no record can have (longer than ID_MAX_LENGTH) is `INVALID_FIELD`, and is not sent back whole."""
    if len(value) > ID_MAX_LENGTH:
        raise InvalidField(f"{reflected(value)} is not an id: ids are at most {ID_MAX_LENGTH} characters.", field=field)
    return value
