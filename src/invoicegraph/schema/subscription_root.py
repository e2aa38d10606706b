"""The subscription root of the billing subgraph: events over WebSocket (docs/events.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import strawberry

from invoicegraph.rows import Row
from invoicegraph.schema.loading import Info, unset_to_none
from invoicegraph.schema.permissions import RequireInvoiceView, requires
from invoicegraph.schema.types.events import InvoiceUpdatedEvent


def streams_rows(resolver: Callable[..., AsyncIterator[Row]]) -> Any:
    """`returns_rows` for a subscription: the resolver streams the dict rows of the field's class annotation."""
    return resolver


def subscription_invoice_updated(
    info: Info,
    invoice_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only this invoice's events (another platform's id: none, ever).")
    ] = strawberry.UNSET,
    customer_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only the events of this customer's invoices.")
    ] = strawberry.UNSET,
) -> AsyncIterator[Row]:
    from invoicegraph.resolvers.events import resolve_invoice_updated

    return resolve_invoice_updated(info, unset_to_none(invoice_id), unset_to_none(customer_id))


@strawberry.type(description="Events of the billing subgraph, over WebSocket (graphql-transport-ws on /graphql).")
class Subscription:
    invoice_updated: InvoiceUpdatedEvent = strawberry.subscription(
        resolver=streams_rows(subscription_invoice_updated),
        extensions=requires(RequireInvoiceView),
        description=(
            "An event each time a refresh changes an invoice of the caller's platform (the credential is\n"
            "sent in the connection_init payload: X-API-KEY or Authorization, and x-platform-id). Only\n"
            "events committed after the subscription started; each invoice's versions in order. With\n"
            "invoiceId or customerId, only that invoice's or that customer's events (an id of another\n"
            "platform yields nothing, as a missing one). Requires the INVOICE.VIEW permission."
        ),
    )
