"""The vendor's Invoice JSON of an invoice, its embedded records read in a given session.

The REST refresh renders its answer with this inside its transaction (so the body an Idempotency-Key
stores is the one sent, built from what the refresh saw: services/idempotency.py), and a webhook's
`data.invoice` is made with it when its event is dispatched (services/events/dispatch.py). Reads that
go through a request's loaders use `rest.vendor.vendor_invoice` instead.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.db import tables
from invoicegraph.records.vendor_json import EMBEDDED_BY_ID, Body, acceptor_ids, embedded_ids, vendor_body
from invoicegraph.services.refresh.sources import records_of_kinds

# The table of each embedded record list (vendor_json.EMBEDDED_BY_ID).
_EMBEDDED_TABLES: dict[str, type[tables.TenantRecord]] = {
    "processing_only_customers": tables.Customer,
    "forwarded_from_customers": tables.Customer,
    "meter_values": tables.MeterValue,
    "credit_types": tables.CreditType,
}


async def vendor_invoice_in(session: AsyncSession, platform_id: str, invoice: Body) -> Body:
    """The vendor JSON of an invoice with its embedded records read in `session`, in one statement."""
    wanted: dict[type[tables.TenantRecord], list[str]] = {}
    for name in EMBEDDED_BY_ID:
        wanted.setdefault(_EMBEDDED_TABLES[name], []).extend(embedded_ids(invoice, name))
    wanted.setdefault(tables.PaymentAcceptor, []).extend(acceptor_ids(invoice))
    found = await records_of_kinds(session, platform_id, {table: ids for table, ids in wanted.items() if ids})
    embedded = {
        name: [row for i in embedded_ids(invoice, name) if (row := found.get(_EMBEDDED_TABLES[name], {}).get(i)) is not None]
        for name in EMBEDDED_BY_ID
    }
    return vendor_body(invoice, embedded, found.get(tables.PaymentAcceptor, {}))
