"""Idempotency keys and the dry run (docs/refresh.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import IdempotencyRecord, RefreshRecord
from invoicegraph.services.idempotency import purge
from tests.support.api import Api
from tests.support.data import INVOICE_ID, load

PREVIEW = """
query($id: ID!, $types: [InvoiceRefreshType!]) {
  invoiceRefreshPreview(id: $id, types: $types) {
    types basedOnVersion
    invoice { id version invoiceAmountIncludingTax { quantity } }
    changes { path before after }
  }
}
"""


async def _audits(database: Database) -> int:
    async with database.read() as session:
        return int(
            await session.scalar(select(func.count()).select_from(RefreshRecord).where(col(RefreshRecord.platform_id) == "plat_acme")) or 0
        )


async def _more_usage(database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    event = {**data["usage_events"][0], "reference": "evt-more", "value": "100"}
    await load(database, tmp_path, {"format": data["format"], "usage_events": [event]}, "more.json")


async def test_same_key_same_request_replays_without_executing(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    await _more_usage(database, tmp_path, data)
    key = {"Idempotency-Key": "retry-me-1"}
    first = await api.refresh(INVOICE_ID, ["FULL"], key)
    assert "errors" not in first
    assert "idempotent-replayed" not in first["_headers"]
    await _more_usage(database, tmp_path, {**data, "usage_events": [{**data["usage_events"][0], "reference": "evt-even-more"}]})
    replay = await api.refresh(INVOICE_ID, ["FULL"], key)
    assert replay["_headers"]["idempotent-replayed"] == "true"
    assert replay["data"] == first["data"]  # the stored answer, not a new refresh
    assert await _audits(database) == 1


async def test_same_key_other_request_is_refused(api: Api) -> None:
    key = {"Idempotency-Key": "retry-me-2"}
    assert "errors" not in await api.refresh(INVOICE_ID, ["FULL"], key)
    other = await api.refresh(INVOICE_ID, ["CUSTOMER"], key)
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_CHECK_FAILED"


async def test_keys_are_scoped_to_the_credential(api: Api, database: Database) -> None:
    from tests.support.seed import add_key

    key = {"Idempotency-Key": "shared-key"}
    assert "errors" not in await api.refresh(INVOICE_ID, ["FULL"], key)
    other = await add_key(database, ["plat_acme"])
    body = await api.refresh(INVOICE_ID, ["CUSTOMER"], {**key, "X-API-KEY": other.key})
    assert "errors" not in body  # another credential's key space
    assert "idempotent-replayed" not in body["_headers"]


async def test_invalid_keys_are_input_errors(api: Api) -> None:
    body = await api.refresh(INVOICE_ID, ["FULL"], {"Idempotency-Key": "x" * 256})
    extensions = body["errors"][0]["extensions"]
    assert (extensions["code"], extensions["field"]) == ("INVALID_FIELD", "Idempotency-Key")


async def test_records_past_retention_are_purged(api: Api, database: Database) -> None:
    assert "errors" not in await api.refresh(INVOICE_ID, ["FULL"], {"Idempotency-Key": "old"})
    async with database.write() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.platform_id) == "plat_acme")
            .values(created_at=datetime.now(UTC) - timedelta(hours=49))
        )
    assert await purge(database) == 1
    async with database.read() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(IdempotencyRecord).where(col(IdempotencyRecord.platform_id) == "plat_acme")
            )
            == 0
        )


async def test_preview_shows_changes_and_writes_nothing(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    await _more_usage(database, tmp_path, data)
    before = await api.graphql("query($id: ID!) { invoice(id: $id) { version updatedAt } }", {"id": INVOICE_ID})
    body = await api.graphql(PREVIEW, {"id": INVOICE_ID, "types": ["FULL"]})
    preview = body["data"]["invoiceRefreshPreview"]
    assert preview["types"] == ["FULL"]
    assert preview["basedOnVersion"] == before["data"]["invoice"]["version"]
    paths = {change["path"]: change for change in preview["changes"]}
    line = paths["periods.0.groups.0.lines.1.amount_excluding_tax.quantity"]
    assert (line["before"], line["after"]) == ("94.50", "99.50")
    assert preview["invoice"]["invoiceAmountIncludingTax"] == {"quantity": "128.60"}
    after = await api.graphql(
        "query($id: ID!) { invoice(id: $id) { version updatedAt invoiceAmountIncludingTax { quantity } } }", {"id": INVOICE_ID}
    )
    assert after["data"]["invoice"]["version"] == before["data"]["invoice"]["version"]
    assert after["data"]["invoice"]["invoiceAmountIncludingTax"] == {"quantity": "124.60"}
    assert await _audits(database) == 0


async def test_preview_of_missing_or_final_invoices(api: Api) -> None:
    missing = await api.graphql(PREVIEW, {"id": "invo_nope"})
    assert missing["data"] == {"invoiceRefreshPreview": None}
    assert "errors" not in missing


async def test_preview_needs_refresh_or_preview_permission(api: Api, database: Database) -> None:
    from tests.support.seed import add_key

    viewer = await add_key(database, ["plat_acme"], ["INVOICE.VIEW"])
    previewer = await add_key(database, ["plat_acme"], ["INVOICE.VIEW", "INVOICE.PREVIEW"])
    refused = await api.graphql(PREVIEW, {"id": INVOICE_ID}, {"X-API-KEY": viewer.key})
    assert refused["errors"][0]["extensions"]["code"] == "USER_NOT_ALLOWED"
    allowed = await api.graphql(PREVIEW, {"id": INVOICE_ID}, {"X-API-KEY": previewer.key})
    assert "errors" not in allowed
    mutation = await api.refresh(INVOICE_ID, None, {"X-API-KEY": previewer.key})
    assert mutation["errors"][0]["extensions"]["code"] == "USER_NOT_ALLOWED"
