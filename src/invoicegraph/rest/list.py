"""`GET /v1/invoices`: the platform's invoices as the vendor lists them (vendor-invoice.md §2.4, §4.8).

Page-based, like every vendor list: `page` (from 1) and `limit` (1 to 100, default 25), answered as
`{data[], page, limit, total_number_of_pages, links{first, previous, current, next}}` with each item
the same vendor Invoice JSON as `GET /v1/invoices/{id}`.

Filters: `statuses[]` (repeatable; `statuses` is accepted too), `customer_id`, `paid`, `on_hold`.
Order: `order_by` (invoice_number, invoice_date, due_date, invoice_amount_including_tax, status,
created_at; default invoice_date) and `order_direction` (asc|desc, default desc); ties are broken by id,
the same total order as the GraphQL connection.

Cost: one statement for the page, one for the count, and at most one per embedded record type for
all the invoices of the page together (their loads are gathered, so the loaders batch them): the
count of statements does not grow with `limit`.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from invoicegraph.auth.permissions import INVOICE_VIEW
from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_queries import ORDER_FIELDS, STATUS_ORDER, InvoiceQuery, numbered_page_statements
from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.db.loaders import Loaders
from invoicegraph.errors import ApiError, InvalidField
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSONBody
from invoicegraph.rest.vendor import vendor_invoice

DEFAULT_LIMIT = 25
_BOOLEANS = {"true": True, "false": False}


def _one(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise InvalidField(f"`{name}` may be given once.", field=name)
    return values[0] if values else None


def _positive(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = _one(request, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidField(f"`{name}` must be a whole number, got {raw!r}.", field=name) from None
    if value < 1 or (maximum is not None and value > maximum):
        bounds = f"between 1 and {maximum}" if maximum is not None else "at least 1"
        raise InvalidField(f"`{name}` must be {bounds}, got {value}.", field=name)
    return value


def _boolean(request: Request, name: str) -> bool | None:
    raw = _one(request, name)
    if raw is None:
        return None
    if raw.lower() not in _BOOLEANS:
        raise InvalidField(f"`{name}` must be true or false, got {raw!r}.", field=name)
    return _BOOLEANS[raw.lower()]


def _statuses(request: Request) -> tuple[str, ...]:
    values = [*request.query_params.getlist("statuses[]"), *request.query_params.getlist("statuses")]
    wanted: set[str] = set()
    for value in values:
        for status in filter(None, (part.strip().upper() for part in value.split(","))):
            if status not in STATUS_ORDER:
                raise InvalidField(f"{status!r} is not an invoice status; use one of {', '.join(STATUS_ORDER)}.", field="statuses")
            wanted.add(status)
    return tuple(sorted(wanted))


def _query(request: Request) -> InvoiceQuery:
    order_by = (_one(request, "order_by") or "invoice_date").upper()
    if order_by not in ORDER_FIELDS:
        choices = ", ".join(field.lower() for field in ORDER_FIELDS)
        raise InvalidField(f"`order_by` must be one of {choices}.", field="order_by")
    direction = (_one(request, "order_direction") or "desc").lower()
    if direction not in ("asc", "desc"):
        raise InvalidField("`order_direction` must be asc or desc.", field="order_direction")
    return InvoiceQuery(
        statuses=_statuses(request),
        customer_id=_one(request, "customer_id"),
        paid=_boolean(request, "paid"),
        on_hold=_boolean(request, "on_hold"),
        order_field=order_by,
        descending=direction == "desc",
    )


def _link(request: Request, page: int | None) -> str | None:
    if page is None:
        return None
    params = [(key, value) for key, value in request.query_params.multi_items() if key != "page"]
    return f"{request.url.path}?{urlencode([*params, ('page', str(page))])}"


async def _rows(database: Database, platform_id: str, query: InvoiceQuery, *, page: int, limit: int) -> tuple[list[Any], int]:
    async with database.read() as session:
        statement, total = numbered_page_statements(platform_id, query, page=page, limit=limit, dialect=session.get_bind().dialect.name)
        rows = (await session.execute(statement)).all()
        count = int((await session.execute(total)).scalar_one())
    return list(rows), count


async def list_invoices(request: Request) -> Response:
    """`GET /v1/invoices`: one page of the caller's platform's invoices, newest first by default."""
    from invoicegraph.rest.routes import read_database, require

    try:
        principal = require(request, INVOICE_VIEW)
        limit = _positive(request, "limit", DEFAULT_LIMIT, request.app.state.settings.max_page_size)
        page = _positive(request, "page", 1)
        query = _query(request)
        database = read_database(request)
        rows, count = await _rows(database, principal.platform_id, query, page=page, limit=limit)
        invoices = [invoice_row_to_dict(row) for row in rows]
        loaders = Loaders(database, principal.platform_id)
        loaders.prime_invoices(invoices)
        # Gathered, so that each embedded record type is one batched statement for the whole page.
        data = await asyncio.gather(*(vendor_invoice(invoice, loaders) for invoice in invoices))
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
