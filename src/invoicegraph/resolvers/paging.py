"""Page sizes checked against the limit, and a page of invoices as a connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from invoicegraph.db.invoice_listing import InvoicePage
from invoicegraph.errors import InvalidField
from invoicegraph.graphql.context import RequestContext
from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row


def checked_first(info: Info, first: int | None) -> int:
    return checked_first_of(info.context, first)


def checked_first_of(context: RequestContext, first: int | None) -> int:
    """`first` checked against the service's page size limit (INVALID_FIELD outside it)."""
    limit = context.settings.max_page_size
    value = 25 if first is None else first
    if not 0 <= value <= limit:
        raise InvalidField(f"`first` must be between 0 and {limit}, got {value}.", field="first")
    return value


@dataclass(frozen=True)
class PageWindow:
    """Which page a connection's arguments ask for: `size` rows after `cursor`, or (`backward`) before it."""

    size: int
    cursor: str | None
    backward: bool


def checked_window(context: RequestContext, first: int | None, after: str | None, last: int | None, before: str | None) -> PageWindow:
    """Relay's arguments, checked: forward with `first`/`after` (default 25), backward with `last`/`before`.

    A page goes one way: `last` or `before` with `first` or `after` is INVALID_FIELD naming the
    argument that does not fit, as is a size outside 0 to the page size limit.
    """
    if last is None and before is None:
        return PageWindow(checked_first_of(context, first), after, backward=False)
    if first is not None:
        raise InvalidField("`first` and `last` cannot be combined: page forward (first, after) or backward (last, before).", field="last")
    if after is not None:
        raise InvalidField(
            "`after` and `before` cannot be combined: page forward (first, after) or backward (last, before).", field="before"
        )
    limit = context.settings.max_page_size
    size = 25 if last is None else last
    if not 0 <= size <= limit:
        raise InvalidField(f"`last` must be between 0 and {limit}, got {size}.", field="last")
    return PageWindow(size, before, backward=True)


def connection(page: InvoicePage) -> Row:
    """The InvoiceConnection dict of a page."""
    nodes = None if page.shape == "keys" else page.invoices  # no node was selected (resolvers/invoice_shape.py)
    return page_connection(page.cursors, nodes, page.has_next_page, page.has_previous_page, page.total_count)


def page_connection(
    cursors: list[str], nodes: list[Row] | None, has_next_page: bool, has_previous_page: bool, total_count: int | None
) -> Row:
    """A Relay connection dict: edges (with their nodes, unless None), page info, total count."""
    if nodes is None:
        edges: list[dict[str, Any]] = [{"cursor": cursor} for cursor in cursors]
    else:
        edges = [{"cursor": cursor, "node": node} for cursor, node in zip(cursors, nodes, strict=True)]
    return {
        "edges": edges,
        "page_info": {
            "has_next_page": has_next_page,
            "has_previous_page": has_previous_page,
            "start_cursor": cursors[0] if cursors else None,
            "end_cursor": cursors[-1] if cursors else None,
        },
        "total_count": total_count,
    }
