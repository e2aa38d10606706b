"""The `pricingPlanSubscriptionId` filter of invoice lists (db/invoice_queries.py) seeks its links.

Given: the migrated schema on SQLite and PostgreSQL. When: the planner is asked for the ids of a
platform's invoices that bill one subscription. Then: the invoice links are read from their
subscription index, which answers alone (platform, subscription, invoice), never by walking every
link of the platform.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_listing import InvoiceQuery
from invoicegraph.db.invoice_queries import filters
from invoicegraph.db.tables import Invoice
from tests.support.plans import query_plan, walks


async def test_the_subscription_filter_seeks_its_links(database: Database) -> None:
    statement = select(col(Invoice.id)).where(*filters("plat_any", InvoiceQuery(subscription_id="psub_any")))
    plan = await query_plan(database, statement, {})
    if database.dialect == "sqlite":
        assert "COVERING INDEX ix_invoice_subscription_sub (platform_id=? AND subscription_id=?)" in plan, plan
    else:
        assert "ix_invoice_subscription_sub" in plan, plan
    assert not walks(plan, ["invoice_subscription", "invoice"]), plan
