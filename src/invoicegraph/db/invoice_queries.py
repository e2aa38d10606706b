"""Listing invoices: filters, orders and keyset (cursor) pagination, scoped to one platform.

Order is a total order: (nulls last, the sort value in the chosen direction, id in the same
direction), so cursors stay stable when rows share a value. A cursor carries the last row's sort key
and a fingerprint of the filter and order it was taken with; using it with another filter or order is
an input error rather than a silently wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Select, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.types import Numeric
from sqlmodel import col

from invoicegraph.db.invoice_reads import InvoiceShape, shape_columns, shaped_invoice
from invoicegraph.db.prepared import fetch, keys
from invoicegraph.db.tables import Invoice, InvoiceSubscription, table_of
from invoicegraph.errors import InvalidField

# Page statements are built once per (query, first, after, shape, dialect) with the platform and the
# customers as parameters (db/prepared.py says why); bounded like the other per-process caches.
STATEMENT_CACHE_SIZE = 256
PLATFORM: BindParameter[str] = bindparam("platform_id")
CUSTOMERS: BindParameter[list[str]] = bindparam("customer_ids", expanding=True)
# The invoices whose staleSources is not empty, decided outside SQL (services/stale_scan.py) and given
# to a page or count statement of a `stale` query as this parameter.
STALE_IDS: BindParameter[list[str]] = bindparam("stale_ids", expanding=True)

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


def _sort_value(query: InvoiceQuery, dialect: str) -> ColumnElement[Any]:
    _columns = table_of(Invoice).c
    if query.order_field == "INVOICE_NUMBER":
        return _columns.invoice_number
    if query.order_field == "DUE_DATE":
        return _columns.due_date
    if query.order_field == "INVOICE_AMOUNT_INCLUDING_TAX":
        # SQLite keeps exact decimals as text (db/types.py): compare them as numbers.
        column: ColumnElement[Any] = _columns.invoice_amount_including_tax
        return cast(column, Numeric()) if dialect == "sqlite" else column
    if query.order_field == "STATUS":
        return case({status: index for index, status in enumerate(STATUS_ORDER)}, value=_columns.status, else_=len(STATUS_ORDER))
    if query.order_field == "CREATED_AT":
        return _columns.created_at
    return _columns.invoice_date


def filters(platform_id: str | BindParameter[str], query: InvoiceQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(Invoice.platform_id) == platform_id]
    if query.statuses:
        conditions.append(col(Invoice.status).in_(query.statuses))
    if query.customer_id is not None:
        conditions.append(col(Invoice.customer_id) == query.customer_id)
    if query.paid is not None:
        conditions.append(col(Invoice.paid) == query.paid)
    if query.on_hold is not None:
        conditions.append(col(Invoice.on_hold) == query.on_hold)
    if query.date_from is not None:
        conditions.append(col(Invoice.invoice_date) >= query.date_from)
    if query.date_to is not None:
        conditions.append(col(Invoice.invoice_date) < query.date_to)
    if query.stale is not None:
        conditions.append(col(Invoice.id).in_(STALE_IDS) if query.stale else col(Invoice.id).not_in(STALE_IDS))
    if query.subscription_id is not None:
        conditions.append(
            col(Invoice.id).in_(
                select(col(InvoiceSubscription.invoice_id)).where(
                    col(InvoiceSubscription.platform_id) == platform_id,
                    col(InvoiceSubscription.subscription_id) == query.subscription_id,
                )
            )
        )
    return conditions


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


def _after(
    query: InvoiceQuery, sort: ColumnElement[Any], null_flag: ColumnElement[int], cursor: tuple[int, Any, str]
) -> ColumnElement[bool]:
    """Rows strictly after the cursor in the total order (nulls last in both directions)."""
    c_null, c_value, c_id = cursor
    later_id = col(Invoice.id) < c_id if query.descending else col(Invoice.id) > c_id
    if c_null == 1:
        return and_(null_flag == 1, later_id)
    later_value = sort < c_value if query.descending else sort > c_value
    return or_(null_flag == 1, and_(null_flag == 0, or_(later_value, and_(sort == c_value, later_id))))


def _before(
    query: InvoiceQuery, sort: ColumnElement[Any], null_flag: ColumnElement[int], cursor: tuple[int, Any, str]
) -> ColumnElement[bool]:
    """Rows strictly before the cursor in the total order (nulls last in both directions)."""
    c_null, c_value, c_id = cursor
    earlier_id = col(Invoice.id) > c_id if query.descending else col(Invoice.id) < c_id
    if c_null == 1:
        return or_(null_flag == 0, and_(null_flag == 1, earlier_id))
    earlier_value = sort > c_value if query.descending else sort < c_value
    return and_(null_flag == 0, or_(earlier_value, and_(sort == c_value, earlier_id)))


def _bound(
    query: InvoiceQuery, sort: ColumnElement[Any], null_flag: ColumnElement[int], cursor: str, backward: bool
) -> ColumnElement[bool]:
    """Rows after the cursor (`after`), or before it (`before`, when paging backward)."""
    if backward:
        return _before(query, sort, null_flag, decode_cursor(query, cursor, "before"))
    return _after(query, sort, null_flag, decode_cursor(query, cursor, "after"))


def _ordering(query: InvoiceQuery, sort: ColumnElement[Any], null_flag: ColumnElement[int], *, backward: bool = False) -> list[Any]:
    """The total order, or its reverse for a backward page (whose rows are then put back in order)."""
    if query.descending != backward:
        return [null_flag.desc() if backward else null_flag.asc(), sort.desc(), col(Invoice.id).desc()]
    return [null_flag.desc() if backward else null_flag.asc(), sort.asc(), col(Invoice.id).asc()]


def _page_statement(
    platform_id: str | BindParameter[str],
    query: InvoiceQuery,
    first: int,
    after: str | None,
    dialect: str,
    shape: InvoiceShape = "document",
    backward: bool = False,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> Select[Any]:
    """`first` rows after `after` (and one more, to tell whether there is a next page); backward: the
    `first` rows before it (`last`/`before`), in reverse order. `limit`/`offset`: exactly `limit` rows
    from `offset` instead (numbered pages).

    A page of whole documents is a deferred join: the page's keys are sorted and cut first, then only
    their rows are read whole. Sorting the documents themselves carried every candidate row's document
    through the sort (6.5 ms for a 25-invoice page of 600 invoices on SQLite, 0.4 ms deferred).
    """
    sort = _sort_value(query, dialect)
    null_flag: ColumnElement[int] = case((sort.is_(None), 1), else_=0)
    conditions = filters(platform_id, query)
    if after is not None:
        conditions.append(_bound(query, sort, null_flag, after, backward))
    count = first + 1 if limit is None else limit
    keys = (col(Invoice.platform_id), col(Invoice.id)) if shape == "document" else shape_columns(shape)
    statement = (
        select(*keys, null_flag.label("sort_null"), sort.label("sort_value"))
        .where(*conditions)
        .order_by(*_ordering(query, sort, null_flag, backward=backward))
        .limit(count)
        .offset(offset or None)
    )
    if shape != "document":
        return statement
    page = statement.subquery("page")
    ascending = query.descending == backward
    return (
        select(*shape_columns(shape), page.c.sort_null, page.c.sort_value)
        .join_from(Invoice, page, and_(col(Invoice.platform_id) == page.c.platform_id, col(Invoice.id) == page.c.id))
        .order_by(
            page.c.sort_null.desc() if backward else page.c.sort_null.asc(),
            page.c.sort_value.asc() if ascending else page.c.sort_value.desc(),
            page.c.id.asc() if ascending else page.c.id.desc(),
        )
    )


def _to_page(
    query: InvoiceQuery, rows: Sequence[Any], first: int, after: str | None, shape: InvoiceShape, backward: bool = False
) -> InvoicePage:
    """A page of rows read after a cursor, or (`backward`) read before it in reverse order."""
    visible = list(reversed(rows[:first])) if backward else rows[:first]
    fingerprint = query.fingerprint() if visible else ""
    more = len(rows) > first
    return InvoicePage(
        invoices=[] if shape == "keys" else [invoice for row in visible if (invoice := shaped_invoice(row, shape)) is not None],
        cursors=[encode_cursor(fingerprint, (row.sort_null, row.sort_value, row.id)) for row in visible],
        has_next_page=after is not None if backward else more,
        has_previous_page=more if backward else after is not None,
        shape=shape,
    )


async def invoice_page(
    session: AsyncSession,
    platform_id: str,
    query: InvoiceQuery,
    *,
    first: int,
    after: str | None,
    with_total: bool,
    shape: InvoiceShape = "document",
    backward: bool = False,
    stale_ids: Sequence[str] = (),
) -> InvoicePage:
    """One page of the platform's invoices (one statement, plus one for the total when asked).

    Backward (`last`/`before`): `first` is the page size and `after` the cursor the page ends before.
    A `stale` query needs `stale_ids`, the platform's invoices whose staleSources is not empty.
    """
    dialect = session.get_bind().dialect.name
    parameters = page_parameters(platform_id, query, stale_ids)
    rows = await fetch(session, _cached_page_statement(query, first, after, dialect, shape, backward), parameters)
    page = _to_page(query, rows, first, after, shape, backward)
    if with_total:
        counted = await fetch(session, _count_statement(query), parameters)
        page.total_count = int(counted[0][0])
    return page


def page_parameters(platform_id: str, query: InvoiceQuery, stale_ids: Sequence[str] = ()) -> dict[str, Any]:
    """The parameters of a page or count statement of `query` on the platform."""
    return {"platform_id": platform_id, **({"stale_ids": keys(stale_ids)} if query.stale is not None else {})}


def matching_ids_statement(query: InvoiceQuery, limit: int, dialect: str) -> Select[Any]:
    """The ids (with their customer) of the first `limit` invoices of `query`, in its order; `page_parameters`."""
    return _cached_page_statement(query, limit - 1, None, dialect, "keys")


def numbered_page_statements(
    platform_id: str, query: InvoiceQuery, *, page: int, limit: int, dialect: str
) -> tuple[Select[Any], Select[Any]]:
    """Page `page` (from 1) of `limit` invoices by offset, in the connection's total order, and their count.

    The REST list is page-numbered like the vendor's lists; it shares the filters and the order (ties
    broken by id) with the cursor pages above, so both list the same invoices in the same order.
    """
    page_rows = _page_statement(platform_id, query, limit, None, dialect, limit=limit, offset=(page - 1) * limit)
    count = select(func.count()).select_from(Invoice).where(*filters(platform_id, query))
    return page_rows, count


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _cached_page_statement(
    query: InvoiceQuery, first: int, after: str | None, dialect: str, shape: InvoiceShape, backward: bool = False
) -> Select[Any]:
    return _page_statement(PLATFORM, query, first, after, dialect, shape, backward)


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _count_statement(query: InvoiceQuery) -> Select[Any]:
    return select(func.count()).select_from(Invoice).where(*filters(PLATFORM, query))


async def invoice_pages_by_customer(
    session: AsyncSession,
    platform_id: str,
    customer_ids: Sequence[str],
    query: InvoiceQuery,
    *,
    first: int,
    after: str | None,
    shape: InvoiceShape = "document",
    backward: bool = False,
) -> dict[str, InvoicePage]:
    """A page per customer, in one statement (window functions), with each customer's total count."""
    statement = customer_pages_statement(query, first, after, session.get_bind().dialect.name, shape, backward)
    rows = await fetch(session, statement, {"platform_id": platform_id, "customer_ids": keys(customer_ids)})
    return customer_pages(rows, customer_ids, query, first=first, after=after, shape=shape, backward=backward)


