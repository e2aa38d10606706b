"""How much of each invoice a connection's selection needs (`InvoiceShape`, db/invoice_reads.py).

Selecting only what a screen needs should cost only that: a list of numbers, statuses, dates and
amounts is answered from the lifted columns without reading or decoding any invoice document; the
same list with `staleSources` reads only the few document values staleness is judged on; and a
connection selected for its cursors, page info or count reads no invoice at all.
"""

from __future__ import annotations

from strawberry.utils.str_converters import to_camel_case

from invoicegraph.db.invoice_reads import COLUMN_FIELDS, InvoiceShape
from invoicegraph.resolvers.selection import selected_at, selected_names
from invoicegraph.resolvers.types import Info

# Invoice fields answered from the columns: the column keys, plus the resolvers that only read
# `customer_id` / `billing_entity_id` (schema/types/invoice.py).
COLUMN_SELECTIONS = frozenset({to_camel_case(name) for name in COLUMN_FIELDS} | {"__typename", "customer", "billingEntity"})
# ... and with the field that reads only `STALENESS_KEYS` of the document.
STALE_SELECTIONS = COLUMN_SELECTIONS | {"staleSources"}


def node_shape(info: Info) -> InvoiceShape:
    """The shape of the invoices under `edges { node }` of the connection being resolved."""
    nodes = selected_at(info, "edges", "node")
    return shape_of(selected_names(nodes) if nodes else None)


def shape_of(node_fields: frozenset[str] | set[str] | None) -> InvoiceShape:
    """The shape for the names of the fields selected on `node` (None: no node selected)."""
    if node_fields is None:
        return "keys"
    if node_fields <= COLUMN_SELECTIONS:
        return "columns"
    return "stale" if node_fields <= STALE_SELECTIONS else "document"
