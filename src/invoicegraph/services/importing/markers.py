"""Change markers for `Invoice.staleSources` (docs/drafts.md): when an import's record changes became visible.

The import writes `updated_at` as its start, in whole seconds. A draft refreshed later in that same
second would then look as if it had read the change already. Before the open invoices are computed,
the rows this import wrote get the time their writes ended instead: a later refresh read them, an
earlier one did not. (A refresh reading between this moment and the commit is the one it cannot tell
apart; on SQLite the import's write lock keeps refreshes out of that window.)
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.db import tables
from invoicegraph.db.stale_reads import MARKED_TABLES
from invoicegraph.services.importing.upsert import Tally

# The records a refresh copies from exactly (services/staleness.py) need no marker, but one does no harm.
_MARKED: tuple[type[tables.TenantRecord], ...] = (*MARKED_TABLES, tables.Customer)


async def mark_written(session: AsyncSession, tally: Tally, started: datetime, platform_ids: Collection[str]) -> None:
    """Rows of `platform_ids` this import wrote (their `updated_at` is `started`) get the time the writes ended."""
    written_at = datetime.now(UTC)
    for table in _MARKED:
        counts = tally.tables.get(str(table.__tablename__))
        if counts is None or not (counts.inserted or counts.updated) or not platform_ids:
            continue
        await session.execute(
            update(table)
            .where(col(table.platform_id).in_(sorted(platform_ids)), col(table.updated_at) == started)
            .values(updated_at=written_at)
        )
