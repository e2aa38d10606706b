"""GraphQL subscriptions between real processes: a `gql` websockets client subscribed to one
`invoicegraph serve`, refreshes through another, on SQLite (two processes on one file) and on PostgreSQL.
The event can only travel through the database: the outbox, polled (SQLite) or announced by NOTIFY."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.e2e.conftest import _stop
from tests.e2e.test_webhooks import _late_usage, _serve
from tests.integration.graphql.test_subscriptions import B_KEY, Subscriber, tenant_b
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        from invoicegraph.db.migrate import upgrade

        url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
        upgrade(url)
        yield url
        return
    postgres: PostgresCluster = request.getfixturevalue("postgres")
    postgres.psql(
        "DROP DATABASE IF EXISTS subscriptions_e2e WITH (FORCE)", "CREATE DATABASE subscriptions_e2e TEMPLATE template_invoicegraph"
    )
    yield postgres.url("subscriptions_e2e")
    postgres.psql("DROP DATABASE IF EXISTS subscriptions_e2e WITH (FORCE)")


async def _subscriptions(base_url: str) -> float:
    metrics = (await asyncio.to_thread(httpx.get, f"{base_url}/metrics", timeout=10)).text
    found = re.search(r"^invoicegraph_subscriptions (\S+)$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else -1.0


async def test_a_refresh_through_another_process_reaches_the_subscribers_of_its_platform_only(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url)
    try:
        await load(database, tmp_path, example(), "acme.json")
        await load(database, tmp_path, tenant_b(), "beta.json")
    finally:
        await database.dispose()
    subscribed_to, _ = listening = _serve(database_url, tmp_path / "a.log", INVOICEGRAPH_EVENT_POLL_INTERVAL_SECONDS="0.1")
    refreshing = _serve(database_url, tmp_path / "b.log")
    url = listening[1].replace("http://", "ws://") + "/graphql"
    acme = Subscriber(url, {"X-API-KEY": EXAMPLE_KEY}, {})
    beta_same_id = Subscriber(url, {"X-API-KEY": B_KEY}, {"invoiceId": INVOICE_ID})
    tasks = [asyncio.create_task(s.run()) for s in (acme, beta_same_id)]
    try:
        while await _subscriptions(listening[1]) < 2:
            assert not any(t.done() for t in tasks), [t.result() for t in tasks if t.done()]
            await asyncio.sleep(0.05)
        database = Database(database_url)
        try:
            await _late_usage(database, tmp_path, 1)
            async with httpx.AsyncClient(base_url=refreshing[1], timeout=30) as other:
                refreshed = await other.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers={"X-API-KEY": EXAMPLE_KEY})
                assert refreshed.status_code == 200, refreshed.text
                event = await acme.next_event(0)
                assert (event["platformId"], event["invoiceId"], event["version"]) == ("plat_acme", INVOICE_ID, 2)
                assert (
                    event["invoice"]["invoiceAmountIncludingTax"]["quantity"]
                    == refreshed.json()["invoice_amount_including_tax"]["quantity"]
                )
                # Beta's own refresh of its invoice with the same id is the first thing beta's subscription sees.
                late = {**tenant_b()["usage_events"][0], "reference": "evt-beta-late", "value": "9"}
                await load(database, tmp_path, {"format": "invoicegraph/v1", "usage_events": [late]}, "beta-late.json")
                beta = await other.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers={"X-API-KEY": B_KEY})
                assert beta.status_code == 200, beta.text
                first_seen_by_beta = await beta_same_id.next_event(0)
        finally:
            await database.dispose()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        _stop(subscribed_to)
        _stop(refreshing[0])
    assert first_seen_by_beta["platformId"] == "plat_beta"
    assert [e["platformId"] for e in acme.events] == ["plat_acme"]
