"""The prepared statement that finds each subscription's first invoice (db/prepared.py).

Given: the example platform with more invoices of its subscription: an earlier VOID one and two
earlier DRAFTs, and two of another subscription on the same date, on SQLite and PostgreSQL. When: the statement
runs for both subscriptions, and the planner is asked for it. Then: each subscription's first
invoice that is not VOID, by invoice date then id, with its first period's start; and the invoice
links are read by a seek on their subscription index, never by walking the platform's links.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from invoicegraph.db.engine import Database
from invoicegraph.db.prepared import fetch, first_invoices_of_subscriptions, keys
from tests.support.data import INVOICE_ID, example, load, record
from tests.support.plans import query_plan, walks

PLATFORM = "plat_acme"


def _invoice(
    base: dict[str, Any], invoice_id: str, month: int, *, status: str = "DRAFT", subscription: str = "psub_globex"
) -> dict[str, Any]:
    invoice = copy.deepcopy(base)
    start, end = f"2026-{month:02d}-01T00:00:00Z", f"2026-{month + 1:02d}-01T00:00:00Z"
    invoice.update(id=invoice_id, status=status, invoice_date=end, due_date=end, pricing_plan_subscription_ids=[subscription])
    invoice["periods"] = [{"start_at": start, "end_at": end}]
    if status == "VOID":  # a VOID invoice carries its computed amounts
        zero = {"quantity": "0.00", "currency": "EUR"}
        invoice["invoice_amount_including_tax"] = zero
        invoice["periods"][0].update(amount_excluding_tax=zero, amount_including_tax=zero, groups=[])
    return invoice


async def test_each_subscription_answers_its_first_invoice_that_is_not_void(database: Database, tmp_path: Path) -> None:
    data = example()
    base = record(data, "invoices", INVOICE_ID)
    other = copy.deepcopy(record(data, "subscriptions", "psub_globex"))
    other["id"] = "psub_other"
    data["subscriptions"].append(other)
    data["invoices"] += [
        _invoice(base, "invo_void_june", 6, status="VOID"),
        _invoice(base, "invo_september", 9),
        _invoice(base, "invo_august", 8),
        # the same date: the id decides
        _invoice(base, "invo_other_b", 6, subscription="psub_other"),
        _invoice(base, "invo_other_a", 6, subscription="psub_other"),
    ]
    await load(database, tmp_path, data)
    parameters = {"platform_id": PLATFORM, "subscription_ids": keys(["psub_globex", "psub_other", "psub_missing"])}
    async with database.write() as session:
        rows = await fetch(session, first_invoices_of_subscriptions(), parameters)
    found = {row.subscription_id: (row.id, row.start_at) for row in rows}
    assert found == {
        "psub_globex": ("invo_august", "2026-08-01T00:00:00Z"),
        "psub_other": ("invo_other_a", "2026-06-01T00:00:00Z"),
    }


@pytest.mark.parametrize("subscriptions", [["psub_a"], ["psub_a", "psub_b"]], ids=["one", "two"])
async def test_the_links_are_read_by_their_subscription_index(database: Database, subscriptions: list[str]) -> None:
    # One subscription is the common case, and the one where SQLite's planner preferred the primary key.
    parameters = {"platform_id": PLATFORM, "subscription_ids": subscriptions}
    plan = await query_plan(database, first_invoices_of_subscriptions(), parameters)
    if database.dialect == "sqlite":
        assert "ix_invoice_subscription_sub (platform_id=? AND subscription_id=?)" in plan, plan
    else:
        assert "ix_invoice_subscription_sub" in plan, plan
    assert not walks(plan, ["invoice_subscription", "invoice"]), plan
