"""REST: the vendor's Invoice JSON of an invoice, with its embedded records read through the loaders
(reads) or in the refresh's own transaction (the refresh's answer, which an Idempotency-Key stores).

The pure mapping (our dict → the vendor's shape) is `records.vendor_json`, which the refresh's change
paths use too.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.db import tables
from invoicegraph.db.loaders import Loaders
from invoicegraph.records.vendor_json import EMBEDDED_BY_ID, Body, acceptor_ids, embedded_ids, vendor_body
from invoicegraph.services.refresh.sources import records_of_kinds

# The table of each embedded record list (vendor_json.EMBEDDED_BY_ID).
_EMBEDDED_TABLES: dict[str, type[tables.TenantRecord]] = {
    "processing_only_customers": tables.Customer,
    "forwarded_from_customers": tables.Customer,
    "meter_values": tables.MeterValue,
    "credit_types": tables.CreditType,
}


async def vendor_invoice(invoice: Body, loaders: Loaders) -> Body:
    """The vendor JSON of an invoice; embedded records come through the request's loaders.

    Every load starts before any is awaited, so they fall in one loop tick and the record loaders
    answer them together (one statement, db/loaders.py).
    """
    by_name = {
        "processing_only_customers": loaders.customer_by_id,
        "forwarded_from_customers": loaders.customer_by_id,
        "meter_values": loaders.meter_value_by_id,
        "credit_types": loaders.credit_type_by_id,
    }
    pending = {name: loader.load_many(ids) for name, loader in by_name.items() if (ids := embedded_ids(invoice, name))}
    wanted = acceptor_ids(invoice)
    pending_acceptors = loaders.payment_acceptor_by_id.load_many(wanted) if wanted else None
    embedded: dict[str, list[Body]] = {name: [] for name in by_name}
    for name, rows in pending.items():
        embedded[name] = [row for row in await rows if row is not None]
    acceptors = [row for row in await pending_acceptors if row is not None] if pending_acceptors is not None else []
    return vendor_body(invoice, embedded, {row["id"]: row for row in acceptors})


async def vendor_invoice_in(session: AsyncSession, platform_id: str, invoice: Body) -> Body:
    """The vendor JSON of an invoice with its embedded records read in `session`, in one statement.

    The refresh renders its answer with this inside its transaction, so the body an Idempotency-Key
    stores is the one sent, built from what the refresh saw (services/idempotency.py).
    """
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
