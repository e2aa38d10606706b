"""Page sizes checked against the limit, and a page of invoices as a connection."""

from __future__ import annotations

from typing import Any

from invoicegraph.db.invoice_queries import InvoicePage
from invoicegraph.errors import InvalidField
from invoicegraph.graphql.context import RequestContext
from invoicegraph.resolvers.types import Info, Row


def checked_first(info: Info, first: int | None) -> int:
    return checked_first_of(info.context, first)


def checked_first_of(context: RequestContext, first: int | None) -> int:
    """`first` checked against the service's page size limit (INVALID_FIELD outside it)."""
    limit = context.settings.max_page_size
    value = 25 if first is None else first
    if not 0 <= value <= limit:
        raise InvalidField(f"`first` must be between 0 and {limit}, got {value}.", field="first")
    return value


def connection(page: InvoicePage) -> Row:
    """The InvoiceConnection dict of a page."""
    if page.shape == "keys":  # no node was selected (resolvers/invoice_shape.py)
        edges: list[dict[str, Any]] = [{"cursor": cursor} for cursor in page.cursors]
    else:
        edges = [{"cursor": cursor, "node": invoice} for cursor, invoice in zip(page.cursors, page.invoices, strict=True)]
    return {
        "edges": edges,
        "page_info": {
            "has_next_page": page.has_next_page,
            "has_previous_page": page.has_previous_page,
            "start_cursor": page.cursors[0] if page.cursors else None,
            "end_cursor": page.cursors[-1] if page.cursors else None,
        },
        "total_count": page.total_count,
    }
