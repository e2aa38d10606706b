"""`Invoice.staleSources`: the live records and change markers through the request's loaders.

Every read is a batched loader read, so a page of invoices costs the same few statements whatever its
size (the customers, entities and subscriptions of the page; the audited refreshes of the page; the
platform's table markers; the page's customers' latest usage; then the acceptors the subscriptions
name). The decision itself is pure (services/staleness.py).
"""

from __future__ import annotations

from invoicegraph.db.batching import loaded
from invoicegraph.db.stale_reads import PLATFORM_KEY
from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row
from invoicegraph.services.refresh.service import REFRESHABLE
from invoicegraph.services.staleness import Live, Marks, last_refreshes, named_acceptor_ids, stale_types


async def resolve_stale_sources(info: Info, invoice: Row) -> list[str]:
    if invoice.get("status") not in REFRESHABLE:
        return []  # nothing refreshes a FINAL, EMPTY or VOID invoice: nothing about it is stale
    loaders = info.context.loaders
    customer_id = str(invoice["customer_id"])
    # Every load is asked for before the first is awaited, so that all join the same round.
    customer, entity, audited, table_marks, usage, *subscriptions = await loaded(
        [
            loaders.customer_by_id.load(customer_id),
            loaders.billing_entity_by_id.load(str(invoice["billing_entity_id"])),
            loaders.refresh_marks_by_invoice.load(str(invoice["id"])),
            loaders.table_marks.load(PLATFORM_KEY),
            loaders.usage_marks_by_customer.load(customer_id),
            *(loaders.subscription_by_id.load(s) for s in invoice.get("pricing_plan_subscription_ids") or []),
        ]
    )
    found = [s for s in subscriptions if s is not None]
    named = named_acceptor_ids(found)
    acceptors = None
    if named:
        found_acceptors = await loaded([loaders.payment_acceptor_by_id.load(a) for a in named])
        acceptors = {a["id"]: a for a in found_acceptors if a is not None}
    live = Live(customer=customer, billing_entity=entity, subscriptions=found, named_acceptors=acceptors)
    marks = Marks(tables=table_marks or {}, usage=usage, refreshed=last_refreshes(audited or []))
    return stale_types(invoice, live, marks)
