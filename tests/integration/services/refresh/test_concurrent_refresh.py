"""Concurrent refreshes (docs/refresh.md): every call succeeds or answers the retryable error, the final
state equals a serial run, version grows only with real changes, no deadlock."""

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


async def test_twenty_concurrent_refreshes_of_twenty_invoices_equal_a_serial_run(
    app_client: httpx.AsyncClient, database: Database, tmp_path: Path, settings: Settings, request: pytest.FixtureRequest
) -> None:
    data = _twenty_drafts()
    await load(database, tmp_path, data, "drafts.json")
    await _late_usage(database, tmp_path, data)
    ids = [f"invo_draft_{i:02d}" for i in range(COUNT)]
    async with app_client as client:
        results = await asyncio.wait_for(asyncio.gather(*(_refresh(client, i) for i in ids)), timeout=120)
        assert all("errors" not in r for r in results), [r for r in results if "errors" in r][:2]
        concurrent = [await _state(client, i) for i in ids]
        # The serial run: the same refreshes again, one after another, change nothing more.
        for invoice_id in ids:
            assert "errors" not in await _refresh(client, invoice_id)
        serial = [await _state(client, i) for i in ids]
    assert concurrent == serial
    assert {invoice["version"] for invoice in concurrent} == {2}
    assert len({invoice["invoiceAmountIncludingTax"]["quantity"] for invoice in concurrent}) == 1
