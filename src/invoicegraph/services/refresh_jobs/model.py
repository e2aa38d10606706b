"""A refresh job as the API shows it: its row, its counts and its failures, read in three statements.

The counts are read from the items, never kept on the job row: the item of an invoice is written in
the transaction that refreshed it, so the counts and the invoices always agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.billing.instants import format_instant
from invoicegraph.db.refresh_job_tables import RefreshJob, RefreshJobItem
from invoicegraph.rows import Row

QUEUED, RUNNING, COMPLETED = "QUEUED", "RUNNING", "COMPLETED"
CHANGED, UNCHANGED, FAILED = "CHANGED", "UNCHANGED", "FAILED"
JOB_COMPLETED_EVENT = "INVOICE_REFRESH_JOB.COMPLETED"
# The actor of the jobs the platform's auto-refresh creates (docs/drafts.md).
AUTO_REFRESH_ACTOR = "system:auto-refresh"
# How many failures a job's answer lists at most (the counts say how many there are).
MAX_LISTED_FAILURES = 1000


def _instant(value: datetime | None) -> str | None:
    return None if value is None else format_instant(value)


async def read_job(session: AsyncSession, platform_id: str, job_id: str) -> Row | None:
    """The job as the API shows it (snake_case, as every row); None when the platform has no such job."""
    job = (
        await session.execute(select(RefreshJob).where(col(RefreshJob.platform_id) == platform_id, col(RefreshJob.id) == job_id))
    ).scalar_one_or_none()
    if job is None:
        return None
    item = RefreshJobItem
    counted = await session.execute(
        select(col(item.outcome), func.count())
        .where(col(item.platform_id) == platform_id, col(item.job_id) == job_id)
        .group_by(col(item.outcome))
    )
    counts = {outcome: int(number) for outcome, number in counted.all()}
    failures = await session.execute(
        select(col(item.invoice_id), col(item.error_code), col(item.error_message))
        .where(col(item.platform_id) == platform_id, col(item.job_id) == job_id, col(item.outcome) == FAILED)
        .order_by(col(item.position))
        .limit(MAX_LISTED_FAILURES)
    )
    return {
        "id": job.id,
        "status": job.status,
        "types": list(job.types),
        "dry_run": job.dry_run,
        "actor": job.actor,
        "created_at": _instant(job.created_at),
        "started_at": _instant(job.started_at),
        "finished_at": _instant(job.finished_at),
        "counts": {
            "total": sum(counts.values()),
            "pending": counts.get(None, 0),
            "changed": counts.get(CHANGED, 0),
            "unchanged": counts.get(UNCHANGED, 0),
            "failed": counts.get(FAILED, 0),
        },
        "failures": [{"invoice_id": row.invoice_id, "code": row.error_code, "message": row.error_message} for row in failures],
    }
