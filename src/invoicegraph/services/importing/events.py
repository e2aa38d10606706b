"""Usage events: validated and written in batches with one multi-row
INSERT … ON CONFLICT (platform_id, reference) DO NOTHING, so a duplicate (in the file or already
stored) is skipped by the database and counted, and memory holds one batch at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.db import tables
from invoicegraph.records.rates import UsageEventRecord

# 7 bound parameters per row: 4,000 rows stay under the 32,766-parameter limit of SQLite and asyncpg.
BATCH_SIZE = 4000


@dataclass
class EventCounts:
    inserted: int = 0
    duplicates: int = 0


def event_row(event: UsageEventRecord) -> dict[str, Any]:
    return {
        "platform_id": event.platform_id,
        "reference": event.reference,
        "customer_id": event.customer_id,
        "meter_value_id": event.meter_value_id,
        "timestamp": event.timestamp,
        "value": Decimal(event.value),
        "properties": event.properties,
    }


async def write_events(session: AsyncSession, rows: list[dict[str, Any]], counts: EventCounts) -> None:
    if not rows:
        return
    table: Any = tables.UsageEvent.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # An executemany with RETURNING: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues")
    # compiled once, and the returned references count the rows actually inserted on both backends.
    received_at = datetime.now(UTC)  # late usage marks the drafts it lands on as stale (docs/drafts.md)
    rows = [{**row, "received_at": received_at} for row in rows]
    statement = module.insert(table).on_conflict_do_nothing(index_elements=["platform_id", "reference"]).returning(table.c.reference)
    result: Any = await session.execute(statement, rows)
    inserted = len(result.all())
    counts.inserted += inserted
    counts.duplicates += len(rows) - inserted
