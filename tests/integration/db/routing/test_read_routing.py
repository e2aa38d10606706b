"""Read/write split over a real primary and streaming replica: who runs what, and what a client sees.

The proof is the engines' own statement counters (`Database.counter`, `Replica.counter`) and a log of
each engine's statements: queries and REST GETs run on the replica, mutations, refreshes and
everything a mutation's response selects on the primary, and no request uses both for its data. The
primary also answers the credential check (on purpose: revocation is read where it is written), when the
server's credential cache does not hold the key (auth/credential_cache.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from invoicegraph.db.request import RequestDatabase
from invoicegraph.db.routing import RoutingError
from invoicegraph.settings import Settings
from tests.integration.db.routing.conftest import HEADERS, EngineLog, Replication
from tests.support.data import INVOICE_ID, load
from tests.support.engines import Statements, assert_read_where_routed, assert_written_on_primary

pytestmark = pytest.mark.postgres

READ = """
query Read($id: ID!) {
  invoice(id: $id) {
    id version invoiceAmountIncludingTax { quantity }
    customer { id organization { legalName } invoices(first: 5) { totalCount edges { node { id } } } }
    refreshHistory(first: 5) { totalCount }
  }
  invoices(first: 10) { totalCount edges { node { id status } } }
  customer(id: "cust_globex") { id }
}
"""
VERSION = "query Version($id: ID!) { invoice(id: $id) { id version invoiceAmountIncludingTax { quantity } } }"
REFRESH = """
mutation Refresh($id: ID!) {
  refreshInvoice(id: $id) {
    id version invoiceAmountIncludingTax { quantity }
    customer { id organization { legalName } }
    refreshHistory(first: 5) { totalCount }
  }
}
"""
PREVIEW = "query Preview($id: ID!) { invoiceRefreshPreview(id: $id) { basedOnVersion changes { path } } }"
PRIMARY = {"x-read-consistency": "primary"}


def _credential_checks(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM api_key" in s]


async def _graphql(client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": {"id": INVOICE_ID}}, headers=headers or {})
    body: dict[str, Any] = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _late_usage(database: Database, tmp_path: Path, data: dict[str, Any], value: str = "100") -> None:
    event = {**data["usage_events"][0], "reference": f"evt-late-{value}", "value": value}
    await load(database, tmp_path, {"format": data["format"], "usage_events": [event]}, f"late-{value}.json")


async def _skips(client: httpx.AsyncClient, reason: str) -> float:
    """The metric's count of pass-overs for `reason` (0 before the first: the labelled series is absent)."""
    metrics = (await client.get("/metrics")).text
    lines = [
        line for line in metrics.splitlines() if line.startswith("invoicegraph_db_replica_skipped_total{") and f'reason="{reason}"' in line
    ]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


async def test_queries_read_the_replica_and_mutations_the_primary(
    client: httpx.AsyncClient, split: Database, engine_log: EngineLog, loaded: dict[str, Any], tmp_path: Path
) -> None:
    before = Statements.of(split)
    engine_log.clear()
    read = await _graphql(client, READ)
    assert read["invoice"]["customer"]["invoices"]["totalCount"] == 1
    # The query's data came from the replica; the primary only checked the credential.
    spent = Statements.of(split) - before
    assert_read_where_routed(split, spent)
    # The invoice and the customer (one round), the page and its count, then the customer's page and
    # the history (one round, the page read with the customer).
    assert spent.replica == len(engine_log.replica) == 4, engine_log.replica
    assert spent.primary == len(engine_log.primary)
    assert _credential_checks(engine_log.primary) == engine_log.primary

    await _late_usage(split, tmp_path, loaded)  # so that the refresh changes the invoice
    before = Statements.of(split)
    engine_log.clear()
    refreshed = (await _graphql(client, REFRESH))["refreshInvoice"]
    # The mutation and every field of its response: the primary, nothing on the replica.
    spent = Statements.of(split) - before
    assert_written_on_primary(spent)
    assert engine_log.replica == []
    assert any(s.startswith("UPDATE invoice") for s in engine_log.primary)
    assert any(s.startswith("INSERT INTO refresh_record") for s in engine_log.primary)
    assert any(s.startswith("INSERT INTO outbox_event") for s in engine_log.primary)
    assert any("FROM customer" in s for s in engine_log.primary)  # the response's nested customer
    assert refreshed["version"] == read["invoice"]["version"] + 1
    assert refreshed["refreshHistory"]["totalCount"] == 1  # read on the primary, right after the write
    assert spent.primary == len(engine_log.primary)


