"""What a refresh writes, counted: tests that must show 'nothing was written' compare these."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import Invoice, RefreshRecord
from tests.support.data import INVOICE_ID


async def refresh_writes(database: Database, invoice_id: str = INVOICE_ID) -> tuple[int, int]:
    """(audit records, the invoice's version): both unchanged means no refresh was written."""
    async with database.read() as session:
        records = await session.scalar(select(func.count()).select_from(RefreshRecord))
        version = await session.scalar(select(col(Invoice.version)).where(col(Invoice.id) == invoice_id))
    return int(records or 0), int(version or 0)
