"""Arguments of the invoice connections, checked and turned into a data-layer query."""

from __future__ import annotations

from typing import Any

from invoicegraph.context import RequestContext
from invoicegraph.db.invoice_queries import InvoicePage, InvoiceQuery
from invoicegraph.errors import InvalidField
from invoicegraph.resolvers.types import Info, Row
from invoicegraph.schema.inputs import InvoiceFilter, InvoiceOrder


def checked_first(info: Info, first: int | None) -> int:
    return checked_first_of(info.context, first)


def checked_first_of(context: RequestContext, first: int | None) -> int:
    """`first` checked against the service's page size limit (INVALID_FIELD outside it)."""
    limit = context.settings.max_page_size
    value = 25 if first is None else first
    if not 0 <= value <= limit:
        raise InvalidField(f"`first` must be between 0 and {limit}, got {value}.", field="first")
    return value


def to_query(
    filter: InvoiceFilter | None, order_by: InvoiceOrder | None, *, customer_id: str | None = None, from_filter: bool = True
) -> InvoiceQuery:
    statuses: tuple[str, ...] = ()
    subscription_id = paid = on_hold = date_from = date_to = None
    filter_customer = None
    if filter is not None:
        statuses = tuple(sorted({status.name for status in filter.statuses or ()}))
        filter_customer = filter.customer_id
        subscription_id = filter.pricing_plan_subscription_id
        paid, on_hold = filter.paid, filter.on_hold
        if filter.invoice_date is not None:
            date_from, date_to = filter.invoice_date.from_, filter.invoice_date.to
            if date_from is not None and date_to is not None and date_to <= date_from:
                raise InvalidField("`invoiceDate.to` must be after `invoiceDate.from`.", field="filter.invoiceDate.to")
    order_field, descending = "INVOICE_DATE", True
    if order_by is not None:
        order_field, descending = order_by.field.name, order_by.direction.name == "DESC"
    return InvoiceQuery(
        statuses=statuses,
        customer_id=customer_id if customer_id is not None else (filter_customer if from_filter else None),
        subscription_id=None if subscription_id is None else str(subscription_id),
        paid=paid,
        on_hold=on_hold,
        date_from=date_from,
        date_to=date_to,
        order_field=order_field,
        descending=descending,
    )


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