async def test_rest_gets_read_the_replica_and_posts_use_the_primary(client: httpx.AsyncClient, engine_log: EngineLog) -> None:
    engine_log.clear()
    assert (await client.get(f"/v1/invoices/{INVOICE_ID}")).status_code == 200
    assert (await client.get("/v1/invoices?limit=5")).status_code == 200
    assert len(engine_log.replica) >= 3
    assert len(engine_log.primary) == 2 == len(_credential_checks(engine_log.primary))

    engine_log.clear()
    assert (await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={"type": "FULL"})).status_code == 200
    assert (await client.post(f"/v1/invoices/{INVOICE_ID}/refresh?dry_run=true")).status_code == 200
    assert engine_log.replica == []
    assert any(s.startswith("INSERT INTO refresh_record") for s in engine_log.primary)


async def test_the_consistency_header_and_the_preview(client: httpx.AsyncClient, engine_log: EngineLog) -> None:
    engine_log.clear()
    await _graphql(client, READ, PRIMARY)
    assert (await client.get(f"/v1/invoices/{INVOICE_ID}", headers=PRIMARY)).status_code == 200
    assert engine_log.replica == []
    assert len(engine_log.primary) > 2

    engine_log.clear()
    preview = (await _graphql(client, PREVIEW))["invoiceRefreshPreview"]
    assert preview["basedOnVersion"] >= 1
    assert engine_log.replica, "the preview is a query: it reads the replica"
    assert _credential_checks(engine_log.primary) == engine_log.primary


async def test_read_your_writes_through_the_response_or_the_header(
    client: httpx.AsyncClient, split: Database, replication: Replication, loaded: dict[str, Any], tmp_path: Path
) -> None:
    before = (await _graphql(client, VERSION))["invoice"]
    replication.pause_replay()
    try:
        await _late_usage(split, tmp_path, loaded)
        refreshed = (await _graphql(client, REFRESH))["refreshInvoice"]
        assert refreshed["version"] == before["version"] + 1  # the mutation's response: the primary's state
        # Within the lag bound, a plain query may answer the replica's older state …
        assert (await _graphql(client, VERSION))["invoice"] == before
        # … and the documented header reads the primary: read-your-writes.
        assert (await _graphql(client, VERSION, PRIMARY))["invoice"]["version"] == refreshed["version"]
    finally:
        replication.resume_replay()
    replication.caught_up()
    assert (await _graphql(client, VERSION))["invoice"]["version"] == refreshed["version"]


async def _until_fresh(database: Database, replication: Replication, bound: float = 0.05) -> None:
    """Wait until the routing measures the standby within `bound` seconds of the primary.

    The measure is 0 once the standby has replayed the primary's current WAL position, else the age of
    the last transaction it replayed; WAL written after that (the credential check's asynchronous
    `last_used_at` write, background records on the shared test cluster) can keep it above a tight
    bound for a moment. Two .ci/run failures came from asserting 0 right after one catch-up.
    """
    replica = database.replicas.replicas[0]
    for _ in range(100):
        replication.caught_up()
        await database.replicas.check()
        if replica.lag is not None and replica.lag <= bound:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the standby never measured within {bound} s of the primary: {replica.lag}")


async def _until_lagging(database: Database, bound: float) -> None:
    """Wait until the routing measures the (paused) standby more than `bound` seconds behind."""
    replica = database.replicas.replicas[0]
    for _ in range(600):
        await database.replicas.check()
        if replica.lag is not None and replica.lag > bound:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the paused standby never measured more than {bound} s behind: {replica.lag}")


