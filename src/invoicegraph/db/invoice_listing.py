"""What a list of invoices asks and gets: the query (filters and order), the page, and its cursors.

A cursor carries the last row's sort key and a fingerprint of the filter and order it was taken with;
using it with another filter or order is an input error rather than a silently wrong page. The
statements that read the pages are db/invoice_queries.py's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from invoicegraph.db.invoice_reads import InvoiceShape
from invoicegraph.errors import InvalidField

STATUS_ORDER = ("OPEN", "DRAFT", "FINAL", "EMPTY", "VOID")
ORDER_FIELDS = ("INVOICE_NUMBER", "INVOICE_DATE", "DUE_DATE", "INVOICE_AMOUNT_INCLUDING_TAX", "STATUS", "CREATED_AT")


@dataclass(frozen=True)
class InvoiceQuery:
    statuses: tuple[str, ...] = ()
    customer_id: str | None = None
    subscription_id: str | None = None
    paid: bool | None = None
    on_hold: bool | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    order_field: str = "INVOICE_DATE"
    descending: bool = True
    # Only invoices whose staleSources is non-empty (True) or empty (False); needs `stale_ids`.
    stale: bool | None = None

    def fingerprint(self) -> str:
        # customer_id is excluded: Customer.invoices ignores it, and cursors move between the two.
        parts = [
            sorted(self.statuses),
            self.subscription_id,
            self.paid,
            self.on_hold,
            _iso(self.date_from),
            _iso(self.date_to),
            self.order_field,
            self.descending,
            *([] if self.stale is None else [{"stale": self.stale}]),
        ]
        return hashlib.sha256(orjson.dumps(parts)).hexdigest()[:16]


@dataclass
class InvoicePage:
    invoices: list[dict[str, Any]]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # How much of each invoice was read (db/invoice_reads.py): "keys" leaves `invoices` empty.
    shape: InvoiceShape = "document"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def encode_cursor(fingerprint: str, key: tuple[int, Any, str]) -> str:
    """A page cursor: the query's fingerprint (computed once per page) and the row's sort key."""
    null_flag, value, invoice_id = key
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    elif isinstance(value, Decimal):
        value = {"d": format(value, "f")}
    payload = orjson.dumps({"f": fingerprint, "k": [null_flag, value, invoice_id]})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


# A cursor is ours only if it is exactly what `encode_cursor` writes: anything else a client sends
# (edited, truncated, made up) is INVALID_FIELD naming the argument, and never reaches SQL as a value
# of the wrong type, a NUL byte, a naive instant or a number the column cannot hold.
MAX_CURSOR_LENGTH = 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_ROW_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
_INSTANT_ORDERS = frozenset({"INVOICE_DATE", "DUE_DATE", "CREATED_AT"})
_LARGEST_AMOUNT = Decimal(10) ** 26  # NUMERIC(38, 12)


def _sort_key_value(order_field: str, value: Any) -> Any:
    """The sort value of a non-null cursor key, checked against the order's type; raises ValueError."""
    if order_field in _INSTANT_ORDERS:
        if not isinstance(value, dict) or set(value) != {"t"} or not isinstance(value["t"], str):
            raise ValueError("not an instant")
        instant = datetime.fromisoformat(value["t"])
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("a naive instant")
        return instant
    if order_field == "INVOICE_AMOUNT_INCLUDING_TAX":
        if not isinstance(value, dict) or set(value) != {"d"} or not isinstance(value["d"], str):
            raise ValueError("not an amount")
        number = Decimal(value["d"])
        if not number.is_finite() or abs(number) >= _LARGEST_AMOUNT or number.as_tuple().exponent < -12:  # type: ignore[operator]
            raise ValueError("not a storable amount")
        return number
    if order_field == "STATUS":
        if type(value) is not int or not 0 <= value <= len(STATUS_ORDER):
            raise ValueError("not a status position")
        return value
    if not isinstance(value, str) or "\x00" in value or len(value) > 255:  # INVOICE_NUMBER
        raise ValueError("not an invoice number")
    return value


def decode_cursor(query: InvoiceQuery, cursor: str, field: str = "after") -> tuple[int, Any, str]:
    """The sort key a cursor names; INVALID_FIELD naming `field` unless it is one of ours for this query."""
    malformed = InvalidField(f"The cursor `{field}` is malformed.", field=field)
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH or not _BASE64URL.fullmatch(cursor):
        raise malformed
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise malformed from None
    if not isinstance(payload, dict) or set(payload) != {"f", "k"}:
        raise malformed
    fingerprint, key = payload["f"], payload["k"]
    if not isinstance(fingerprint, str) or not isinstance(key, list) or len(key) != 3:
        raise malformed
    null_flag, value, invoice_id = key
    if type(null_flag) is not int or null_flag not in (0, 1) or not isinstance(invoice_id, str) or not _ROW_ID.fullmatch(invoice_id):
        raise malformed
    if fingerprint != query.fingerprint():
        raise InvalidField(f"The cursor `{field}` was taken with another filter or order.", field=field)
    if null_flag == 1:
        if value is not None:
            raise malformed
        return 1, None, invoice_id
    try:
        return 0, _sort_key_value(query.order_field, value), invoice_id
    except (ValueError, TypeError, ArithmeticError):
        raise malformed from None
