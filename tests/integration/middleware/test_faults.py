"""Database outages: requests fail with a retryable coded error once the connect timeout passes (no
hang), /readyz fails, and the same app instance serves again once the database is back (no restart).

On a PostgreSQL cluster of its own (stopping the session's shared cluster would break other tests),
without a replica: the outage is the primary's, and every request needs the primary for its
credential check whether or not a replica serves its reads. A replica going down (reads carry on from
the primary) is tests/integration/scaleout/test_read_routing.py's.
The GraphQL resolver path (a connection lost after the credential was checked) is exercised on every
backend by breaking the loader's real connection (tests/support/faults.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable

import asyncpg
import httpx
import pytest
from sqlalchemy.exc import OperationalError

from invoicegraph.app import create_app
from invoicegraph.db.bounds import DatabaseStalled
from invoicegraph.db.engine import Database
from invoicegraph.db.outage import is_database_unavailable
from invoicegraph.settings import Settings
from tests.support.faults import connection_lost_before, connects_of
from tests.support.postgres import PostgresCluster
from tests.support.seed import add_key, add_platforms, bearer

CONNECT_TIMEOUT = 2.0
HANG = 60.0
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


async def _answered(call: Awaitable[httpx.Response]) -> httpx.Response:
    # A guard against a hang, not a measure: the answer comes from the connect timeout
    # (CONNECT_TIMEOUT), far inside this deadline; benchmarks, not tests, say how fast.
    return await asyncio.wait_for(call, timeout=HANG)


@pytest.mark.postgres
async def test_outage_fails_fast_with_a_retryable_error_and_recovers(
    own_cluster: PostgresCluster, outage_app: tuple[httpx.AsyncClient, dict[str, str], dict[str, str]]
) -> None:
    client, key, token = outage_app
    assert (await client.get("/readyz")).status_code == 200
    assert (await client.post("/graphql", json=QUERY, headers=key)).status_code == 200

    own_cluster.stop_server()
    try:
        ready = await _answered(client.get("/readyz"))
        assert ready.status_code == 503
        for headers in (key, token):
            graphql = await _answered(client.post("/graphql", json=QUERY, headers=headers))
            assert graphql.status_code == 503
            assert graphql.headers["retry-after"] == "1"
            error = graphql.json()["errors"][0]
            assert error["extensions"]["code"] == "INTERNAL_ERROR"
            assert error["extensions"]["type"] == "API_ERROR"
            assert error["extensions"]["retryable"] is True
            assert error["extensions"]["requestId"] == graphql.headers["x-request-id"]
            rest = await _answered(client.get("/v1/invoices/invo_1", headers=headers))
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


async def test_a_connection_lost_inside_a_resolver_is_a_retryable_graphql_error(client: httpx.AsyncClient, database: Database) -> None:
    await add_platforms(database, "plat_a")
    key = await add_key(database, ["plat_a"])
    # `__typename` resolves without the database: the answer has data, so the lost connection is a field
    # error (a query left with no data at all is an outage: 503, test_outage_fails_fast_…).
    query = {"query": '{ __typename invoice(id: "invo_1") { id } }'}
    assert (await client.post("/graphql", json=query, headers=key.headers)).json() == {"data": {"__typename": "Query", "invoice": None}}
    # On SQLite the fault is met when a connection is opened: empty the pool (as a fresh process or a
    # growing pool would have it), and count the connects of the same request on an empty pool.
    await database.engine.dispose()
    with connects_of(database) as opened:
        assert (await client.post("/graphql", json=query, headers=key.headers)).json() == {"data": {"__typename": "Query", "invoice": None}}
    await database.engine.dispose()

    # The credential is checked, then the invoice loader's connection breaks under it.
    with connection_lost_before(database, "invoice", sqlite_connects=len(opened)) as fault:
        response = await client.post("/graphql", json=query, headers=key.headers)
    assert fault.terminated or fault.moved, "the fault was not reached"

    assert response.status_code == 200
    assert response.headers["retry-after"] == "1"
    error = response.json()["errors"][0]
    assert error["path"] == ["invoice"]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert error["extensions"]["retryable"] is True
    assert "terminat" not in response.text
    assert "unable to open" not in response.text
    assert "SELECT" not in response.text
    # Nothing to restart: the next request gets a working connection.
    assert (await client.post("/graphql", json=query, headers=key.headers)).json() == {"data": {"__typename": "Query", "invoice": None}}


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
