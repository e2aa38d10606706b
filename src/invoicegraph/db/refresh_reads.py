"""Reading the refresh audit (newest first), batched for many invoices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.billing.money import amount
from invoicegraph.billing.records import format_instant
from invoicegraph.db.prepared import fetch, keys, refresh_records_by_invoices
from invoicegraph.db.tables import RefreshRecord


def refresh_record_dict(row: RefreshRecord | Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "invoice_id": row.invoice_id,
        "credential_id": row.credential_id,
        "request_id": row.request_id,
        "idempotency_key": row.idempotency_key,
        "types": list(row.types),
        "status_before": row.status_before,
        "status_after": row.status_after,
        "total_before": amount(row.total_before, row.currency),
        "total_after": amount(row.total_after, row.currency),
        "version_before": row.version_before,
        "version_after": row.version_after,
        "changed": row.changed,
        "changed_paths": list(row.changed_paths),
        "refreshed_at": format_instant(row.created_at),
    }


async def refresh_records_for_invoices(
    session: AsyncSession, platform_id: str, invoice_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    rows = await fetch(session, refresh_records_by_invoices(), {"platform_id": platform_id, "ids": keys(invoice_ids)})
    for row in rows:
        found.setdefault(row.invoice_id, []).append(refresh_record_dict(row))
    return found
