"""A bulk refresh job survives a SIGKILL of the real server working it, on SQLite and on PostgreSQL.

Given 1,000 invoices (997 drafts whose customer moved, 2 FINAL, 1 missing id) and a webhook endpoint for
job completions, when a real `invoicegraph serve` has refreshed part of the job and is killed with
SIGKILL, then restarted, then the restarted process takes the job over once the dead one's lease
lapses, the job completes with exactly the 3 failures, every draft was refreshed exactly once (one
audit record and one INVOICE.UPDATED event each), and the completion event reaches the receiver.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.db.refresh_job_tables import RefreshJobItem
from invoicegraph.db.tables import RefreshRecord
from invoicegraph.services.events.endpoints import create_endpoint
from invoicegraph.services.events.signing_secrets import SecretBox
from invoicegraph.services.events.targets import TargetPolicy
from invoicegraph.services.refresh_jobs.model import JOB_COMPLETED_EVENT
from invoicegraph.settings import Settings
from tests.e2e.conftest import _free_loopback_port, _server_env, _stop
from tests.e2e.test_two_servers import _wait_healthy
from tests.integration.services.refresh_jobs.conftest import clone, finalize
from tests.support.data import EXAMPLE_KEY, example, load, record
from tests.support.postgres import PostgresCluster
from tests.support.receiver import Receiver

pytestmark = pytest.mark.e2e

HEADERS = {"X-API-KEY": EXAMPLE_KEY}
QUICK = {
    "INVOICEGRAPH_LOG_LEVEL": "WARNING",
    "INVOICEGRAPH_REFRESH_JOB_LEASE_SECONDS": "2",
    "INVOICEGRAPH_REFRESH_JOB_IDLE_SECONDS": "0.2",
    "INVOICEGRAPH_EVENT_POLL_INTERVAL_SECONDS": "0.2",
}


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "jobs.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    postgres: PostgresCluster = request.getfixturevalue("postgres")
    name = "refresh_job_crash"
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE template_invoicegraph")
    yield postgres.url(name)
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _serve(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_loopback_port()
    command = [str(Path(sys.executable).with_name("invoicegraph")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env={**_server_env(url), **QUICK}, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    _wait_healthy(process, base_url, log)
    return process, base_url


async def _done(database: Database, job_id: str) -> int:
    async with database.read() as session:
        counted = await session.scalar(
            select(func.count())
            .select_from(RefreshJobItem)
            .where(
                col(RefreshJobItem.platform_id) == "plat_acme",
                col(RefreshJobItem.job_id) == job_id,
                col(RefreshJobItem.outcome).is_not(None),
            )
        )
    return int(counted or 0)


async def _written(database: Database) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    async with database.read() as session:
        audits = await session.execute(select(col(RefreshRecord.invoice_id)).where(col(RefreshRecord.platform_id) == "plat_acme"))
        events = await session.execute(
            select(col(OutboxEvent.invoice_id), col(OutboxEvent.event_type)).where(col(OutboxEvent.platform_id) == "plat_acme")
        )
        return Counter(row.invoice_id for row in audits), Counter((row.invoice_id, row.event_type) for row in events)


async def test_a_job_survives_a_sigkill_of_its_server(database_url: str, tmp_path: Path, receiver: Receiver) -> None:
    database = Database(database_url)
    try:
        data = example()
        await load(database, tmp_path, data)
        drafts = await clone(database, 999)
        final = drafts[-2:]
        await finalize(database, final)
        record(data, "customers", "cust_globex")["email"] = "accounts@globex.example"
        await load(database, tmp_path, {**data, "invoices": []}, "moved.json")
        settings = Settings(database_url=database_url)
        made = await create_endpoint(
            database,
            platform_id="plat_acme",
            url=receiver.url,
            event_types=[JOB_COMPLETED_EVENT],
            box=SecretBox.from_settings(settings),
            policy=TargetPolicy.from_settings(settings),
        )
        receiver.secret = made.secret

        log = tmp_path / "server.log"
        process, base_url = _serve(database_url, log)
        try:
            created = httpx.post(
                f"{base_url}/v1/invoices/refresh", json={"ids": [*drafts, "invo_missing"], "types": ["CUSTOMER"]}, headers=HEADERS
            )
            assert created.status_code == 202, created.text
            job: dict[str, Any] = created.json()
            while await _done(database, job["id"]) < 150:  # midway: part of the job is done
                assert process.poll() is None, log.read_text()
                await asyncio.sleep(0.05)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            killed_at = await _done(database, job["id"])
            assert 150 <= killed_at < 1000

            process, base_url = _serve(database_url, log)
            async with httpx.AsyncClient(base_url=base_url, headers=HEADERS, timeout=30) as client:
                while (followed := (await client.get(f"/v1/invoices/refresh/{job['id']}")).json())["status"] != "COMPLETED":
                    assert process.poll() is None, log.read_text()
                    await asyncio.sleep(0.2)
            arrived = await asyncio.to_thread(receiver.wait_for, 1)
        finally:
            _stop(process)
        audits, events = await _written(database)
    finally:
        await database.dispose()

    assert followed["counts"] == {"total": 1000, "pending": 0, "changed": 997, "unchanged": 0, "failed": 3}
    assert [(f["invoice_id"], f["code"]) for f in followed["failures"]] == [
        (final[0], "INVALID_OPERATION"),
        (final[1], "INVALID_OPERATION"),
        ("invo_missing", "RESOURCE_NOT_FOUND"),
    ]
    refreshed = set(drafts) - set(final)
    assert audits == Counter(dict.fromkeys(refreshed, 1))  # none twice, none lost, across the kill
    assert events == Counter({**{(i, "INVOICE.UPDATED"): 1 for i in refreshed}, (job["id"], JOB_COMPLETED_EVENT): 1})
    assert [r.event["type"] for r in arrived] == [JOB_COMPLETED_EVENT]
    assert arrived[0].verified
    assert arrived[0].event["data"]["refresh_job"]["id"] == job["id"]
    assert arrived[0].event["data"]["refresh_job"]["counts"]["failed"] == 3
