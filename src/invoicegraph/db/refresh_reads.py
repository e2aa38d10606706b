"""Reading the refresh audit (newest first), one page per invoice, batched for many invoices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from invoicegraph.billing.instants import format_instant
from invoicegraph.billing.money import amount
from invoicegraph.db.prepared import Reads, fetch, keys, refresh_history_pages
from invoicegraph.db.tables import RefreshRecord


def refresh_record_dict(row: RefreshRecord | Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "invoice_id": row.invoice_id,
        "credential_id": row.credential_id,
        "request_id": row.request_id,
        "idempotency_key": row.idempotency_key,
        "job_id": row.job_id,
        "types": list(row.types),
        "status_before": row.status_before,
        "status_after": row.status_after,
        "total_before": amount(row.total_before, row.currency),
        "total_after": amount(row.total_after, row.currency),
        "version_before": row.version_before,
        "version_after": row.version_after,
        "changed": row.changed,
        "changed_paths": list(row.changed_paths),
        "changes": list(row.changes),
        "refreshed_at": format_instant(row.created_at),
    }


@dataclass(frozen=True)
class HistoryPage:
    """One page of an invoice's refresh history, newest first."""

    records: list[dict[str, Any]]
    start: int  # records of the history before this page
    total_count: int

    @property
    def has_next_page(self) -> bool:
        return self.start + len(self.records) < self.total_count


EMPTY = HistoryPage(records=[], start=0, total_count=0)


async def refresh_history_for_invoices(
    session: Reads, platform_id: str, invoice_ids: Sequence[str], *, size: int, after: str | None
) -> dict[str, HistoryPage | None]:
    """Each invoice's page of `size` records after the record `after` (from the newest when None).

    None for an invoice whose history does not hold `after` (the caller's cursor is not its own).
    """
    statement = refresh_history_pages(after=after is not None)
    rows = await fetch(session, statement, history_parameters(platform_id, invoice_ids, size=size, after=after))
    return history_pages(rows, invoice_ids, size=size, after=after)


def history_parameters(platform_id: str, invoice_ids: Sequence[str], *, size: int, after: str | None) -> dict[str, Any]:
    """The values of `refresh_history_pages()`'s parameters (a first page has no `:after`)."""
    parameters: dict[str, Any] = {"platform_id": platform_id, "ids": keys(invoice_ids), "size": size}
    if after is not None:
        parameters["after"] = after
    return parameters


def history_pages(rows: Sequence[Any], invoice_ids: Sequence[str], *, size: int, after: str | None) -> dict[str, HistoryPage | None]:
    """The pages of `refresh_history_pages()`'s rows, in whatever order the rows came (a folded read's may not keep it)."""
    by_invoice: dict[str, list[Any]] = {}
    for row in sorted(rows, key=lambda row: (row.invoice_id, row.position)):
        by_invoice.setdefault(row.invoice_id, []).append(row)
    pages: dict[str, HistoryPage | None] = {}
    for invoice_id in invoice_ids:
        found = by_invoice.get(invoice_id)
        if not found:
            pages[invoice_id] = EMPTY if after is None else None
            continue
        anchor = found[0].after_position
        if after is not None and anchor is None:
            pages[invoice_id] = None
            continue
        start = anchor or 0
        records = [refresh_record_dict(row) for row in found if start < row.position <= start + size]
        pages[invoice_id] = HistoryPage(records=records, start=start, total_count=found[0].total_count)
    return pages
