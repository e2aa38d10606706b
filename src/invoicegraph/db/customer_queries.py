"""Listing customers: a status filter, a search over reference and name, keyset pages both ways, one platform.

The order is the customer's `reference` (unique per platform, what people file customers by), then
its id, so cursors stay stable. A cursor carries the last row's (reference, id) and a fingerprint of
the filter it was taken with; using it with another filter, or anything but a cursor of ours, is
INVALID_FIELD naming the argument. One statement per page, plus one for the total when asked: the
count of statements does not depend on the page size.

The search is a case-insensitive substring of the reference, the organization's legal name or the
individual's first or last name (`%` and `_` match themselves). Customers are configuration records
(a few thousand per platform): the search reads their JSON in the scan rather than keeping an index.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlmodel import col

from invoicegraph.db.prepared import Reads
from invoicegraph.db.reads import record_dict
from invoicegraph.db.tables import Customer
from invoicegraph.errors import InvalidField

MAX_SEARCH_LENGTH = 100
MAX_CURSOR_LENGTH = 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class CustomerQuery:
    statuses: tuple[str, ...] = ()
    search: str | None = None

    def fingerprint(self) -> str:
        return hashlib.sha256(orjson.dumps([sorted(self.statuses), self.search])).hexdigest()[:16]


@dataclass
class CustomerPage:
    customers: list[dict[str, Any]]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int | None = None


def _reference() -> ColumnElement[str]:
    reference: ColumnElement[str] = col(Customer.data)["reference"].as_string()
    return reference


def _filters(platform_id: str, query: CustomerQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(Customer.platform_id) == platform_id]
    if query.statuses:
        conditions.append(col(Customer.data)["status"].as_string().in_(query.statuses))
    if query.search:
        needle = query.search.lower()
        data = col(Customer.data)
        searched = (
            _reference(),
            data["organization"]["legal_name"].as_string(),
            data["individual"]["name"]["first_name"].as_string(),
            data["individual"]["name"]["last_name"].as_string(),
        )
        conditions.append(or_(*(func.lower(value).contains(needle, autoescape=True) for value in searched)))
    return conditions


def encode_cursor(query: CustomerQuery, reference: str, customer_id: str) -> str:
    payload = orjson.dumps({"f": query.fingerprint(), "k": [reference, customer_id]})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(query: CustomerQuery, cursor: str, field: str) -> tuple[str, str]:
    """The (reference, id) a cursor names; INVALID_FIELD naming `field` unless it is one of ours for this filter."""
    malformed = InvalidField(f"The cursor `{field}` is malformed.", field=field)
    if len(cursor) > MAX_CURSOR_LENGTH or not _BASE64URL.fullmatch(cursor):
        raise malformed
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise malformed from None
    if not isinstance(payload, dict) or set(payload) != {"f", "k"} or not isinstance(payload["k"], list) or len(payload["k"]) != 2:
        raise malformed
    reference, customer_id = payload["k"]
    if not all(isinstance(part, str) and 0 < len(part) <= 255 and "\x00" not in part for part in (reference, customer_id)):
        raise malformed
    if payload["f"] != query.fingerprint():
        raise InvalidField(f"The cursor `{field}` was taken with another filter.", field=field)
    return reference, customer_id


def _page_statement(platform_id: str, query: CustomerQuery, size: int, cursor: str | None, backward: bool) -> Select[Any]:
    reference = _reference()
    conditions = _filters(platform_id, query)
    if cursor is not None:
        c_reference, c_id = decode_cursor(query, cursor, "before" if backward else "after")
        if backward:
            conditions.append(or_(reference < c_reference, and_(reference == c_reference, col(Customer.id) < c_id)))
        else:
            conditions.append(or_(reference > c_reference, and_(reference == c_reference, col(Customer.id) > c_id)))
    ordering = (reference.desc(), col(Customer.id).desc()) if backward else (reference.asc(), col(Customer.id).asc())
    return select(col(Customer.id), col(Customer.data)).where(*conditions).order_by(*ordering).limit(size + 1)


async def customer_page(
    session: Reads, platform_id: str, query: CustomerQuery, *, size: int, cursor: str | None, backward: bool, with_total: bool
) -> CustomerPage:
    """One page of the platform's customers after `cursor` (or before it, `backward`)."""
    rows = list((await session.execute(_page_statement(platform_id, query, size, cursor, backward))).all())
    more = len(rows) > size
    visible = list(reversed(rows[:size])) if backward else rows[:size]
    customers = [record_dict(row.id, platform_id, row.data) for row in visible]
    page = CustomerPage(
        customers=customers,
        cursors=[encode_cursor(query, str(customer.get("reference") or ""), customer["id"]) for customer in customers],
        has_next_page=cursor is not None if backward else more,
        has_previous_page=more if backward else cursor is not None,
    )
    if with_total:
        count = select(func.count()).select_from(Customer).where(*_filters(platform_id, query))
        page.total_count = int((await session.execute(count)).scalar_one())
    return page
