"""Auto-refresh, opt-in per platform: a refresh job for its stale drafts every interval (docs/drafts.md).

A platform opts in with the import file's platform setting `auto_refresh_interval_minutes`. The
maintenance scheduler (services/maintenance.py) runs `auto_refresh` in one process at a time on
PostgreSQL (an advisory lock) and under SQLite's single writer; per platform, in one transaction,
it checks that the platform is due (no auto-refresh job of its own still queued or running, and the
last one created at least the interval ago), finds the platform's OPEN and DRAFT invoices whose
staleSources is not empty, exactly as the `stale` filter does, and creates a `FULL` refresh job for
them (FULL because any stale part makes FULL stale, and FULL brings every part up to date), with
`system:auto-refresh` as its actor. The job runs through the same machinery as any other.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_listing import InvoiceQuery
from invoicegraph.db.refresh_job_tables import RefreshJob
from invoicegraph.db.tables import Platform
from invoicegraph.errors import ApiError
from invoicegraph.ids import new_request_id
from invoicegraph.services.refresh.types import FULL
from invoicegraph.services.refresh_jobs.create import JobBounds, JobRequest, create_job
from invoicegraph.services.refresh_jobs.model import AUTO_REFRESH_ACTOR, COMPLETED
from invoicegraph.services.stale_scan import stale_invoice_ids

_log = logging.getLogger("invoicegraph.refresh_jobs")
SETTING = "auto_refresh_interval_minutes"


async def _opted_in(database: Database) -> list[tuple[str, int]]:
    async with database.read() as session:
        rows = await session.execute(select(col(Platform.id), col(Platform.settings)))
        return [(row.id, int(row.settings[SETTING])) for row in rows if (row.settings or {}).get(SETTING)]


async def _due(unit: AsyncSession, platform_id: str, interval: timedelta, now: datetime) -> bool:
    job = RefreshJob
    mine = (col(job.platform_id) == platform_id, col(job.actor) == AUTO_REFRESH_ACTOR)
    running = await unit.scalar(select(func.count()).select_from(job).where(*mine, col(job.status) != COMPLETED))
    if running:
        return False
    last = await unit.scalar(select(func.max(col(job.created_at))).where(*mine))
    if last is not None and not isinstance(last, datetime):
        last = datetime.fromisoformat(str(last))
    return last is None or last <= now - interval


async def auto_refresh(database: Database, bounds: JobBounds) -> str | None:
    """Create the jobs of the platforms that are due; what it did, for the log (None: nothing)."""
    created: list[str] = []
    for platform_id, minutes in await _opted_in(database):
        try:
            async with database.write() as unit:
                now = datetime.now(UTC)
                if not await _due(unit, platform_id, timedelta(minutes=minutes), now):
                    continue
                stale = await stale_invoice_ids(unit, platform_id, InvoiceQuery(statuses=("DRAFT", "OPEN"), stale=True))
                if not stale:
                    continue
                request = JobRequest(types=(FULL,), dry_run=False, ids=tuple(sorted(stale)[: bounds.max_invoices]))
                job_id = await create_job(unit, platform_id, AUTO_REFRESH_ACTOR, new_request_id(), request, bounds)
                created.append(f"{platform_id}: {job_id} ({len(request.ids or ())} invoices)")
        except ApiError as error:  # the platform is at its jobs-in-flight bound: next turn
            _log.info("auto-refresh of %s skipped this turn: %s", platform_id, error.message)
    return f"auto-refresh jobs created: {', '.join(created)}" if created else None
