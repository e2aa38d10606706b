"""Read resolvers of invoices: one invoice, the platform's list, a customer's list, refresh history."""

from __future__ import annotations

import base64

from aiodataloader import DataLoader

from invoicegraph.auth.principal import Principal
from invoicegraph.db.batching import QuietDataLoader
from invoicegraph.db.invoice_queries import InvoicePage, InvoiceQuery, invoice_page, invoice_pages_by_customer
from invoicegraph.db.invoice_reads import InvoiceShape
from invoicegraph.db.refresh_reads import HistoryPage
from invoicegraph.errors import InvalidField, Unauthorised
from invoicegraph.resolvers.invoice_shape import node_shape
from invoicegraph.resolvers.paging import checked_first, connection, to_query
from invoicegraph.resolvers.selection import selects
from invoicegraph.resolvers.types import Info, Row
from invoicegraph.schema.inputs import InvoiceFilter, InvoiceOrder


def _principal(info: Info) -> Principal:
    principal = info.context.principal
    if principal is None:  # the permission classes run first; this keeps the types honest
        raise Unauthorised("A credential is required.")
    return principal


async def resolve_invoice(info: Info, id: str) -> Row | None:
    result: Row | None = await info.context.loaders.invoice_by_id.load(id)
    return result


async def resolve_invoices(
    info: Info, filter: InvoiceFilter | None, order_by: InvoiceOrder | None, first: int | None, after: str | None
) -> Row:
    principal = _principal(info)
    size = checked_first(info, first)
    query = to_query(filter, order_by)
    async with info.context.database.read() as session:
        page = await invoice_page(
            session, principal.platform_id, query, first=size, after=after, with_total=selects(info, "totalCount"), shape=node_shape(info)
        )
    _prime(info, page)
    return connection(page)


def _prime(info: Info, page: InvoicePage) -> None:
    # Nested fields that reach these invoices again (linked invoices, entities) reuse them; only
    # whole invoices, never the column-only dicts of a narrow selection.
    if page.shape == "document":
        info.context.loaders.prime_invoices(page.invoices)


def _customer_invoices_loader(
    info: Info, query: InvoiceQuery, first: int, after: str | None, shape: InvoiceShape
) -> DataLoader[str, InvoicePage]:
    """One loader per distinct (filter, order, first, after, shape): customers asking alike share a batch."""
    loaders: dict[tuple[object, ...], DataLoader[str, InvoicePage]] = info.context.extra.setdefault("customer_invoices", {})
    key = (query, first, after, shape)
    if key not in loaders:
        principal = _principal(info)
        database = info.context.database

        async def batch(customer_ids: list[str]) -> list[InvoicePage]:
            async with database.read() as session:
                pages = await invoice_pages_by_customer(
                    session, principal.platform_id, customer_ids, query, first=first, after=after, shape=shape
                )
            return [pages[customer_id] for customer_id in customer_ids]

        loaders[key] = QuietDataLoader(batch_load_fn=batch)
    return loaders[key]


async def resolve_customer_invoices(
    info: Info, customer: Row, filter: InvoiceFilter | None, order_by: InvoiceOrder | None, first: int | None, after: str | None
) -> Row:
    size = checked_first(info, first)
    query = to_query(filter, order_by, from_filter=False)
    page: InvoicePage = await _customer_invoices_loader(info, query, size, after, node_shape(info)).load(customer["id"])
    _prime(info, page)
    return connection(page)


def _history_cursor(record_id: str) -> str:
    return base64.urlsafe_b64encode(record_id.encode()).decode().rstrip("=")


async def resolve_refresh_history(info: Info, invoice: Row, first: int | None, after: str | None) -> Row:
    size = checked_first(info, first)
    after_id: str | None = None
    if after is not None:
        try:
            after_id = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()
        except ValueError:
            raise InvalidField("The cursor `after` is malformed.", field="after") from None
    page: HistoryPage | None = await info.context.loaders.refresh_history(size, after_id).load(invoice["id"])
    if page is None:
        raise InvalidField("The cursor `after` does not belong to this history.", field="after")
    cursors = [_history_cursor(record["id"]) for record in page.records]
    return {
        "edges": [{"cursor": cursor, "node": record} for cursor, record in zip(cursors, page.records, strict=True)],
        "page_info": {
            "has_next_page": page.has_next_page,
            "has_previous_page": page.start > 0,
            "start_cursor": cursors[0] if cursors else None,
            "end_cursor": cursors[-1] if cursors else None,
        },
        "total_count": page.total_count,
    }
