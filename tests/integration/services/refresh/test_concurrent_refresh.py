"""Concurrent refreshes (docs/refresh.md): every call succeeds or answers the retryable error, the final
state is the one computed by hand from the data, version grows only with real changes, no deadlock."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import RefreshRecord
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record

HEADERS = {"X-API-KEY": EXAMPLE_KEY}
REFRESH = "mutation($id: ID!) { refreshInvoice(id: $id) { id version invoiceAmountIncludingTax { quantity } } }"
READ = "query($id: ID!) { invoice(id: $id) { id version invoiceAmountIncludingTax { quantity } taxSummary { totalAmount { quantity } } periods { groups { lines { id amountExcludingTax { quantity } } } } } }"
COUNT = 20


def _twenty_drafts() -> dict[str, Any]:
    data = example()
    base = record(data, "invoices", INVOICE_ID)
    data["invoices"] = [{**base, "id": f"invo_draft_{i:02d}"} for i in range(COUNT)]
    return data


async def _late_usage(database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    event = {**data["usage_events"][0], "reference": "evt-late", "value": "500"}
    await load(database, tmp_path, {"format": data["format"], "usage_events": [event]}, "late.json")


async def _refresh(client: httpx.AsyncClient, invoice_id: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": REFRESH, "variables": {"id": invoice_id}}, headers=HEADERS)
    body: dict[str, Any] = response.json()
    if "errors" in body:
        # The only acceptable failure: the documented retryable lock timeout.
        extensions = body["errors"][0]["extensions"]
        assert extensions["code"] == "INTERNAL_ERROR", body
        assert "retry" in body["errors"][0]["message"].lower(), body
    return body


async def _state(client: httpx.AsyncClient, invoice_id: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": READ, "variables": {"id": invoice_id}}, headers=HEADERS)
    invoice: dict[str, Any] = response.json()["data"]["invoice"]
    return invoice


async def _audits(database: Database) -> int:
    async with database.read() as session:
        return int(
            await session.scalar(select(func.count()).select_from(RefreshRecord).where(col(RefreshRecord.platform_id) == "plat_acme")) or 0
        )


@pytest.fixture
def app_client(settings: Settings, database: Database) -> httpx.AsyncClient:
    app = create_app(settings.model_copy(update={"lock_timeout_seconds": 15.0}), database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_twenty_concurrent_refreshes_of_one_invoice(app_client: httpx.AsyncClient, database: Database, tmp_path: Path) -> None:
    data = example()
    await load(database, tmp_path, data, "example.json")
    async with app_client as client:
        before = await _state(client, INVOICE_ID)
        await _late_usage(database, tmp_path, data)
        results = await asyncio.wait_for(asyncio.gather(*(_refresh(client, INVOICE_ID) for _ in range(COUNT))), timeout=120)
        succeeded = [r["data"]["refreshInvoice"] for r in results if "errors" not in r]
        after = await _state(client, INVOICE_ID)
    assert succeeded, "no refresh succeeded"
    # One real change (the late usage): exactly one version step however many refreshes ran.
    assert after["version"] == before["version"] + 1
    assert {r["version"] for r in succeeded} == {after["version"]}
    # 1750 units: 100 × 0.10 + 900 × 0.08 + 750 × 0.05 = 119.50, less the 20 % coupon: 49 + 95.60
    assert after["invoiceAmountIncludingTax"] == {"quantity": "144.60"}
    assert await _audits(database) == len(succeeded)


async def test_twenty_concurrent_refreshes_of_twenty_invoices_reach_the_hand_computed_amounts(
    app_client: httpx.AsyncClient, database: Database, tmp_path: Path
) -> None:
    # Given this test's own database (a fresh copy of the migrated template) with twenty drafts of
    # the example invoice, computed at import: 1250 API calls
    data = _twenty_drafts()
    await load(database, tmp_path, data, "drafts.json")
    ids = [f"invo_draft_{i:02d}" for i in range(COUNT)]
    async with app_client as client:
        before = [await _state(client, i) for i in ids]
        # When 500 more calls arrive and the twenty are refreshed at once
        await _late_usage(database, tmp_path, data)
        results = await asyncio.wait_for(asyncio.gather(*(_refresh(client, i) for i in ids)), timeout=120)
        after = [await _state(client, i) for i in ids]

    # Then each holds the amounts computed by hand from the data, one version on.
    # Before: 100 x 0.10 + 900 x 0.08 + 250 x 0.05 = 94.50, 20 % off it (18.90), plus the 49.00 base fee.
    assert {invoice["invoiceAmountIncludingTax"]["quantity"] for invoice in before} == {"124.60"}
    assert all("errors" not in r for r in results), [r for r in results if "errors" in r][:2]
    # After, 1750 calls: 100 x 0.10 + 900 x 0.08 + 750 x 0.05 = 119.50, 20 % off it = -23.90, base fee
    # 49.00: 144.60. No VAT: a Belgian business with a VAT id billed from the Netherlands (reverse charge).
    for invoice in after:
        assert invoice["version"] == 2, invoice["id"]
        lines = [line["amountExcludingTax"]["quantity"] for group in invoice["periods"][0]["groups"] for line in group["lines"]]
        assert sorted(lines) == sorted(["49.00", "119.50", "-23.90"]), invoice["id"]
        assert invoice["invoiceAmountIncludingTax"] == {"quantity": "144.60"}, invoice["id"]
        assert invoice["taxSummary"]["totalAmount"] == {"quantity": "144.60"}, invoice["id"]
