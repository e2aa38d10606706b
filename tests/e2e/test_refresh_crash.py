"""A server killed during a refresh leaves the previous invoice intact and no trace of the lost call.

A real `invoicegraph serve` on PostgreSQL; the test holds the invoice's row lock so the refresh is
caught inside its transaction, kills the server with SIGKILL, then checks the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.e2e.conftest import _free_loopback_port, _server_env
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.e2e


async def _wait_until_waiting_on_lock(dsn: str, deadline: float) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        while time.monotonic() < deadline:
            waiting = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'invoicegraph' AND wait_event_type = 'Lock'"
            )
            if waiting:
                return
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    raise AssertionError("the refresh never reached the row lock")


async def _count(connection: asyncpg.Connection, table: str) -> int:
    return int(await connection.fetchval(f"SELECT count(*) FROM {table} WHERE platform_id = 'plat_acme'"))  # noqa: S608


async def test_killed_server_during_refresh_loses_nothing(postgres: PostgresCluster, tmp_path: Path) -> None:
    name = "crash_test"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE template_invoicegraph")
    url, dsn = postgres.url(name), postgres.dsn(name)
    data = example()
    database = Database(url)
    try:
        await load(database, tmp_path, data, "example.json")
        late = {**data["usage_events"][0], "reference": "evt-late", "value": "100"}
        await load(database, tmp_path, {"format": data["format"], "usage_events": [late]}, "late.json")
    finally:
        await database.dispose()

    port = _free_loopback_port()
    env = {**_server_env(url), "INVOICEGRAPH_LOCK_TIMEOUT_SECONDS": "60"}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("invoicegraph")), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    holder = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        version = await holder.fetchval("SELECT version FROM invoice WHERE platform_id = 'plat_acme' AND id = $1", INVOICE_ID)
        lock = holder.transaction()
        await lock.start()
        await holder.execute("SELECT 1 FROM invoice WHERE platform_id = 'plat_acme' AND id = $1 FOR UPDATE", INVOICE_ID)

        def call() -> None:
            # The server dies mid-request: a transport error is the point.
            with contextlib.suppress(httpx.TransportError):
                httpx.post(
                    f"http://127.0.0.1:{port}/v1/invoices/{INVOICE_ID}/refresh",
                    headers={"X-API-KEY": EXAMPLE_KEY, "Idempotency-Key": "lost-call"},
                    timeout=30,
                )

        caller = threading.Thread(target=call)
        caller.start()
        await _wait_until_waiting_on_lock(dsn, time.monotonic() + 20)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        await lock.rollback()
        caller.join(timeout=30)

        assert await holder.fetchval("SELECT version FROM invoice WHERE platform_id = 'plat_acme' AND id = $1", INVOICE_ID) == version
        assert await _count(holder, "refresh_record") == 0
        assert await _count(holder, "idempotency_record") == 0
        assert await _count(holder, "outbox_event") == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        log.close()
        await holder.close()
        postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
