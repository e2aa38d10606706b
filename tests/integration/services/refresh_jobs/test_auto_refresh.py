"""Auto-refresh: a platform that opts in gets a FULL refresh job for its stale drafts, once per interval.

Run through the real scheduler (services/maintenance.py: on PostgreSQL under its advisory lock) and
worked by the runner; the audit names `system:auto-refresh`. A platform that did not opt in is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.refresh_job_tables import RefreshJob
from invoicegraph.db.tables import RefreshRecord
from invoicegraph.services.maintenance import Maintenance, periodic_jobs
from invoicegraph.settings import Settings
from tests.integration.services.refresh_jobs.conftest import drain, load_other, other_platform
from tests.support.api import Api
from tests.support.data import INVOICE_ID, example, load, record

STALE = "query($id: ID!) { invoice(id: $id) { staleSources } }"
HISTORY = "query($id: ID!) { invoice(id: $id) { refreshHistory(first: 5) { edges { node { credentialId jobId } } } } }"


async def _turn(database: Database, settings: Settings) -> None:
    maintenance = Maintenance(database, periodic_jobs(settings))
    job = next(job for job in maintenance.jobs if job.name == "auto-refresh")
    assert await maintenance.run_once(job)


async def _jobs(database: Database) -> list[Any]:
    async with database.read() as session:
        return list(
            (await session.execute(select(RefreshJob).where(col(RefreshJob.platform_id).in_(["plat_acme", "plat_other"])))).scalars()
        )


async def test_a_stale_draft_is_refreshed_by_the_platforms_auto_refresh(
    database: Database, settings: Settings, tmp_path: Path, api: Api
) -> None:
    data = example()
    data["platforms"][0]["settings"]["auto_refresh_interval_minutes"] = 60
    await load(database, tmp_path, data)
    await load_other(database, tmp_path)
    await _turn(database, settings)
    assert await _jobs(database) == []  # nothing stale yet: no job

    # The customer moves on, on both platforms: the drafts are stale.
    record(data, "customers", "cust_globex")["email"] = "accounts@globex.example"
    await load(database, tmp_path, {**data, "invoices": []}, "moved.json")
    other = other_platform()
    record(other, "customers", "cust_globex")["email"] = "accounts@globex.example"
    await load(database, tmp_path, {**other, "invoices": []}, "other-moved.json")
    assert (await api.graphql(STALE, {"id": INVOICE_ID}))["data"]["invoice"]["staleSources"] == ["FULL", "CUSTOMER"]

    await _turn(database, settings)
    await _turn(database, settings)  # one job in flight per platform: the second turn adds none
    jobs = await _jobs(database)
    assert [(j.platform_id, j.actor, j.types, j.status) for j in jobs] == [("plat_acme", "system:auto-refresh", ["FULL"], "QUEUED")]

    assert await drain(database) == 1
    assert (await api.graphql(STALE, {"id": INVOICE_ID}))["data"]["invoice"]["staleSources"] == []
    async with database.read() as session:
        audits = (
            await session.execute(
                select(col(RefreshRecord.credential_id), col(RefreshRecord.job_id)).where(
                    col(RefreshRecord.platform_id) == "plat_acme", col(RefreshRecord.invoice_id) == INVOICE_ID
                )
            )
        ).all()
    assert [(a.credential_id, a.job_id) for a in audits] == [("system:auto-refresh", jobs[0].id)]
    history = await api.graphql(HISTORY, {"id": INVOICE_ID})
    assert history["data"]["invoice"]["refreshHistory"]["edges"] == [{"node": {"credentialId": "system:auto-refresh", "jobId": jobs[0].id}}]

    # Stale again within the interval: the next job waits for the next interval.
    record(data, "customers", "cust_globex")["email"] = "billing@globex.example"
    await load(database, tmp_path, {**data, "invoices": []}, "moved-again.json")
    await _turn(database, settings)
    assert len(await _jobs(database)) == 1
