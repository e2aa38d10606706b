"""Working refresh jobs in the background of every serving process (docs/drafts.md, "Bulk refresh").

A process claims a job (the oldest QUEUED one, or a RUNNING one whose lease has lapsed: its process
died) with `FOR UPDATE SKIP LOCKED` on PostgreSQL, under SQLite's single writer otherwise, and holds
it by a lease it renews after each batch of items. Items are read a batch at a time; **each invoice
is refreshed in its own transaction** by the service the refresh mutation calls, and the item's
outcome is written in that same transaction, after checking (row locked on PostgreSQL) that the item
is still pending. So a crash at any moment leaves every item either refreshed with its outcome, or
untouched and pending: the process that takes the job over never refreshes an invoice twice.

A coded failure (the invoice is FINAL, missing, locked too long…) is recorded with its code and
message; an unexpected exception as INTERNAL_ERROR with a generic message (the details go to the
log only). Neither stops the job. When no item is pending, the job is marked COMPLETED and its
`INVOICE_REFRESH_JOB.COMPLETED` event written to the outbox in that transaction.

A dry run computes each refresh as the preview does and records whether it would change the
invoice; it writes no invoice, no audit record and no event per invoice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.auth.permissions import INVOICE_REFRESH
from invoicegraph.auth.principal import Principal
from invoicegraph.db.all_platforms import all_platforms
from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.db.refresh_job_tables import RefreshJob, RefreshJobItem
from invoicegraph.db.tables import table_of
from invoicegraph.errors import ApiError
from invoicegraph.ids import new_id
from invoicegraph.services.refresh.service import RefreshCommand, preview, refresh
from invoicegraph.services.refresh_jobs.model import CHANGED, COMPLETED, FAILED, JOB_COMPLETED_EVENT, QUEUED, RUNNING, UNCHANGED
from invoicegraph.settings import Settings

_log = logging.getLogger("invoicegraph.refresh_jobs")

# Items read per statement; the lease is renewed after each batch.
BATCH = 100
INTERNAL_MESSAGE = "The invoice could not be refreshed because of an unexpected error."


@dataclass(frozen=True)
class Claimed:
    platform_id: str
    id: str
    types: tuple[str, ...]
    dry_run: bool
    actor: str
    request_id: str

    def principal(self) -> Principal:
        # The job acts for whoever created it: its audit records name that credential (or the auto-refresh).
        return Principal(
            credential_id=self.actor,
            credential_kind="API_KEY",
            platform_id=self.platform_id,
            permissions=frozenset({INVOICE_REFRESH}),
            request_id=self.request_id,
        )


@dataclass(frozen=True)
class RunnerSettings:
    owner: str  # this process's name in the leases
    lease: timedelta
    lock_timeout: float


def runner_settings(settings: Settings) -> RunnerSettings:
    """This process's runner settings; its name in the leases is its host, its pid and a random part."""
    owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
    return RunnerSettings(
        owner=owner, lease=timedelta(seconds=settings.refresh_job_lease_seconds), lock_timeout=settings.lock_timeout_seconds
    )


async def claim_job(database: Database, settings: RunnerSettings) -> Claimed | None:
    """Take the oldest job that is queued, or running under a lapsed lease; None when there is none."""
    now = datetime.now(UTC)
    job = RefreshJob
    claimable = or_(col(job.status) == QUEUED, and_(col(job.status) == RUNNING, col(job.lease_until) < now))
    # Looked for in a read first: an idle process must not take SQLite's write lock every few seconds.
    async with database.read() as session:
        if (await session.execute(all_platforms(select(col(job.id)).where(claimable).limit(1)))).first() is None:
            return None
    async with database.write() as unit:
        statement = all_platforms(select(job).where(claimable).order_by(col(job.created_at)).limit(1))
        if database.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        found = (await unit.execute(statement)).scalar_one_or_none()
        if found is None:
            return None
        if found.status == RUNNING:
            _log.info("taking over refresh job %s from %s (lease lapsed)", found.id, found.lease_owner)
        await unit.execute(
            update(table_of(job))
            .where(col(job.platform_id) == found.platform_id, col(job.id) == found.id)
            .values(
                status=RUNNING,
                started_at=found.started_at or now,
                lease_owner=settings.owner,
                lease_until=now + settings.lease,
            )
        )
        return Claimed(found.platform_id, found.id, tuple(found.types), found.dry_run, found.actor, found.request_id)


async def work_job(database: Database, settings: RunnerSettings, job: Claimed) -> bool:
    """Work `job` until no item is pending, then complete it; False when the lease was lost on the way."""
    while True:
        pending = await _pending(database, job)
        if not pending:
            return await _complete(database, settings, job)
        for position, invoice_id in pending:
            await _process(database, settings, job, position, invoice_id)
        if not await _renew(database, settings, job):
            _log.warning("lost the lease of refresh job %s; another process continues it", job.id)
            return False


async def run_once(database: Database, settings: RunnerSettings) -> bool:
    """Claim one job and work it to the end; False when there was nothing to do."""
    job = await claim_job(database, settings)
    if job is None:
        return False
    await work_job(database, settings, job)
    return True


