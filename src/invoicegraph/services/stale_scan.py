"""Which of the platform's invoices are stale: the `stale` filter of the invoice lists (docs/drafts.md).

The judgement is `Invoice.staleSources`'s own (services/staleness.py `stale_types`), made on the same
reads, so a list filtered on `stale` and the field never disagree. Part of it (the copies of the
customer, the entity and the subscriptions) is a comparison no SQL condition expresses, so the filter
judges every OPEN and DRAFT invoice the rest of the filter admits, then hands the page statement the
ids of the stale ones (db/invoice_queries.py `STALE_IDS`): paging, order and total count are then
the list's own. The cost is a fixed number of statements, whatever the page size or the number of
invoices, and a comparison in Python per candidate invoice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from invoicegraph.db import tables
from invoicegraph.db.invoice_listing import InvoiceQuery
from invoicegraph.db.invoice_queries import filters
from invoicegraph.db.invoice_reads import staleness_columns, staleness_invoice
from invoicegraph.db.prepared import Reads, dialect_of, fetch
from invoicegraph.db.reads import Read, RecordsRead
from invoicegraph.db.stale_reads import PLATFORM_KEY, RefreshMarksRead, TableMarksRead, UsageMarksRead
from invoicegraph.services.refresh.service import REFRESHABLE
from invoicegraph.services.staleness import Live, Marks, last_refreshes, named_acceptor_ids, stale_types


async def _read(session: Reads, read: Read, platform_id: str, keys: Sequence[str]) -> dict[str, Any]:
    if not keys:
        return {}
    dialect = dialect_of(session)
    return read.results(await fetch(session, read.statement(dialect), read.parameters(platform_id, keys)), platform_id, keys)


async def stale_invoice_ids(session: Reads, platform_id: str, query: InvoiceQuery) -> list[str]:
    """The ids of the invoices `query` admits (its `stale` aside) whose staleSources is not empty."""
    statuses = sorted(REFRESHABLE & set(query.statuses)) if query.statuses else sorted(REFRESHABLE)
    if not statuses:
        return []
    candidates = dataclasses.replace(query, statuses=tuple(statuses), stale=None)
    # Only what the judgement reads of each candidate, never its whole document (db/invoice_reads.py).
    statement = select(*staleness_columns(dialect_of(session))).where(*filters(platform_id, candidates))
    rows = await session.execute(statement)
    invoices = [staleness_invoice(row) for row in rows.all()]
    if not invoices:
        return []
    customer_ids = sorted({str(i["customer_id"]) for i in invoices})
    subscription_ids = sorted({s for i in invoices for s in i.get("pricing_plan_subscription_ids") or []})
    customers = await _read(session, RecordsRead(tables.Customer), platform_id, customer_ids)
    entities = await _read(session, RecordsRead(tables.BillingEntity), platform_id, sorted({str(i["billing_entity_id"]) for i in invoices}))
    subscriptions = await _read(session, RecordsRead(tables.Subscription), platform_id, subscription_ids)
    audited = await _read(session, RefreshMarksRead(), platform_id, [str(i["id"]) for i in invoices])
    table_marks = (await _read(session, TableMarksRead(), platform_id, [PLATFORM_KEY])).get(PLATFORM_KEY) or {}
    usage = await _read(session, UsageMarksRead(), platform_id, customer_ids)
    acceptor_ids = sorted({a for s in subscriptions.values() for a in named_acceptor_ids([s])})
    acceptors = await _read(session, RecordsRead(tables.PaymentAcceptor), platform_id, acceptor_ids)
    stale: list[str] = []
    for invoice in invoices:
        found = [subscriptions[s] for s in invoice.get("pricing_plan_subscription_ids") or [] if s in subscriptions]
        named = named_acceptor_ids(found)
        live = Live(
            customer=customers.get(str(invoice["customer_id"])),
            billing_entity=entities.get(str(invoice["billing_entity_id"])),
            subscriptions=found,
            named_acceptors={a: acceptors[a] for a in named if a in acceptors} if named else None,
        )
        marks = Marks(
            tables=table_marks, usage=usage.get(str(invoice["customer_id"])), refreshed=last_refreshes(audited.get(invoice["id"]) or [])
        )
        if stale_types(invoice, live, marks):
            stale.append(str(invoice["id"]))
    return stale
