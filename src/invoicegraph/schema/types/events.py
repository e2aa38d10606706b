"""Events: what `Subscription.invoiceUpdated` sends, and the webhook deliveries a platform's operators read.

Rows are the dicts of services/events (model.py `subscription_row`, deliveries.py): snake_case keys,
instants as strings, enum values as their names. The enums live here with their types: values equal
names, as everywhere in the schema.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from invoicegraph.schema.types.connections import PageInfo
from invoicegraph.schema.types.refresh import InvoiceChange

if TYPE_CHECKING:
    from invoicegraph.schema.types.invoice import Invoice


@strawberry.type(
    description=(
        "A refresh changed an invoice. Sent to the subscriptions of the invoice's platform once the refresh has\n"
        "committed, in version order for each invoice. The same event (same id) goes to the platform's webhook\n"
        "endpoints: a client that uses both deduplicates by id."
    ),
)
class InvoiceUpdatedEvent:
    id: strawberry.ID = strawberry.field(description="Event id (evnt_…), the same in webhooks; deduplicate by it.")
    type: str = strawberry.field(description='Always "INVOICE.UPDATED".')
    created_at: datetime = strawberry.field(description="When the refresh saved the new version.")
    platform_id: strawberry.ID = strawberry.field(description="The invoice's platform.")
    invoice_id: strawberry.ID = strawberry.field(description="Id of the invoice that changed.")
    version: int = strawberry.field(description="The invoice version this refresh saved. Later events of an invoice have higher versions.")
    invoice: Annotated[Invoice, strawberry.lazy("invoicegraph.schema.types.invoice")] = strawberry.field(
        description=(
            "The invoice as this version left it. Its own fields are those of the version; the records it links to\n"
            "(customer, billing entity, subscriptions, refreshHistory…) are read when the event is sent."
        ),
    )
    changes: list[InvoiceChange] = strawberry.field(
        description="Every value the refresh changed, with its value before and after (as InvoiceRefreshRecord.changes).",
    )


@strawberry.enum(description="Where a webhook delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Not delivered yet: being sent, or waiting for its next attempt.")
    SUCCEEDED = strawberry.enum_value("SUCCEEDED", description="The endpoint answered 2xx in time.")
    FAILED = strawberry.enum_value(
        "FAILED", description="Retried for the whole retry window (3 days by default), or the endpoint was disabled. Can be re-sent."
    )


@strawberry.enum(description="Whether a webhook endpoint receives events.")
class WebhookEndpointStatus(Enum):
    ENABLED = strawberry.enum_value("ENABLED", description="Events are sent to it.")
    DISABLED = strawberry.enum_value("DISABLED", description="Nothing is sent to it.")


@strawberry.type(description="A URL that receives the platform's events, signed with its secret (which is never shown here).")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Endpoint id (whep_…).")
    url: str = strawberry.field(description="Where events are POSTed.")
    event_types: list[str] = strawberry.field(description='Event types it receives, e.g. ["INVOICE.UPDATED"].')
    status: WebhookEndpointStatus = strawberry.field(description="Whether it receives events.")
    description: str | None = strawberry.field(description="A note people recognise it by.")
    created_at: datetime = strawberry.field(description="When it was made; it receives the events written from then on.")
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After a secret rotation, until when the previous secret also signs; null when only one signs."
    )


@strawberry.type(description="One HTTP request of a delivery.")
class WebhookAttempt:
    number: int = strawberry.field(description="1 for the first attempt.")
    started_at: datetime = strawberry.field(description="When the request started.")
    latency_ms: int = strawberry.field(description="Milliseconds until the answer, or until the attempt gave up.")
    outcome: WebhookDeliveryStatus = strawberry.field(description="SUCCEEDED (2xx in time) or FAILED.")
    status_code: int | None = strawberry.field(description="The HTTP status answered; null when there was no answer.")
    error: str | None = strawberry.field(description='Why it failed, e.g. "HTTP 500" or "no answer within 10 s"; null on success.')


@strawberry.type(description="One event sent to one endpoint: its state and every attempt.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Delivery id (whdl_…).")
    event_id: strawberry.ID = strawberry.field(description="The event (evnt_…); `invoicegraph webhooks resend` takes it.")
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint (whep_…).")
    url: str = strawberry.field(description="The endpoint's URL.")
    invoice_id: strawberry.ID = strawberry.field(description="The invoice the event is about.")
    version: int = strawberry.field(description="The invoice version the event announces.")
    status: WebhookDeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempt_count: int = strawberry.field(description="Attempts made so far.")
    attempts: list[WebhookAttempt] = strawberry.field(description="Every attempt, first first.")
    next_attempt_at: datetime | None = strawberry.field(description="When the next attempt may start; null unless PENDING.")
    retry_until: datetime = strawberry.field(description="After this a failed attempt is the last one.")
    created_at: datetime = strawberry.field(description="When its event was written (deliveries are listed newest first by it).")
    finished_at: datetime | None = strawberry.field(description="When it SUCCEEDED or FAILED; null while PENDING.")
    last_status_code: int | None = strawberry.field(description="Status of the latest attempt; null without an answer.")
    last_error: str | None = strawberry.field(description="Why the latest attempt failed; null after a success.")


@strawberry.type(description="A page of webhook deliveries, newest first (Relay cursor connection).")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(description="Deliveries of this page, with their cursors.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="Number of deliveries matching the arguments across all pages.")


@strawberry.type(description="One delivery in a connection.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this delivery; pass as `after` to continue after it.")
    node: WebhookDelivery = strawberry.field(description="The delivery.")
