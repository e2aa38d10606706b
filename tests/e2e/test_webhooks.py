"""Webhooks from real `invoicegraph serve` processes on PostgreSQL, to a real receiver on loopback.

- Two servers share one database and both deliver: every event arrives once, each invoice's versions in
  order, while refreshes run through both servers.
- A server killed with SIGKILL while its webhook request is in flight (the refresh committed, the answer
  never recorded): after a restart the event is sent again and arrives.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from invoicegraph.db.engine import Database
from invoicegraph.services.events.notify import asyncpg_dsn
from invoicegraph.settings import Settings
from tests.e2e.conftest import _free_loopback_port, _server_env, _stop
from tests.e2e.test_two_servers import IDS, REFRESH, _drafts, _wait_healthy
from tests.integration.services.events.conftest import add_endpoint
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.postgres import PostgresCluster
from tests.support.receiver import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

HEADERS = {"X-API-KEY": EXAMPLE_KEY}
ROUNDS = 3


def _serve(url: str, log: Path, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_loopback_port()
    env = {**_server_env(url), "INVOICEGRAPH_LOG_LEVEL": "WARNING", "INVOICEGRAPH_EVENT_POLL_INTERVAL_SECONDS": "0.2", **settings}
    command = [str(Path(sys.executable).with_name("invoicegraph")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    _wait_healthy(process, base_url, log)
    return process, base_url


@pytest.fixture
def database_url(postgres: PostgresCluster) -> Iterator[str]:
    name = "webhooks_e2e"
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE template_invoicegraph")
    yield postgres.url(name)
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _deliveries(url: str) -> Counter[str]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch("SELECT status FROM webhook_delivery WHERE platform_id = 'plat_acme'")
    finally:
        await connection.close()
    return Counter(row["status"] for row in rows)


async def _attempts(url: str) -> tuple[int, int]:
    """(attempts the delivery counted, attempts recorded)."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        counted = await connection.fetchval("SELECT attempts FROM webhook_delivery WHERE platform_id = 'plat_acme'")
        recorded = await connection.fetchval("SELECT count(*) FROM webhook_attempt WHERE platform_id = 'plat_acme'")
    finally:
        await connection.close()
    return int(counted), int(recorded)


async def _late_usage(database: Database, directory: Path, round_number: int) -> None:
    """A new usage event for every draft's customer: the next refresh of each changes it."""
    data = example()
    late = {**data["usage_events"][0], "reference": f"evt-round-{round_number}", "value": str(10 + round_number)}
    await load(database, directory, {"format": data["format"], "usage_events": [late]}, f"round-{round_number}.json")


async def test_two_servers_deliver_every_event_once_in_version_order(database_url: str, tmp_path: Path, receiver: Receiver) -> None:
    database = Database(database_url)
    try:
        drafts, _ = _drafts()
        await load(database, tmp_path, drafts, "drafts.json")
        await add_endpoint(database, Settings(database_url=database_url), receiver)
        servers = [_serve(database_url, tmp_path / f"server-{name}.log") for name in ("a", "b")]
        try:
            async with (
                httpx.AsyncClient(base_url=servers[0][1], headers=HEADERS, timeout=60) as a,
                httpx.AsyncClient(base_url=servers[1][1], headers=HEADERS, timeout=60) as b,
            ):
                for round_number in range(ROUNDS):
                    await _late_usage(database, tmp_path, round_number)
                    # Each draft refreshed through both servers at once: one of the two changes it.
                    calls = [client.post("/graphql", json={"query": REFRESH, "variables": {"id": i}}) for i in IDS for client in (a, b)]
                    for answer in await asyncio.gather(*calls):
                        assert "errors" not in answer.json(), answer.text
            expected = len(IDS) * ROUNDS
            arrived = await asyncio.to_thread(receiver.wait_for, expected)
            while (await _deliveries(database_url))["SUCCEEDED"] < expected:
                await asyncio.sleep(0.1)
        finally:
            for process, _ in servers:
                _stop(process)
    finally:
        await database.dispose()

    ids = Counter(r.event["id"] for r in receiver.received)
    assert len(ids) == expected
    assert set(ids.values()) == {1}, [i for i, n in ids.items() if n > 1]  # none twice
    assert all(r.verified for r in arrived)
    versions: dict[str, list[int]] = defaultdict(list)
    for r in receiver.received:
        versions[r.event["data"]["invoice"]["id"]].append(r.event["data"]["version"])
    assert versions == {invoice_id: [2, 3, 4] for invoice_id in IDS}
    assert await _deliveries(database_url) == {"SUCCEEDED": expected}


async def test_a_server_killed_during_delivery_sends_the_event_again_after_a_restart(
    database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    database = Database(database_url)
    try:
        await load(database, tmp_path, example(), "example.json")
        await _late_usage(database, tmp_path, 0)
        await add_endpoint(database, Settings(database_url=database_url), receiver)
    finally:
        await database.dispose()
    quick = {"INVOICEGRAPH_WEBHOOK_TIMEOUT_SECONDS": "1", "INVOICEGRAPH_WEBHOOK_RETRY_BASE_SECONDS": "0.2"}
    log = tmp_path / "server.log"
    receiver.hold.clear()  # the receiver takes the request and holds its answer
    process, base_url = _serve(database_url, log, **quick)
    try:
        refreshed = httpx.post(f"{base_url}/v1/invoices/{INVOICE_ID}/refresh", headers=HEADERS, timeout=30)
        assert refreshed.status_code == 200, refreshed.text  # committed
        await asyncio.to_thread(receiver.wait_for_arrivals, 1)
        os.kill(process.pid, signal.SIGKILL)  # mid-request: the attempt is never recorded
        process.wait(timeout=10)
        receiver.hold.set()
        await asyncio.to_thread(receiver.wait_for, 1)  # answered to a server that is gone
        assert await _deliveries(database_url) == {"PENDING": 1}

        process, _ = _serve(database_url, log, **quick)
        again = await asyncio.to_thread(receiver.wait_for, 2)
        while (await _deliveries(database_url))["SUCCEEDED"] < 1:
            await asyncio.sleep(0.1)
    finally:
        _stop(process)

    first, second = again[0], again[1]
    assert first.body == second.body  # the same event, the same bytes
    assert second.verified
    assert second.event["data"]["invoice"]["id"] == INVOICE_ID
    # Two attempts were made; only the one after the restart could be recorded.
    assert await _attempts(database_url) == (2, 1)
