"""REST: the vendor's Invoice JSON of an invoice, with its embedded records read through the loaders.

The pure mapping (our dict → the vendor's shape) is `records.vendor_json`, which the refresh's change
paths use too.
"""

from __future__ import annotations

from invoicegraph.db.loaders import Loaders
from invoicegraph.records.vendor_json import Record, embedded_ids, vendor_body


async def vendor_invoice(invoice: Record, loaders: Loaders) -> Record:
    """The vendor JSON of an invoice; embedded records come through the request's loaders."""
    by_name = {
        "processing_only_customers": loaders.customer_by_id,
        "forwarded_from_customers": loaders.customer_by_id,
        "meter_values": loaders.meter_value_by_id,
        "credit_types": loaders.credit_type_by_id,
    }
    embedded: dict[str, list[Record]] = {}
    for name, loader in by_name.items():  # one after another, in the order the body always loaded them
        ids = embedded_ids(invoice, name)
        embedded[name] = [row for row in await loader.load_many(ids) if row is not None] if ids else []
    return vendor_body(invoice, embedded)