async def _pending(database: Database, job: Claimed) -> list[tuple[int, str]]:
    item = RefreshJobItem
    async with database.read() as session:
        rows = await session.execute(
            select(col(item.position), col(item.invoice_id))
            .where(col(item.platform_id) == job.platform_id, col(item.job_id) == job.id, col(item.outcome).is_(None))
            .order_by(col(item.position))
            .limit(BATCH)
        )
        return [(row.position, row.invoice_id) for row in rows]


def _item_where(job: Claimed, position: int) -> Any:
    item = RefreshJobItem
    return and_(col(item.platform_id) == job.platform_id, col(item.job_id) == job.id, col(item.position) == position)


async def _still_pending(unit: AsyncSession, database: Database, job: Claimed, position: int) -> bool:
    """Whether the item is still pending, its row locked for this transaction on PostgreSQL."""
    statement = select(col(RefreshJobItem.outcome)).where(_item_where(job, position), col(RefreshJobItem.outcome).is_(None))
    if database.dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return (await unit.execute(statement)).first() is not None


async def _record(
    unit: AsyncSession, job: Claimed, position: int, outcome: str, code: str | None = None, message: str | None = None
) -> None:
    await unit.execute(
        update(table_of(RefreshJobItem))
        .where(_item_where(job, position))
        .values(outcome=outcome, error_code=code, error_message=None if message is None else message[:1000], finished_at=datetime.now(UTC))
    )


async def _process(database: Database, settings: RunnerSettings, job: Claimed, position: int, invoice_id: str) -> None:
    """One invoice: refreshed and its outcome written in one transaction, or its failure recorded."""
    command = RefreshCommand(invoice_id=invoice_id, types=job.types, lock_timeout=settings.lock_timeout, job_id=job.id)
    try:
        if job.dry_run:
            async with database.read() as session:
                would = await preview(session, job.principal(), command)
            async with database.write() as unit:
                if await _still_pending(unit, database, job, position):
                    await _record(unit, job, position, CHANGED if would.changed else UNCHANGED)
            return
        async with database.write() as unit:
            if not await _still_pending(unit, database, job, position):
                return  # another process did it (it took the job over while this one was slow)
            result = await refresh(unit, job.principal(), command)
            await _record(unit, job, position, CHANGED if result.changed else UNCHANGED)
    except ApiError as error:
        await _fail(database, job, position, error.code, error.message)
    except Exception:
        _log.exception("refresh job %s: invoice %s failed unexpectedly", job.id, invoice_id)
        await _fail(database, job, position, "INTERNAL_ERROR", INTERNAL_MESSAGE)


async def _fail(database: Database, job: Claimed, position: int, code: str, message: str) -> None:
    # The refresh's transaction was rolled back: nothing of it was written. The failure is its own write.
    async with database.write() as unit:
        if await _still_pending(unit, database, job, position):
            await _record(unit, job, position, FAILED, code, message)


async def _renew(database: Database, settings: RunnerSettings, job: Claimed) -> bool:
    async with database.write() as unit:
        renewed = await unit.execute(
            update(table_of(RefreshJob))
            .where(
                col(RefreshJob.platform_id) == job.platform_id,
                col(RefreshJob.id) == job.id,
                col(RefreshJob.status) == RUNNING,
                col(RefreshJob.lease_owner) == settings.owner,
            )
            .values(lease_until=datetime.now(UTC) + settings.lease)
        )
        return bool(getattr(renewed, "rowcount", 0))


async def _complete(database: Database, settings: RunnerSettings, job: Claimed) -> bool:
    """Mark the job COMPLETED and write its event, in one transaction (only once, whoever gets there)."""
    item = RefreshJobItem
    async with database.write() as unit:
        left = await unit.scalar(
            select(func.count())
            .select_from(item)
            .where(col(item.platform_id) == job.platform_id, col(item.job_id) == job.id, col(item.outcome).is_(None))
        )
        if left:
            return False
        now = datetime.now(UTC)
        done = await unit.execute(
            update(table_of(RefreshJob))
            .where(col(RefreshJob.platform_id) == job.platform_id, col(RefreshJob.id) == job.id, col(RefreshJob.status) == RUNNING)
            .values(status=COMPLETED, finished_at=now, lease_owner=None, lease_until=None)
        )
        if not getattr(done, "rowcount", 0):
            return False
        # The event names the job where an invoice event names its invoice: one event per job, version 1.
        await unit.execute(
            insert(table_of(OutboxEvent)).values(
                platform_id=job.platform_id,
                id=new_id("evnt"),
                event_type=JOB_COMPLETED_EVENT,
                invoice_id=job.id,
                version=1,
                changed_paths=[],
                changes=[],
                invoice=None,
                created_at=now,
            )
        )
    _log.info("refresh job %s completed", job.id)
    return True


class RefreshJobRunner:
    """The runner of one serving process: `start()` after startup, `stop()` at shutdown."""

    def __init__(self, database: Database, settings: RunnerSettings, *, idle_seconds: float) -> None:
        self.database = database
        self.settings = settings
        self.idle_seconds = idle_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="refresh-jobs")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                worked = await run_once(self.database, self.settings)
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception("the refresh job runner failed; it tries again in %.0f s", self.idle_seconds)
                worked = False
            if not worked:
                await asyncio.sleep(self.idle_seconds)
