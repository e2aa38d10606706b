"""Every round trip to PostgreSQL is bounded (db/bounds.py): a stalled or slow database answers a coded,
retryable error within a stated bound, never a hang, and the same app serves again once it is back.

The stall is a real one: every process of a PostgreSQL cluster of the test's own is stopped with SIGSTOP,
so its sockets stay open and nothing answers (the session's shared cluster is never frozen). The bounds
are asserted with generous slack: they tell a bounded answer from a hang (before: no answer in 40 s),
they do not measure speed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.postgres import PostgresCluster

CONNECT_TIMEOUT = 2.0
STATEMENT_TIMEOUT = 3.0
SLACK = 4.0
KEY = {"X-API-KEY": EXAMPLE_KEY}
LIST = {"query": "{ invoices(first: 1) { edges { cursor } } }"}
REFRESH = {"query": "mutation($id: ID!) { refreshInvoice(id: $id) { id } }", "variables": {"id": INVOICE_ID}}

pytestmark = pytest.mark.postgres


async def _app(settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    database = Database.from_settings(settings)
    await load(database, tmp_path, example())
    app = create_app(settings, database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
    await database.dispose()


@pytest.fixture
async def stalling(own_cluster: PostgresCluster, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=own_cluster.url("app"),
        database_connect_timeout_seconds=CONNECT_TIMEOUT,
        database_statement_timeout_seconds=STATEMENT_TIMEOUT,
        lock_timeout_seconds=60,  # the lock waits below are ended by the stall's bound, not by this
    )
    async for client in _app(settings, tmp_path):
        yield client


async def _timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await asyncio.wait_for(call, 60)  # a hang fails the test here instead of hanging it
    return response, time.monotonic() - started


def _retryable(response: httpx.Response) -> None:
    assert response.headers["retry-after"] == "1", response.text
    body = response.json()
    error = body["errors"][0]["extensions"] if "errors" in body else body
    assert error["code"] == "INTERNAL_ERROR"
    assert body.get("data") is None
    if "errors" in body:
        assert error["retryable"] is True


async def test_a_stalled_database_answers_within_the_connect_timeout_and_readiness_fails_fast(
    own_cluster: PostgresCluster, stalling: httpx.AsyncClient
) -> None:
    # Several pooled connections, each of which would be pinged (before: without a timeout).
    assert all(r.status_code == 200 for r in await asyncio.gather(*(stalling.post("/graphql", json=LIST, headers=KEY) for _ in range(6))))

    own_cluster.freeze()
    try:
        for call in (
            lambda: stalling.post("/graphql", json=LIST, headers=KEY),
            lambda: stalling.get(f"/v1/invoices/{INVOICE_ID}", headers=KEY),
            lambda: stalling.post("/graphql", json=REFRESH, headers=KEY),
        ):
            response, seconds = await _timed(call())
            assert response.status_code == 503
            _retryable(response)
            assert seconds < CONNECT_TIMEOUT + SLACK
        ready, seconds = await _timed(stalling.get("/readyz"))
        assert (ready.status_code, ready.json()["database"]) == (503, "unreachable")
        assert seconds < CONNECT_TIMEOUT + SLACK
    finally:
        own_cluster.thaw()

    assert (await stalling.get("/readyz")).status_code == 200
    assert (await stalling.post("/graphql", json=LIST, headers=KEY)).json()["data"]["invoices"]["edges"]


async def test_a_database_that_stalls_mid_statement_is_bounded_too(own_cluster: PostgresCluster, stalling: httpx.AsyncClient) -> None:
    # The refresh waits for the invoice's row lock, held by another session; then the server stops.
    holder = await asyncpg.connect(own_cluster.dsn("app"))
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT 1 FROM invoice WHERE platform_id = 'plat_acme' AND id = $1 FOR UPDATE", INVOICE_ID)
        refresh = asyncio.ensure_future(_timed(stalling.post("/graphql", json=REFRESH, headers=KEY)))
        async with asyncio.timeout(30):
            while own_cluster.query("SELECT count(*) FROM pg_locks WHERE NOT granted") == "0":
                await asyncio.sleep(0.05)  # the refresh's statement is now in flight, waiting for the lock
        own_cluster.freeze()
        try:
            response, seconds = await refresh
        finally:
            own_cluster.thaw()
    finally:
        holder.terminate()

    _retryable(response)
    # The mutation got no data: the outage is the answer (503), and nothing was written.
    assert response.status_code == 503
    assert "data" not in response.json()
    assert seconds < STATEMENT_TIMEOUT + CONNECT_TIMEOUT + SLACK


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_statement_longer_than_the_statement_timeout_is_cancelled_with_a_retryable_error(
    settings: Settings, tmp_path: Path, database_url: str
) -> None:
    quick = settings.model_copy(update={"database_statement_timeout_seconds": 0.5})
    async for client in _app(quick, tmp_path):
        blocker = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE invoice IN ACCESS EXCLUSIVE MODE")  # every read of invoices waits
            graphql = await client.post("/graphql", json=LIST, headers=KEY)
            rest = await client.get("/v1/invoices?limit=1", headers=KEY)
        finally:
            blocker.terminate()
        _retryable(graphql)
        assert rest.status_code == 503
        _retryable(rest)
        assert (await client.post("/graphql", json=LIST, headers=KEY)).json()["data"]["invoices"]["edges"]
