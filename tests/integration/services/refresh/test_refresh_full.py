"""refreshInvoice FULL on the example import file, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.db.tables import RefreshRecord
from tests.support.api import Api
from tests.support.data import INVOICE_ID, load, record

HISTORY = """
query($id: ID!) { invoice(id: $id) { version refreshHistory(first: 10) { totalCount edges { node {
  types changed changedPaths statusBefore statusAfter totalBefore { quantity currency } totalAfter { quantity } credentialId
} } } } }
"""


def _lines(invoice: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (line["description"], line["type"], line["amountExcludingTax"]["quantity"])
        for period in invoice["periods"]
        for group in period["groups"]
        for line in group["lines"]
    ]


async def test_full_refresh_rates_usage_coupons_and_tax(api: Api) -> None:
    body = await api.refresh(INVOICE_ID)
    assert "errors" not in body, body
    invoice = body["data"]["refreshInvoice"]
    # 1250 calls graduated: 100 × 0.10 + 900 × 0.08 + 250 × 0.05 = 94.50; the 20 % launch coupon is
    # limited to the API product: −18.90. Globex is a Belgian company with a VAT id, billed from
    # the Netherlands: reverse charge, no tax.
    lines = _lines(invoice)
    assert ("Base fee", "REVENUE", "49.00") in lines
    assert ("API calls", "REVENUE", "94.50") in lines
    assert [q for _, kind, q in lines if kind == "DISCOUNT"] == ["-18.90"]
    assert invoice["taxSummary"] == {
        "baseAmount": {"quantity": "124.60"},
        "taxAmount": {"quantity": "0.00"},
        "totalAmount": {"quantity": "124.60"},
    }
    assert invoice["invoiceAmountIncludingTax"] == {"quantity": "124.60", "currency": "EUR"}
    assert invoice["customerDetails"]["legalName"] == "Globex BV"
    assert invoice["purchaseOrderNumber"] == "PO-7781"
    assert invoice["paymentAcceptorIds"] == ["paya_bank"]
    assert invoice["customFields"] == [{"reference": "cost_center", "value": "CC-42"}]


async def test_refresh_of_an_unchanged_invoice_writes_nothing(api: Api, database: Database) -> None:
    # The import already computed the DRAFT invoice as a FULL refresh would: nothing is left to change.
    before = await api.graphql(HISTORY, {"id": INVOICE_ID})
    first = (await api.refresh(INVOICE_ID))["data"]["refreshInvoice"]
    second = (await api.refresh(INVOICE_ID))["data"]["refreshInvoice"]
    assert first["version"] == second["version"] == before["data"]["invoice"]["version"]
    assert second["updatedAt"] == first["updatedAt"]
    history = await api.graphql(HISTORY, {"id": INVOICE_ID})
    records = history["data"]["invoice"]["refreshHistory"]
    assert records["totalCount"] == 2
    for edge in records["edges"]:
        assert edge["node"]["changed"] is False
        assert edge["node"]["changedPaths"] == []
        assert edge["node"]["totalAfter"] == {"quantity": "124.60"}
        assert edge["node"]["credentialId"] == "api_key:akey_ops"
    async with database.read() as session:
        events = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(col(OutboxEvent.platform_id) == "plat_acme", col(OutboxEvent.invoice_id) == INVOICE_ID)
        )
    assert events == 0


async def test_version_grows_only_with_real_changes(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    first = (await api.refresh(INVOICE_ID))["data"]["refreshInvoice"]
    # Late usage arrives: the next FULL refresh re-rates and bumps the version by one.
    # (The file leaves the invoice out: an import computes only the invoices it carries.)
    data["usage_events"].append({**data["usage_events"][0], "reference": "evt-000002", "value": "100"})
    await load(database, tmp_path, {**data, "invoices": []}, "late.json")
    second = (await api.refresh(INVOICE_ID))["data"]["refreshInvoice"]
    assert second["version"] == first["version"] + 1
    assert ("API calls", "REVENUE", "99.50") in _lines(second)  # 1350 units: + 100 × 0.05
    history = (await api.graphql(HISTORY, {"id": INVOICE_ID}))["data"]["invoice"]["refreshHistory"]
    newest = history["edges"][0]["node"]
    assert newest["changed"] is True
    assert "periods.0.groups.0.lines.1.amountExcludingTax.quantity" in newest["changedPaths"]
    async with database.read() as session:
        events = (
            await session.scalars(
                select(OutboxEvent).where(col(OutboxEvent.platform_id) == "plat_acme", col(OutboxEvent.invoice_id) == INVOICE_ID)
            )
        ).all()
    assert [(e.event_type, e.version) for e in events] == [("INVOICE.UPDATED", second["version"])]


async def test_final_invoices_are_refused_and_nothing_is_written(
    api: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    invoice = record(data, "invoices", INVOICE_ID)
    zero = {"quantity": "0.00", "currency": "EUR"}
    periods = [{**p, "amount_excluding_tax": zero, "amount_including_tax": zero, "groups": []} for p in invoice["periods"]]
    final = {
        **invoice,
        "id": "invo_final",
        "status": "FINAL",
        "invoice_number": "INV-1",
        "periods": periods,
        "invoice_amount_including_tax": zero,
    }
    data["invoices"] = [final]
    await load(database, tmp_path, data, "final.json")
    body = await api.refresh("invo_final")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_OPERATION"
    assert "FINAL" in body["errors"][0]["message"]
    async with database.read() as session:
        audits = await session.scalar(select(func.count()).select_from(RefreshRecord).where(col(RefreshRecord.platform_id) == "plat_acme"))
    assert audits == 0


async def test_unknown_and_foreign_invoices_look_the_same(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    other = {**data}
    other["platforms"] = [{"id": "plat_other", "name": "Other"}]
    other["api_keys"] = []
    for section in (
        "billing_entities",
        "customers",
        "payment_acceptors",
        "products",
        "meters",
        "pricing_plans",
        "subscriptions",
        "coupons",
        "promotion_codes",
        "tax_rates",
        "exchange_rates",
        "usage_events",
        "invoices",
    ):
        other[section] = [{**r, "platform_id": "plat_other"} for r in data.get(section, [])]
    other["invoices"] = [{**r, "id": "invo_foreign"} for r in other["invoices"]]
    await load(database, tmp_path, other, "other.json")
    missing = await api.refresh("invo_nope")
    foreign = await api.refresh("invo_foreign")
    assert missing["errors"][0]["extensions"]["code"] == foreign["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"
    assert missing["errors"][0]["message"].replace("invo_nope", "X") == foreign["errors"][0]["message"].replace("invo_foreign", "X")
    assert missing["_status"] == foreign["_status"]


async def test_reimporting_an_open_invoice_changes_nothing_or_moves_one_version(
    api: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    first = (await api.refresh(INVOICE_ID))["data"]["refreshInvoice"]
    await load(database, tmp_path, data, "again.json")
    again = (await api.refresh(INVOICE_ID))["data"]["refreshInvoice"]
    assert (again["version"], again["updatedAt"]) == (first["version"], first["updatedAt"])
    data["usage_events"].append({**data["usage_events"][0], "reference": "evt-000003", "value": "100"})
    await load(database, tmp_path, data, "more.json")
    moved = (await api.refresh(INVOICE_ID))["data"]["refreshInvoice"]
    assert moved["version"] == first["version"] + 1
    assert ("API calls", "REVENUE", "99.50") in _lines(moved)
