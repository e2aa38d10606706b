"""Database outages: requests fail fast with a retryable coded error, /readyz fails, and the same app
instance serves again once the database is back (no restart).

On a PostgreSQL cluster of its own (stopping the session's shared cluster would break other tests),
without a replica: the outage is the primary's, and every request needs the primary for its
credential check whether or not a replica serves its reads. A replica going down (reads carry on from
the primary) is tests/integration/scaleout/test_read_routing.py's.
The GraphQL resolver path (a connection lost after the credential was checked) is exercised on both
backends by making the loader's connection fail.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.exc import OperationalError

from invoicegraph.app import create_app
from invoicegraph.db.bounds import DatabaseStalled
from invoicegraph.db.engine import Database
from invoicegraph.db.outage import is_database_unavailable
from invoicegraph.db.reads import InvoicesRead
from invoicegraph.settings import Settings
from tests.support.postgres import PostgresCluster
from tests.support.seed import add_key, add_platforms, bearer

CONNECT_TIMEOUT = 2.0
SLACK = 3.0
QUERY = {"query": "{ invoices(first: 1) { edges { cursor } } }"}


@pytest.fixture
async def outage_app(own_cluster: PostgresCluster) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], dict[str, str]]]:
    settings = Settings(database_url=own_cluster.url("app"), database_connect_timeout_seconds=CONNECT_TIMEOUT)
    database = Database(settings.database_url, pool_size=2, connect_timeout=CONNECT_TIMEOUT)
    await add_platforms(database, "plat_a")
    key = await add_key(database, ["plat_a"])
    app = create_app(settings, database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client, key.headers, bearer(settings, platforms=["plat_a"])
    await database.dispose()


async def _timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call
    return response, time.monotonic() - started


@pytest.mark.postgres
async def test_outage_fails_fast_with_a_retryable_error_and_recovers(
    own_cluster: PostgresCluster, outage_app: tuple[httpx.AsyncClient, dict[str, str], dict[str, str]]
) -> None:
    client, key, token = outage_app
    assert (await client.get("/readyz")).status_code == 200
    assert (await client.post("/graphql", json=QUERY, headers=key)).status_code == 200

    own_cluster.stop_server()
    try:
        ready, seconds = await _timed(client.get("/readyz"))
        assert ready.status_code == 503
        assert seconds < CONNECT_TIMEOUT + SLACK
        for headers in (key, token):
            graphql, seconds = await _timed(client.post("/graphql", json=QUERY, headers=headers))
            assert seconds < CONNECT_TIMEOUT + SLACK
            assert graphql.status_code == 503
            assert graphql.headers["retry-after"] == "1"
            error = graphql.json()["errors"][0]
            assert error["extensions"]["code"] == "INTERNAL_ERROR"
            assert error["extensions"]["type"] == "API_ERROR"
            assert error["extensions"]["retryable"] is True
            assert error["extensions"]["requestId"] == graphql.headers["x-request-id"]
            rest, seconds = await _timed(client.get("/v1/invoices/invo_1", headers=headers))
            assert seconds < CONNECT_TIMEOUT + SLACK
            assert rest.status_code == 503
            assert rest.headers["retry-after"] == "1"
            assert rest.json()["code"] == "INTERNAL_ERROR"
            assert rest.json()["type"] == "API_ERROR"
            assert "asyncpg" not in rest.text
            assert "Connect" not in rest.text
    finally:
        own_cluster.start_server()

    # The same app instance: dead pooled connections are replaced (pool_pre_ping), nothing restarted.
    assert (await client.get("/readyz")).status_code == 200
    assert (await client.post("/graphql", json=QUERY, headers=key)).json() == {"data": {"invoices": {"edges": []}}}
    assert (await client.get("/v1/invoices/invo_1", headers=token)).status_code == 404


async def test_a_connection_lost_inside_a_resolver_is_a_retryable_graphql_error(
    client: httpx.AsyncClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_platforms(database, "plat_a")
    key = await add_key(database, ["plat_a"])

    def lost(self: InvoicesRead, rows: object, platform_id: str, keys: object) -> dict[str, object]:
        raise OperationalError("SELECT …", {}, ConnectionResetError("connection reset by peer"))

    monkeypatch.setattr(InvoicesRead, "results", lost)  # the invoice loader's read, as its rows arrive
    response = await client.post("/graphql", json={"query": '{ invoice(id: "invo_1") { id } }'}, headers=key.headers)
    assert response.status_code == 200
    assert response.headers["retry-after"] == "1"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert error["extensions"]["retryable"] is True
    assert "reset" not in response.text
    assert "SELECT" not in response.text


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (TimeoutError(), True),
        (OSError("Multiple exceptions: [Errno 111] Connect call failed"), True),
        (OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly")), True),
        (DatabaseStalled("the database did not answer a ping within 5 s"), True),
        (asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"), True),
        (ValueError("not a database problem"), False),
        (KeyError("x"), False),
        (FileNotFoundError(2, "missing"), False),
    ],
)
def test_what_counts_as_the_database_being_unavailable(error: BaseException, expected: bool) -> None:
    assert is_database_unavailable(error) is expected
    wrapped = RuntimeError("wrapper")
    wrapped.__cause__ = error
    assert is_database_unavailable(wrapped) is expected
