"""Read resolvers of invoices: one invoice, the platform's list, a customer's list, refresh history."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from invoicegraph.auth.permissions import INVOICE_VIEW
from invoicegraph.auth.principal import Principal
from invoicegraph.db.invoice_listing import InvoicePage, InvoiceQuery
from invoicegraph.db.invoice_queries import invoice_page
from invoicegraph.db.loaders import settled
from invoicegraph.db.refresh_reads import HistoryPage
from invoicegraph.errors import InvalidField, Unauthorised
from invoicegraph.graphql.context import RequestContext
from invoicegraph.resolvers.invoice_shape import node_shape, shape_of
from invoicegraph.resolvers.paging import checked_first, checked_first_of, checked_window, connection
from invoicegraph.resolvers.selection import selects
from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row
from invoicegraph.services.stale_scan import stale_invoice_ids


def _principal(info: Info) -> Principal:
    principal = info.context.principal
    if principal is None:  # the permission classes run first; this keeps the types honest
        raise Unauthorised("A credential is required.")
    return principal


async def resolve_invoice(info: Info, id: str) -> Row | None:
    result: Row | None = await info.context.loaders.invoice_by_id.load(id)
    return result


async def resolve_invoices(
    info: Info, query: InvoiceQuery, first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> Row:
    principal = _principal(info)
    window = checked_window(info.context, first, after, last, before)
    async with info.context.database.reads() as session:
        stale_ids = await stale_invoice_ids(session, principal.platform_id, query) if query.stale is not None else []
        page = await invoice_page(
            session,
            principal.platform_id,
            query,
            first=window.size,
            after=window.cursor,
            with_total=selects(info, "totalCount"),
            shape=node_shape(info),
            backward=window.backward,
            stale_ids=stale_ids,
        )
    _prime(info, page)
    return connection(page)


def _prime(info: Info, page: InvoicePage) -> None:
    # Nested fields that reach these invoices again (linked invoices, entities) reuse them; only
    # whole invoices, never the column-only dicts of a narrow selection.
    if page.shape == "document":
        info.context.loaders.prime_invoices(page.invoices)


async def resolve_customer_invoices(
    info: Info, customer: Row, query: InvoiceQuery, first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> Row:
    window = checked_window(info.context, first, after, last, before)
    loader = info.context.loaders.customer_invoices(query, window.size, window.cursor, node_shape(info), window.backward)
    page: InvoicePage = await loader.load(customer["id"])
    _prime(info, page)
    return connection(page)


def _history_cursor(record_id: str) -> str:
    return base64.urlsafe_b64encode(record_id.encode()).decode().rstrip("=")


# A refresh record's id (ids.py `new_id`); a cursor naming anything else is not one of ours.
_RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")


def _history_after(after: str | None) -> str | None:
    """The record id a history cursor names (INVALID_FIELD when it is not one of ours)."""
    if after is None:
        return None
    malformed = InvalidField("The cursor `after` is malformed.", field="after")
    if len(after) > 128 or not re.fullmatch(r"[A-Za-z0-9_-]+", after):
        raise malformed
    try:
        record_id = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()
    except ValueError:
        raise malformed from None
    if not _RECORD_ID.fullmatch(record_id):
        raise malformed
    return record_id


async def resolve_refresh_history(info: Info, invoice: Row, first: int | None, after: str | None) -> Row:
    size = checked_first(info, first)
    page: HistoryPage | None = await info.context.loaders.refresh_history(size, _history_after(after)).load(invoice["id"])
    return _history_connection(page)


def _history_connection(page: HistoryPage | None) -> Row:
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


# Plans (execution/hints.py `PlanPage`) start the pages of `Customer.invoices` and
# `Invoice.refreshHistory` themselves when a document fixes their arguments: what the resolvers above
# do, without Strawberry's resolver wrapper, and early: a customer's page or an invoice's history
# is read in the statement that reads the customer or the invoice's other records.


def _may_view(context: RequestContext) -> bool:
    principal = context.principal
    return principal is not None and principal.has(INVOICE_VIEW)


def _observed(future: Any) -> None:
    # A prefetched page nobody awaits (its parent turned out null) must not log a lost exception.
    if isinstance(future, asyncio.Future):
        future.add_done_callback(lambda done: done.cancelled() or done.exception())


@dataclass(frozen=True)
class _PageLoad:
    """A page keyed by its parent's id, with the arguments the document fixed."""

    first: int | None
    loader: Callable[[RequestContext, int], Any]  # (context, checked page size) -> the DataLoader
    finish_page: Callable[[Any, RequestContext], Row]

    def start(self, parent: Row, context: RequestContext) -> Any:
        if not _may_view(context):
            raise PermissionError("INVOICE.VIEW")  # the resolver reports it
        return settled(self.loader(context, checked_first_of(context, self.first)).load(parent["id"]))  # prefetched: often read

    def prefetch(self, key: str, context: RequestContext) -> None:
        if not _may_view(context):
            return
        try:
            size = checked_first_of(context, self.first)
        except InvalidField:
            return  # the field fails when it is completed
        _observed(self.loader(context, size).load(key))

    def finish(self, value: Any, context: RequestContext) -> Row:
        return self.finish_page(value, context)


class _CustomerInvoicesPlan:
    enforces = frozenset({INVOICE_VIEW})

    def prepare(self, arguments: dict[str, Any], selected: Callable[[tuple[str, ...]], frozenset[str] | None]) -> _PageLoad | None:
        if any(arguments.get(name) is not None for name in ("filter", "orderBy", "last", "before")):
            return None  # input objects and backward pages: left to the resolver
        query = InvoiceQuery()
        after: str | None = arguments.get("after")
        shape = shape_of(selected(("edges", "node")))

        def loader(context: RequestContext, size: int) -> Any:
            return context.loaders.customer_invoices(query, size, after, shape)

        return _PageLoad(arguments.get("first"), loader, _page_connection)


def _page_connection(page: InvoicePage, context: RequestContext) -> Row:
    if page.shape == "document":
        context.loaders.prime_invoices(page.invoices)
    return connection(page)


class _RefreshHistoryPlan:
    enforces = frozenset({INVOICE_VIEW})

    def prepare(self, arguments: dict[str, Any], selected: Callable[[tuple[str, ...]], frozenset[str] | None]) -> _PageLoad | None:
        try:
            after = _history_after(arguments.get("after"))
        except InvalidField:
            return None  # the resolver reports it

        def loader(context: RequestContext, size: int) -> Any:
            return context.loaders.refresh_history(size, after)

        return _PageLoad(arguments.get("first"), loader, lambda page, _: _history_connection(page))


CUSTOMER_INVOICES_PLAN = _CustomerInvoicesPlan()
REFRESH_HISTORY_PLAN = _RefreshHistoryPlan()
