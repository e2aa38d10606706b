"""The maintenance scheduler (services/maintenance.py): jobs run while the app serves, one process at a time."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import IdempotencyRecord
from invoicegraph.services.maintenance import Maintenance, PeriodicJob, periodic_jobs
from invoicegraph.settings import Settings
from tests.support.seed import add_platforms

WAIT_SECONDS = 30.0  # a bound on waiting for what the job does, not a measure of it


@pytest.fixture
def collector_restored() -> Iterator[None]:
    # The app's lifespan tunes the collector for serving (app.py); the test process gets its own back.
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def _records(database: Database) -> int:
    async with database.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(IdempotencyRecord).where(col(IdempotencyRecord.platform_id) == "plat_a")
        )
    return int(count or 0)


@pytest.mark.usefixtures("collector_restored")
async def test_the_app_purges_expired_idempotency_records_while_it_serves(settings: Settings, database: Database) -> None:
    await add_platforms(database, "plat_a")
    async with database.write() as session:
        session.add(
            IdempotencyRecord(
                platform_id="plat_a", credential_id="api_key:akey_a", key="old", request_hash="h", state="DONE",
                response_status=200, response_body="{}", response_headers={"content-type": "application/json"},
                created_at=datetime.now(UTC) - timedelta(hours=49),
            )
        )  # fmt: skip
    app = create_app(settings.model_copy(update={"maintenance_interval_seconds": 0.05}), database)

    async with app.router.lifespan_context(app):
        async with asyncio.timeout(WAIT_SECONDS):
            while await _records(database):
                await asyncio.sleep(0.05)


async def test_a_job_runs_in_one_process_at_a_time_on_postgresql(settings: Settings, database: Database, backend: str) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    runs: list[str] = []

    async def slow(_database: Database) -> object:
        runs.append("slow")
        started.set()
        await release.wait()
        return "done"

    async def quick(_database: Database) -> object:
        runs.append("quick")
        return "done"

    other_process = Database.from_settings(settings)  # another process's engine on the same database
    try:
        first = asyncio.create_task(Maintenance(database, []).run_once(PeriodicJob("job", 60, slow)))
        await started.wait()
        ran_beside = await Maintenance(other_process, []).run_once(PeriodicJob("job", 60, quick))
        release.set()
        assert await first
        ran_after = await Maintenance(other_process, []).run_once(PeriodicJob("job", 60, quick))
    finally:
        await other_process.dispose()

    # PostgreSQL: the second process skips its turn while the first holds the job's lock. SQLite (one
    # node) has no such lock and runs both: a purge twice is harmless there.
    assert ran_beside is (backend == "sqlite")
    assert ran_after
    assert runs == (["slow", "quick", "quick"] if backend == "sqlite" else ["slow", "quick"])


def test_the_idempotency_purge_is_a_periodic_job() -> None:
    jobs = periodic_jobs(Settings(maintenance_interval_seconds=120.0))
    assert [(job.name, job.every, job.everywhere) for job in jobs] == [
        ("idempotency-purge", 120.0, False),
        ("memory-return", 30.0, True),
        ("event-purge", 3600.0, False),
        ("auto-refresh", 60.0, False),
    ]


async def test_memory_is_handed_back_only_while_the_process_serves_nothing(database: Database) -> None:
    # A full collection holds the event loop: never while a request runs (the idle test is the limits' count).
    full: list[str] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            full.append(phase)

    gc.callbacks.append(watch)
    try:
        jobs = periodic_jobs(Settings(), idle=lambda: False)
        assert await jobs[1].run(database) is None
        assert full == []
        await periodic_jobs(Settings(), idle=lambda: True)[1].run(database)
        assert full == ["start", "stop"]
    finally:
        gc.callbacks.remove(watch)
