"""Listing invoices: the statements of filters, orders and keyset (cursor) pages, scoped to one platform.

Order is a total order: (nulls last, the sort value in the chosen direction, id in the same
direction), so cursors stay stable when rows share a value. The query, the page and the cursors
themselves are db/invoice_listing.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.types import Numeric
from sqlmodel import col

from invoicegraph.db.invoice_listing import STATUS_ORDER, InvoicePage, InvoiceQuery, decode_cursor, encode_cursor
from invoicegraph.db.invoice_reads import READS_DOCUMENT, InvoiceShape, shape_columns, shaped_invoice
from invoicegraph.db.prepared import Reads, dialect_of, fetch, keys
from invoicegraph.db.tables import Invoice, InvoiceSubscription, table_of

# Page statements are built once per (query, first, after, shape, dialect) with the platform and the
# customers as parameters (db/prepared.py says why); bounded like the other per-process caches.
STATEMENT_CACHE_SIZE = 256
PLATFORM: BindParameter[str] = bindparam("platform_id")
CUSTOMERS: BindParameter[list[str]] = bindparam("customer_ids", expanding=True)
# The invoices whose staleSources is not empty, decided outside SQL (services/stale_scan.py) and given
# to a page or count statement of a `stale` query as this parameter.
STALE_IDS: BindParameter[list[str]] = bindparam("stale_ids", expanding=True)


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


def _ordering(query: InvoiceQuery, sort: ColumnElement[Any], dialect: str, *, backward: bool = False) -> list[Any]:
    """The total order, or its reverse for a backward page (whose rows are then put back in order).

    The order is: rows without a sort value last, then the sort value, then the id (`sort_null`,
    `sort_value`, id: what a cursor holds). It is written without the `sort_null` expression, so that
    an index on (platform, sort value, id) can give it without sorting every row of the platform (on
    SQLite a 25-invoice page of 600 took a scan and a sort). Where nulls fall is said only where the
    database would put them elsewhere: SQLite sorts NULL first ascending and last descending,
    PostgreSQL the other way round.
    """
    descending = query.descending != backward
    nulls_first = backward  # forward pages put rows without a value last; a backward page reads in reverse
    natural_first = (dialect == "sqlite") != descending  # where this database puts NULL in this direction
    ordered = sort.desc() if descending else sort.asc()
    if nulls_first != natural_first:
        ordered = ordered.nulls_first() if nulls_first else ordered.nulls_last()
    return [ordered, col(Invoice.id).desc() if descending else col(Invoice.id).asc()]


def _flagged_ordering(query: InvoiceQuery, sort: ColumnElement[Any], null_flag: ColumnElement[int], *, backward: bool = False) -> list[Any]:
    """`_ordering`'s order, with the missing-value flag as its first term: for customers' pages.

    Their window is ordered within each customer, over the few rows `ix_invoice_customer` finds; given
    `_ordering`'s index-friendly terms there, SQLite chose to walk the platform's whole date index
    instead (the full graph's customer page went from 9.32 to 10.57 M instructions per request).
    """
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
    keys = (col(Invoice.platform_id), col(Invoice.id)) if shape in READS_DOCUMENT else shape_columns(shape, dialect)
    statement = (
        select(*keys, null_flag.label("sort_null"), sort.label("sort_value"))
        .where(*conditions)
        .order_by(*_ordering(query, sort, dialect, backward=backward))
        .limit(count)
        .offset(offset or None)
    )
    if shape not in READS_DOCUMENT:
        return statement
    page = statement.subquery("page")
    ascending = query.descending == backward
    return (
        select(*shape_columns(shape, dialect), page.c.sort_null, page.c.sort_value)
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
    session: Reads,
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
    dialect = dialect_of(session)
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


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def numbered_page_statements(query: InvoiceQuery, *, page: int, limit: int, dialect: str) -> tuple[Select[Any], Select[Any]]:
    """Page `page` (from 1) of `limit` invoices by offset, in the connection's total order, and their count.

    The REST list is page-numbered like the vendor's lists; it shares the filters and the order (ties
    broken by id) with the cursor pages above, so both list the same invoices in the same order.
    Built once per query, page and size (`page_parameters` gives the platform), so that a request
    only supplies values (db/prepared.py).
    """
    page_rows = _page_statement(PLATFORM, query, limit, None, dialect, limit=limit, offset=(page - 1) * limit)
    return page_rows, _count_statement(query)


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _cached_page_statement(
    query: InvoiceQuery, first: int, after: str | None, dialect: str, shape: InvoiceShape, backward: bool = False
) -> Select[Any]:
    return _page_statement(PLATFORM, query, first, after, dialect, shape, backward)


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _count_statement(query: InvoiceQuery) -> Select[Any]:
    return select(func.count()).select_from(Invoice).where(*filters(PLATFORM, query))


async def invoice_pages_by_customer(
    session: Reads,
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
    statement = customer_pages_statement(query, first, after, dialect_of(session), shape, backward)
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
    ordering = _flagged_ordering(query, sort, null_flag, backward=backward)
    rank = func.row_number().over(partition_by=col(Invoice.customer_id), order_by=ordering).label("position")
    if after is None:
        # A first page: one scan with both windows. Its rows are those of every customer with an invoice,
        # the first carrying the count. (PostgreSQL plans this in a fraction of the join below, and a
        # request plans it every time: the plan depends on the customers' ids.)
        total = func.count().over(partition_by=col(Invoice.customer_id)).label("total_count")
        owner: ColumnElement[str] = col(Invoice.customer_id).label("owner_id")
        paged = select(owner, total, *shape_columns(shape, dialect), null_flag.label("sort_null"), sort.label("sort_value"), rank).where(
            *filtered
        )
        page = paged.subquery()
        return select(page).where(page.c.position <= first + 1).order_by(page.c.owner_id, page.c.position)
    # The total counts all matching invoices; the cursor only decides where the page starts.
    totals = (
        select(col(Invoice.customer_id).label("customer_id"), func.count().label("total_count"))
        .where(*filtered)
        .group_by(col(Invoice.customer_id))
        .subquery()
    )
    ranked = (
        select(*shape_columns(shape, dialect), null_flag.label("sort_null"), sort.label("sort_value"), rank).where(*conditions).subquery()
    )
    # Outer join from the totals, so a customer whose page is empty still reports its total.
    return (
        select(totals.c.customer_id.label("owner_id"), totals.c.total_count, ranked)
        .select_from(totals)
        .outerjoin(ranked, and_(ranked.c.customer_id == totals.c.customer_id, ranked.c.position <= first + 1))
        .order_by(totals.c.customer_id, ranked.c.position)
    )
