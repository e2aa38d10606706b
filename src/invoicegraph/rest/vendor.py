"""REST: the vendor's Invoice JSON of an invoice, with its embedded records read through the loaders
(reads) or in the refresh's own transaction (the refresh's answer, which an Idempotency-Key stores:
`services.vendor_invoice`, which webhooks use too).

The pure mapping (our dict → the vendor's shape) is `records.vendor_json`, which the refresh's change
paths use too.
"""

from __future__ import annotations

from collections.abc import Sequence

from invoicegraph.db.loaders import Loaders
from invoicegraph.records.vendor_json import EMBEDDED_BY_ID, Body, acceptor_ids, embedded_ids, vendor_body


async def vendor_invoice(invoice: Body, loaders: Loaders) -> Body:
    """The vendor JSON of an invoice; embedded records come through the request's loaders."""
    [body] = await vendor_invoices([invoice], loaders)
    return body


async def vendor_invoices(invoices: Sequence[Body], loaders: Loaders) -> list[Body]:
    """The vendor JSON of each invoice, in order; embedded records come through the request's loaders.

    Every record of every invoice is asked for before any is awaited, one load per loader, and the
    round starts at once: the loaders answer them together (one statement, db/loaders.py), in one
    wait rather than a task per invoice.
    """
    by_name = {
        "processing_only_customers": loaders.customer_by_id,
        "forwarded_from_customers": loaders.customer_by_id,
        "meter_values": loaders.meter_value_by_id,
        "credit_types": loaders.credit_type_by_id,
        "payment_acceptors": loaders.payment_acceptor_by_id,
    }
    wanted: dict[str, dict[str, None]] = {name: {} for name in by_name}  # ids in order, once each
    for invoice in invoices:
        for name in EMBEDDED_BY_ID:
            wanted[name].update(dict.fromkeys(embedded_ids(invoice, name)))
        wanted["payment_acceptors"].update(dict.fromkeys(acceptor_ids(invoice)))
    pending = {name: (list(ids), by_name[name].load_many(ids)) for name, ids in wanted.items() if ids}
    loaders.start_now()  # every record asked for: nothing else joins this round
    found: dict[str, dict[str, Body]] = {name: {} for name in by_name}
    for name, (ids, rows) in pending.items():
        found[name] = {i: row for i, row in zip(ids, await rows, strict=True) if row is not None}
    bodies = []
    for invoice in invoices:
        embedded = {name: [found[name][i] for i in embedded_ids(invoice, name) if i in found[name]] for name in EMBEDDED_BY_ID}
        acceptors = {i: found["payment_acceptors"][i] for i in acceptor_ids(invoice) if i in found["payment_acceptors"]}
        bodies.append(vendor_body(invoice, embedded, acceptors))
    return bodies