def customer_pages(
    rows: Sequence[Any],
    customer_ids: Sequence[str],
    query: InvoiceQuery,
    *,
    first: int,
    after: str | None,
    shape: InvoiceShape,
    backward: bool = False,
) -> dict[str, InvoicePage]:
    """The pages of `customer_pages_statement`'s rows, in whatever order the rows came (a folded read's may not keep it)."""
    grouped: dict[str, list[Any]] = {}
    counts: dict[str, int] = {}
    for row in sorted(rows, key=lambda row: (row.owner_id, row.position or 0)):
        counts[row.owner_id] = int(row.total_count)
        if row.id is not None:
            grouped.setdefault(row.owner_id, []).append(row)
    pages: dict[str, InvoicePage] = {}
    for customer_id in customer_ids:
        page = _to_page(query, grouped.get(customer_id, []), first, after, shape, backward)
        page.total_count = counts.get(customer_id, 0)
        pages[customer_id] = page
    return pages


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def customer_pages_statement(
    query: InvoiceQuery, first: int, after: str | None, dialect: str, shape: InvoiceShape, backward: bool = False
) -> Select[Any]:
    """Each customer's page: `first` invoices after `after`, or (`backward`) before it, ranked in reverse."""
    sort = _sort_value(query, dialect)
    null_flag: ColumnElement[int] = case((sort.is_(None), 1), else_=0)
    filtered = [*filters(PLATFORM, query), col(Invoice.customer_id).in_(CUSTOMERS)]
    conditions = list(filtered)
    if after is not None:
        conditions.append(_bound(query, sort, null_flag, after, backward))
    ordering = _ordering(query, sort, null_flag, backward=backward)
    rank = func.row_number().over(partition_by=col(Invoice.customer_id), order_by=ordering).label("position")
    if after is None:
        # A first page: one scan with both windows. Its rows are those of every customer with an invoice,
        # the first carrying the count. (PostgreSQL plans this in a fraction of the join below, and a
        # request plans it every time: the plan depends on the customers' ids.)
        total = func.count().over(partition_by=col(Invoice.customer_id)).label("total_count")
        owner: ColumnElement[str] = col(Invoice.customer_id).label("owner_id")
        paged = select(owner, total, *shape_columns(shape), null_flag.label("sort_null"), sort.label("sort_value"), rank).where(*filtered)
        page = paged.subquery()
        return select(page).where(page.c.position <= first + 1).order_by(page.c.owner_id, page.c.position)
    # The total counts all matching invoices; the cursor only decides where the page starts.
    totals = (
        select(col(Invoice.customer_id).label("customer_id"), func.count().label("total_count"))
        .where(*filtered)
        .group_by(col(Invoice.customer_id))
        .subquery()
    )
    ranked = select(*shape_columns(shape), null_flag.label("sort_null"), sort.label("sort_value"), rank).where(*conditions).subquery()
    # Outer join from the totals, so a customer whose page is empty still reports its total.
    return (
        select(totals.c.customer_id.label("owner_id"), totals.c.total_count, ranked)
        .select_from(totals)
        .outerjoin(ranked, and_(ranked.c.customer_id == totals.c.customer_id, ranked.c.position <= first + 1))
        .order_by(totals.c.customer_id, ranked.c.position)
    )
