"""`GET /v1/invoices`: the platform's invoices as the vendor lists them (docs/rest.md).

Page-based, like every vendor list: `page` (from 1, at most what keeps the offset within 64 bits) and
`limit` (1 to 100, default 25), in ASCII digits, answered as
`{data[], page, limit, total_number_of_pages, links{first, previous, current, next}}` with each item
the same vendor Invoice JSON as `GET /v1/invoices/{id}`, without `periods` and `closed_periods` unless
`include_periods=true`, and without the groups' `lines` unless `include_lines=true` (as the vendor's list).

Filters: `statuses[]` (repeatable; `statuses` is accepted too), `customer_id`,
`pricing_plan_subscription_id`, `paid`, `on_hold`, `invoice_date=[from,to]` (RFC 3339 instants, `from`
included, `to` excluded, either may be empty: the GraphQL filter's `DateTimeRange`), `stale` (true: only
invoices whose staleSources is not empty; false: the others; docs/drafts.md). Any other query
parameter, and any malformed value, is `INVALID_FIELD` naming the parameter (rest/params.py).
Order: `order_by` (invoice_number, invoice_date, due_date, invoice_amount_including_tax, status,
created_at; default invoice_date) and `order_direction` (asc|desc, default desc); ties are broken by id,
the same total order as the GraphQL connection.

Cost: one statement for the page, one for the count, and at most one per embedded record type for
all the invoices of the page together (their loads are gathered, so the loaders batch them): the
count of statements does not grow with `limit`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from invoicegraph.auth.permissions import INVOICE_VIEW
from invoicegraph.db.invoice_listing import ORDER_FIELDS, STATUS_ORDER, InvoiceQuery
from invoicegraph.db.invoice_queries import numbered_page_statements, page_parameters
from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.db.loaders import Loaders
from invoicegraph.db.prepared import dialect_of, fetch
from invoicegraph.db.request import RequestDatabase
from invoicegraph.errors import ApiError, InvalidField, reflected
from invoicegraph.rest.access import read_database, require
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSONBody
from invoicegraph.rest.params import boolean, identifier, instant_range, one, page_number, reject_unknown, whole_number
from invoicegraph.rest.vendor import vendor_invoices
from invoicegraph.services.stale_scan import stale_invoice_ids

DEFAULT_LIMIT = 25
PERIOD_KEYS = ("periods", "closed_periods")
# Every parameter the vendor's list takes (docs/rest.md); any other is INVALID_FIELD.
PARAMETERS = (
    "statuses[]",
    "statuses",
    "customer_id",
    "pricing_plan_subscription_id",
    "paid",
    "on_hold",
    "invoice_date",
    "include_periods",
    "include_lines",
    "limit",
    "page",
    "order_by",
    "order_direction",
    "stale",
)


def _statuses(request: Request) -> tuple[str, ...]:
    values = [*request.query_params.getlist("statuses[]"), *request.query_params.getlist("statuses")]
    wanted: set[str] = set()
    for value in values:
        for status in filter(None, (part.strip().upper() for part in value.split(","))):
            if status not in STATUS_ORDER:
                raise InvalidField(f"{reflected(status)} is not an invoice status; use one of {', '.join(STATUS_ORDER)}.", field="statuses")
            wanted.add(status)
    return tuple(sorted(wanted))


def _query(request: Request) -> InvoiceQuery:
    order_by = (one(request, "order_by") or "invoice_date").upper()
    if order_by not in ORDER_FIELDS:
        choices = ", ".join(field.lower() for field in ORDER_FIELDS)
        raise InvalidField(f"`order_by` must be one of {choices}.", field="order_by")
    direction = (one(request, "order_direction") or "desc").lower()
    if direction not in ("asc", "desc"):
        raise InvalidField("`order_direction` must be asc or desc.", field="order_direction")
    date_from, date_to = instant_range(request, "invoice_date")
    return InvoiceQuery(
        statuses=_statuses(request),
        customer_id=identifier(request, "customer_id"),
        subscription_id=identifier(request, "pricing_plan_subscription_id"),
        paid=boolean(request, "paid"),
        on_hold=boolean(request, "on_hold"),
        date_from=date_from,
        date_to=date_to,
        order_field=order_by,
        descending=direction == "desc",
        stale=boolean(request, "stale"),
    )


def _trimmed(invoice: dict[str, Any], *, periods: bool, lines: bool) -> dict[str, Any]:
    """An item without what `include_periods=false` / `include_lines=false` leave out (the vendor's flags)."""
    if periods and lines:
        return invoice
    trimmed = dict(invoice)  # the vendor's key order stays
    if not periods:
        for key in PERIOD_KEYS:
            trimmed.pop(key, None)
    for key in PERIOD_KEYS:
        if trimmed.get(key) is not None:
            trimmed[key] = [{**period, "groups": [_without(group, "lines") for group in period["groups"]]} for period in trimmed[key]]
    return trimmed


def _without(record: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name != key}


def _link(request: Request, page: int | None) -> str | None:
    if page is None:
        return None
    params = [(key, value) for key, value in request.query_params.multi_items() if key != "page"]
    return f"{request.url.path}?{urlencode([*params, ('page', str(page))])}"


async def _rows(database: RequestDatabase, platform_id: str, query: InvoiceQuery, *, page: int, limit: int) -> tuple[list[Any], int]:
    async with database.reads() as session:
        stale_ids = await stale_invoice_ids(session, platform_id, query) if query.stale is not None else []
        statement, total = numbered_page_statements(query, page=page, limit=limit, dialect=dialect_of(session))
        parameters = page_parameters(platform_id, query, stale_ids)
        rows = await fetch(session, statement, parameters)
        [(count,)] = await fetch(session, total, parameters)
    return list(rows), int(count)


async def list_invoices(request: Request) -> Response:
    """`GET /v1/invoices`: one page of the caller's platform's invoices, newest first by default."""
    try:
        principal = require(request, INVOICE_VIEW)
        reject_unknown(request, PARAMETERS)
        limit = whole_number(request, "limit", default=DEFAULT_LIMIT, maximum=request.app.state.settings.max_page_size)
        page = page_number(request, limit)
        query = _query(request)
        # As the vendor's list: periods and lines only when asked for (docs/rest.md).
        periods, lines = boolean(request, "include_periods") is True, boolean(request, "include_lines") is True
        database = read_database(request)
        try:
            rows, count = await _rows(database, principal.platform_id, query, page=page, limit=limit)
            invoices = [invoice_row_to_dict(row) for row in rows]
            loaders = Loaders(database, principal.platform_id)
            loaders.prime_invoices(invoices)
            # Without include_periods the items leave periods out: not mapped only to be dropped.
            sources = invoices if periods else [{**invoice, "periods": None} for invoice in invoices]
            whole = await vendor_invoices(sources, loaders)
        finally:
            await database.close()
        data = [_trimmed(item, periods=periods, lines=lines) for item in whole]
        pages = max(1, -(-count // limit))
        body: dict[str, Any] = {
            "data": data,
            "page": page,
            "limit": limit,
            "total_number_of_pages": pages,
            "links": {
                "first": _link(request, 1),
                "previous": _link(request, page - 1 if page > 1 else None),
                "current": _link(request, page),
                "next": _link(request, page + 1 if page < pages else None),
            },
        }
        return JSONBody(body)
    except ApiError as error:
        return error_response(error)