async def test_a_lagging_replica_is_skipped_and_counted(
    split_settings: Settings, replication: Replication, loaded: dict[str, Any], tmp_path: Path
) -> None:
    from invoicegraph.app import create_app

    settings = split_settings.model_copy(update={"replica_max_lag_seconds": 0.2})
    database = Database.from_settings(settings)
    replica = database.replicas.replicas[0]
    app = create_app(settings, database)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=HEADERS) as client:
            await _graphql(client, VERSION)
            await _until_fresh(database, replication)
            replication.pause_replay()
            try:
                await _late_usage(database, tmp_path, loaded)  # a write the replica does not replay
                await _until_lagging(database, bound=0.2)
                # Counted from here: the warm-up read may itself have met the standby "behind" (its lag
                # measure is the age of the last replayed commit while other WAL follows it).
                skipped = await _skips(client, "lagging")
                before = Statements.of(database)
                assert (await _graphql(client, VERSION))["invoice"]["version"] >= 1
                assert replica.lag is not None
                assert replica.lag > 0.2
                assert (Statements.of(database) - before).replica == 0, "a lagging replica must not serve reads"
                assert await _skips(client, "lagging") == skipped + 1
            finally:
                replication.resume_replay()
            await _until_fresh(database, replication)
            before = Statements.of(database)
            await _graphql(client, VERSION)
            assert (Statements.of(database) - before).replica > 0, "a caught-up replica serves reads again"
    finally:
        await database.dispose()


async def test_reads_carry_on_when_the_replica_stops(split_settings: Settings, replication: Replication, loaded: dict[str, Any]) -> None:
    from invoicegraph.app import create_app

    settings = split_settings.model_copy(update={"replica_retry_seconds": 0.3})
    database = Database.from_settings(settings)
    replica = database.replicas.replicas[0]
    app = create_app(settings, database)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=HEADERS) as client:
            expected = (await _graphql(client, VERSION))["invoice"]
            on_replica = replica.counter.total
            replication.replica.stop_server()
            try:
                # The pooled connections are dead and the next connect is refused: the primary answers.
                assert (await _graphql(client, VERSION))["invoice"] == expected
                assert (await client.get(f"/v1/invoices/{INVOICE_ID}")).status_code == 200
                assert (await _graphql(client, READ))["invoice"]["id"] == INVOICE_ID
                assert await _skips(client, "down") == 3  # each read that found it down, back-off or not
                assert replica.counter.total == on_replica, "a stopped replica answers nothing"
            finally:
                replication.replica.start_server()
                replication.replica.wait_streaming()
            replication.caught_up()
            # Once the back-off has passed, the replica is tried again and serves the reads.
            for _ in range(600):
                before = replica.counter.total
                assert (await _graphql(client, VERSION))["invoice"] == expected
                if replica.counter.total > before:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the replica never served reads again after it came back")
    finally:
        await database.dispose()


async def test_a_request_never_mixes_servers(split: Database, loaded: dict[str, Any]) -> None:
    view = split.for_request()
    assert view.route_name is None
    # Reads that start together (sibling loaders) make one decision.
    servers = await asyncio.gather(*(_server_of(view) for _ in range(5)))
    assert set(servers) == {split.replicas.replicas[0].name} == {view.route_name}
    with pytest.raises(RoutingError):
        async with view.unit_of_work():
            pass
    with pytest.raises(RoutingError):
        view.route.use_primary()
    await view.close()

    writer = split.for_request()
    async with writer.unit_of_work() as unit:
        assert unit.session.get_bind() is split.engine.sync_engine
        async with writer.session() as session:  # a request that writes reads inside its unit of work
            assert session is unit.session
    assert writer.route_name == "primary"
    assert split.for_request(primary=True).route_name == "primary"


async def _server_of(view: RequestDatabase) -> str | None:
    async with view.session():
        await asyncio.sleep(0)
    return view.route_name


async def test_the_app_takes_its_replicas_from_the_settings(
    split_settings: Settings, replication: Replication, loaded: dict[str, Any]
) -> None:
    from invoicegraph.app import create_app

    app = create_app(split_settings)  # INVOICEGRAPH_READ_REPLICA_URLS and friends, as `serve` reads them
    database: Database = app.state.database
    replica = database.replicas.replicas[0]
    assert replica.name == f"127.0.0.1:{replication.replica.port}"
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await _graphql_as(client, VERSION))["invoice"]["id"] == INVOICE_ID
        assert replica.counter.total >= 2  # the health check and the query
        metrics = (await client.get("/metrics")).text
        assert f'invoicegraph_db_replica_skipped_total{{reason="down",replica="{replica.name}"}} 0.0' in metrics


async def _graphql_as(client: httpx.AsyncClient, query: str) -> dict[str, Any]:
    return await _graphql(client, query, HEADERS)


def test_replicas_need_postgresql(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", replica_urls=["postgresql+asyncpg://h/db"])
