"""The event as its receivers see it: the webhook body, and the root value of a GraphQL subscription.

One shape, the vendor's snake_case JSON, as every object of the API (docs/events.md):

    {"id": "evnt_…", "type": "INVOICE.UPDATED", "created_at": "2026-12-01T10:00:00Z", "platform_id": "plat_acme",
     "data": {"invoice": {…the vendor Invoice JSON…}, "version": 7,
              "changes": [{"path": "invoice_amount_including_tax.quantity", "before": "94.50", "after": "99.00"}]}}

An `INVOICE_REFRESH_JOB.COMPLETED` event (a bulk refresh job finished, docs/drafts.md) has the same envelope
with `data: {"refresh_job": {…the job as invoiceRefreshJob answers it, snake_case…}}`.

`data.invoice` is the invoice as this version left it (the outbox keeps it with the event), not as it is
when the event arrives; `data.version` orders the events of one invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.billing.instants import format_instant
from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.records.vendor_json import Body
from invoicegraph.services.refresh.service import INVOICE_UPDATED, read_invoice
from invoicegraph.services.refresh_jobs.model import JOB_COMPLETED_EVENT, read_job
from invoicegraph.services.vendor_invoice import vendor_invoice_in

EVENT_TYPES = (INVOICE_UPDATED, JOB_COMPLETED_EVENT)


@dataclass(frozen=True, slots=True)
class Event:
    """One outbox row, as the dispatcher and the subscription feed read it."""

    platform_id: str
    id: str
    event_type: str
    invoice_id: str
    version: int
    changes: list[Any]
    invoice: Body | None
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> Event:
        return cls(
            platform_id=row.platform_id,
            id=row.id,
            event_type=row.event_type,
            invoice_id=row.invoice_id,
            version=row.version,
            changes=list(row.changes or ()),
            invoice=row.invoice,
            created_at=row.created_at,
        )

    @property
    def customer_id(self) -> str | None:
        return None if self.invoice is None else self.invoice.get("customer_id")


async def invoice_of(session: AsyncSession, event: Event) -> Body | None:
    """The invoice the event announces: as its version left it, or (an event written before the outbox kept
    it) as it is now; None when the invoice is gone."""
    if event.invoice is not None:
        return event.invoice
    row = await read_invoice(session, event.platform_id, event.invoice_id)
    return None if row is None else invoice_row_to_dict(row)


async def webhook_body(session: AsyncSession, event: Event) -> bytes:
    """The JSON body every attempt of this event sends (see the module text)."""
    if event.event_type == JOB_COMPLETED_EVENT:
        # A completed job no longer changes: read at dispatch, it is the job as it completed.
        return _envelope(event, {"refresh_job": await read_job(session, event.platform_id, event.invoice_id)})
    invoice = await invoice_of(session, event)
    vendor = None if invoice is None else await vendor_invoice_in(session, event.platform_id, invoice)
    return _envelope(event, {"invoice": vendor, "version": event.version, "changes": event.changes})


def _envelope(event: Event, data: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {
            "id": event.id,
            "type": event.event_type,
            "created_at": format_instant(event.created_at),
            "platform_id": event.platform_id,
            "data": data,
        }
    )


def subscription_row(event: Event, invoice: Body) -> Body:
    """The root value of `InvoiceUpdatedEvent` (schema/types/events.py): our invoice dict, as queries answer it."""
    return {
        "id": event.id,
        "type": event.event_type,
        "created_at": format_instant(event.created_at),
        "platform_id": event.platform_id,
        "invoice_id": event.invoice_id,
        "version": event.version,
        "invoice": invoice,
        "changes": event.changes,
    }
