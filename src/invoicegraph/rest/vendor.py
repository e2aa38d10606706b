"""REST: the vendor's Invoice JSON of an invoice, with its embedded records read through the loaders
(reads: `served_invoice` from the body as stored, `vendor_invoices` for a page) or in the refresh's
own transaction (the refresh's answer, which an Idempotency-Key stores: `services.vendor_invoice`,
which webhooks use too).

The pure mapping (our dict → the vendor's shape) is `records.vendor_json`, which the refresh's change
paths use too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from invoicegraph.db.batching import BatchLoader
from invoicegraph.db.loaders import Loaders
from invoicegraph.records.served import ACCEPTOR, SERVED_FORMAT, served_body, wanted_ids
from invoicegraph.records.vendor_json import EMBEDDED_BY_ID, Body, acceptor_ids, embedded_ids, vendor_body


def _record_loaders(loaders: Loaders) -> dict[str, BatchLoader[Any]]:
    """The loader of each kind of live record an invoice's body embeds."""
    return {
        "processing_only_customers": loaders.customer_by_id,
        "forwarded_from_customers": loaders.customer_by_id,
        "meter_values": loaders.meter_value_by_id,
        "credit_types": loaders.credit_type_by_id,
        "payment_acceptors": loaders.payment_acceptor_by_id,
        ACCEPTOR: loaders.payment_acceptor_by_id,
    }


async def served_invoice(invoice_id: str, loaders: Loaders) -> bytes | None:
    """The vendor JSON of an invoice as bytes, or None when the platform has no such invoice.

    From its stored served form (records/served.py), its places filled with the live records in one
    round. A row without a current form (never filled, of an older format, or written since by a
    release that does not store it: its version moved on) is projected from its document as before
    (one more read). The two are the same JSON; on PostgreSQL the projection lists a nested object's
    keys in JSONB's order, the served form in the order they were written.
    """
    loading = loaders.served_invoice_by_id.load(invoice_id)
    loaders.start_now()  # the only read of this step
    row = await loading
    if row is None:
        return None
    shape = row.served_places
    if row.served is None or shape is None or shape.get("format") != SERVED_FORMAT or shape.get("version") != row.version:
        stored = loaders.invoice_by_id.load(invoice_id)
        loaders.start_now()
        invoice = await stored
        return None if invoice is None else orjson.dumps(await vendor_invoice(invoice, loaders))
    places = shape["places"]
    if not places:
        return bytes(row.served)
    by_kind = _record_loaders(loaders)
    pending = {kind: (ids, by_kind[kind].load_many(ids)) for kind, ids in wanted_ids(places).items()}
    loaders.start_now()  # every record asked for: nothing else joins this round
    found = {
        kind: {i: record for i, record in zip(ids, await rows, strict=True) if record is not None} for kind, (ids, rows) in pending.items()
    }
    return served_body(row.served, places, found)


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
    by_name = _record_loaders(loaders)
    wanted: dict[str, dict[str, None]] = {name: {} for name in (*EMBEDDED_BY_ID, "payment_acceptors")}  # ids in order, once each
    for invoice in invoices:
        for name in EMBEDDED_BY_ID:
            wanted[name].update(dict.fromkeys(embedded_ids(invoice, name)))
        wanted["payment_acceptors"].update(dict.fromkeys(acceptor_ids(invoice)))
    pending = {name: (list(ids), by_name[name].load_many(ids)) for name, ids in wanted.items() if ids}
    loaders.start_now()  # every record asked for: nothing else joins this round
    found: dict[str, dict[str, Body]] = {name: {} for name in wanted}
    for name, (ids, rows) in pending.items():
        found[name] = {i: row for i, row in zip(ids, await rows, strict=True) if row is not None}
    bodies = []
    for invoice in invoices:
        embedded = {name: [found[name][i] for i in embedded_ids(invoice, name) if i in found[name]] for name in EMBEDDED_BY_ID}
        acceptors = {i: found["payment_acceptors"][i] for i in acceptor_ids(invoice) if i in found["payment_acceptors"]}
        bodies.append(vendor_body(invoice, embedded, acceptors))
    return bodies
