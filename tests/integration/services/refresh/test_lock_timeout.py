"""A refresh that cannot get the invoice's lock in time (docs/refresh.md): retryable, and nothing written.

Another transaction holds the invoice (PostgreSQL: `SELECT … FOR UPDATE`; SQLite: a write transaction,
whose lock wait is the connection's busy timeout, 5 s). The REST route answers 503 `INTERNAL_ERROR`
with `Retry-After`; the mutation answers the same code in `errors[]` with `retryable` and `retryAfter`.
A read meanwhile succeeds, also with a key used for the first time: noting its use is a write that
may fail under the lock, and must not fail the read (it once answered 503 on SQLite).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.seed import add_key
from tests.support.writes import refresh_writes

KEY = {"X-API-KEY": EXAMPLE_KEY}
MUTATION = f'mutation {{ refreshInvoice(id: "{INVOICE_ID}", types: [PO_NUMBER]) {{ id version }} }}'


async def test_a_lock_wait_past_the_timeout_is_retryable_and_writes_nothing(settings: Settings, database: Database, tmp_path: Any) -> None:
    await load(database, tmp_path, example(), "example.json")
    app = create_app(settings.model_copy(update={"lock_timeout_seconds": 0.5}), database)
    before = await refresh_writes(database)
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with database.write() as session:
            if database.engine.dialect.name == "postgresql":
                await session.execute(text("SELECT id FROM invoice WHERE id = :id FOR UPDATE"), {"id": INVOICE_ID})
            else:  # the write transaction (BEGIN IMMEDIATE) holds the database's write lock
                await session.execute(text("UPDATE invoice SET version = version WHERE id = :id"), {"id": INVOICE_ID})
            holding.set()
            await release.wait()

    fresh = await add_key(database, ["plat_acme"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=KEY) as client:
        assert (await client.get(f"/v1/invoices/{INVOICE_ID}")).status_code == 200  # the key's first use is noted now
        holder = asyncio.create_task(hold())
        await holding.wait()
        try:
            rest, graphql, read = await asyncio.gather(
                client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={"types": ["PO_NUMBER"]}),
                client.post("/graphql", json={"query": MUTATION}),
                client.get(f"/v1/invoices/{INVOICE_ID}", headers={"X-API-KEY": fresh.key}),
            )
        finally:
            release.set()
            await holder
    assert read.status_code == 200, read.text
    assert rest.status_code == 503, rest.text
    assert rest.headers["Retry-After"] == "1"
    assert (rest.json()["code"], rest.json()["type"]) == ("INTERNAL_ERROR", "API_ERROR")
    body = graphql.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert (error["extensions"]["retryable"], error["extensions"]["retryAfter"]) == (True, 1)
    assert await refresh_writes(database) == before
