"""Periodic maintenance jobs of a serving process (purges), started and stopped with the app.

`periodic_jobs(settings)` lists the jobs; each runs every `every` seconds in a task of its own, the
first time after a random part of its interval (so that the processes of a deployment do not all start
together). A job that fails is logged and tried again at its next turn; nothing it does is part of a
request.

Several processes (workers, servers) each run the scheduler. A job about the process itself (handing
memory back after a burst, memory.py) runs in each; one about the database runs in one at a time. On
PostgreSQL such a job runs under a
transaction-level advisory lock named after it, taken with `pg_try_advisory_xact_lock`: the process
that gets it runs the job, the others skip that turn, and the lock goes with the transaction (commit,
rollback or a dead connection), so a crashed process never leaves it held. On SQLite (one node) there
is no such lock: two workers may run a purge at the same time, which is harmless (the deletes are
idempotent and SQLite serializes writers).

The jobs: the idempotency-record purge, the delivered-event retention purge (services/events/retention.py),
the opt-in auto-refresh of stale drafts (services/refresh_jobs/auto.py), and handing memory back. To add a job, append it to `periodic_jobs`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text

from invoicegraph.db.engine import Database
from invoicegraph.memory import return_memory
from invoicegraph.services import idempotency
from invoicegraph.services.events.retention import purge_events
from invoicegraph.services.refresh_jobs.auto import auto_refresh
from invoicegraph.services.refresh_jobs.create import JobBounds
from invoicegraph.settings import Settings

_log = logging.getLogger("invoicegraph.maintenance")


# How often an idle process hands memory back after a burst (memory.py).
MEMORY_RETURN_SECONDS = 30.0
# How often delivered events past INVOICEGRAPH_EVENT_RETENTION_DAYS are purged.
EVENT_PURGE_SECONDS = 3600.0


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: float  # seconds between two turns
    run: Callable[[Database], Awaitable[object]]  # returns what it did (logged when there is something)
    # A job about the database runs in one process at a time; one about the process itself in each.
    everywhere: bool = False


def periodic_jobs(settings: Settings, *, idle: Callable[[], bool] = lambda: True) -> list[PeriodicJob]:
    """Every job a serving process runs. `idle`: whether the process serves no request right now."""
    retention = settings.idempotency_retention
    keep = settings.idempotency_max_records_per_credential

    async def purge_idempotency_records(database: Database) -> object:
        return await idempotency.purge(database, retention=retention, keep=keep)

    event_retention = timedelta(days=settings.event_retention_days)

    async def purge_delivered_events(database: Database) -> object:
        purged = await purge_events(database, event_retention)
        return f"purged {purged} delivered events older than {settings.event_retention_days} days" if purged else None

    bounds = JobBounds(max_invoices=settings.refresh_job_max_invoices, in_flight=settings.refresh_jobs_in_flight)

    async def refresh_stale_drafts(database: Database) -> object:
        return await auto_refresh(database, bounds)

    async def hand_memory_back(_database: Database) -> object:
        # Only while idle: a full collection holds the event loop for as long as it walks the heap.
        return "memory handed back" if idle() and return_memory() else None

    return [
        PeriodicJob("idempotency-purge", settings.maintenance_interval_seconds, purge_idempotency_records),
        PeriodicJob("memory-return", MEMORY_RETURN_SECONDS, hand_memory_back, everywhere=True),
        PeriodicJob("event-purge", EVENT_PURGE_SECONDS, purge_delivered_events),
        PeriodicJob("auto-refresh", settings.auto_refresh_check_seconds, refresh_stale_drafts),
    ]


def _report(job: PeriodicJob, outcome: object) -> None:
    if outcome:
        _log.info("%s: %s", job.name, outcome)


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"invoicegraph maintenance\0{name}".encode()).digest()[:8], "big", signed=True)


class Maintenance:
    """The scheduler of one process: `start()` after startup, `stop()` at shutdown."""

    def __init__(self, database: Database, jobs: list[PeriodicJob]) -> None:
        self.database = database
        self.jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=f"maintenance:{job.name}") for job in self.jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def run_once(self, job: PeriodicJob) -> bool:
        """Run `job` now, unless another process is running it (PostgreSQL); True when it ran here."""
        if job.everywhere or self.database.dialect != "postgresql":
            _report(job, await job.run(self.database))
            return True
        async with self.database.engine.connect() as connection:
            got = await connection.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _lock_id(job.name)})
            if not got:
                return False
            # The lock is this connection's transaction's: held while the job runs on connections of its own.
            _report(job, await job.run(self.database))
            await connection.commit()
        return True

    async def _loop(self, job: PeriodicJob) -> None:
        await asyncio.sleep(random.uniform(0, job.every))  # noqa: S311  (spreading start times, not a secret)
        while True:
            try:
                await self.run_once(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception("%s failed; it runs again in %.0f s", job.name, job.every)
            await asyncio.sleep(job.every)
