"""Refresh types (refresh.md §2): parsing, merging and what FULL stands for."""

from __future__ import annotations

from collections.abc import Iterable

from invoicegraph.errors import InvalidField

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
            raise InvalidField(f"{value!r} is not a refresh type; use one of {', '.join(ALL_TYPES)}.", field=f"{field}.{index}")
        requested.add(value)
    if not requested or FULL in requested:
        return (FULL,)
    return tuple(t for t in PARTS if t in requested)


def expand(types: tuple[str, ...]) -> frozenset[str]:
    """The parts a request re-reads: FULL is all of them (and re-rating)."""
    return frozenset(PARTS) if FULL in types else frozenset(types)


def checked_invoice_id(value: str) -> str:
    """The invoice id a refresh or preview names; an empty or blank one is malformed, not unknown.

    (schema: "INVALID_FIELD: an argument is malformed, e.g. an empty id".)
    """
    if not value.strip():
        raise InvalidField("The invoice id must not be empty.", field="id")
    return value
