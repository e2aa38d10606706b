"""The hook that computes the OPEN and DRAFT invoices of an imported file.

docs/importing.md: such a record carries inputs; after the file is written, each is computed as a
`FULL` refresh would compute it, inside the file's transaction. Invoices not in the file are never
touched by an import.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.services.refresh.diff import changes
from invoicegraph.services.refresh.service import check_storable, compute_refresh, read_invoice, save_invoice

FULL = ("FULL",)


async def compute_open_invoices(
    session: AsyncSession, platform_id: str, invoice_ids: list[str], previous: Mapping[tuple[str, str], Any] | None = None
) -> int:
    """Compute the given OPEN/DRAFT invoices of one platform with the refresh's own computation.

    Called once per platform after all rows of the file are written, inside the same transaction;
    an exception rolls the whole file back. No audit record: an import is not a refresh.
    `previous` holds the rows as they were before this file was written: an invoice whose computed
    result equals what was stored keeps its version and updated_at (a re-import changes nothing),
    and one that changed moves one version, however many steps the import took. Returns how many
    invoices the file rewrote only to end up exactly as they were.
    """
    restored = 0
    for invoice_id in sorted(set(invoice_ids)):
        row = await read_invoice(session, platform_id, invoice_id)
        if row is None or row.status not in ("OPEN", "DRAFT"):
            continue
        after = await compute_refresh(session, platform_id, invoice_row_to_dict(row), FULL)
        check_storable(after)  # InvalidOperation: the file is refused (service.py)
        found = (previous or {}).get((platform_id, invoice_id))
        if found is None:
            await save_invoice(session, platform_id, row, after, version=1, updated_at=row.updated_at)
            continue
        old = SimpleNamespace(**dict(found))  # a stored row mapping, read like a result row
        stored = invoice_row_to_dict(old)
        if changes(stored, after):
            await save_invoice(session, platform_id, row, after, version=old.version + 1, updated_at=row.updated_at)
        else:
            await save_invoice(session, platform_id, row, stored, version=old.version, updated_at=old.updated_at)
            restored += 1
    return restored
