"""GraphQL subscriptions over a real WebSocket (graphql-transport-ws), on SQLite, PostgreSQL and a replica.

The server is a real uvicorn serving the app (tests/support/served.py); refreshes go through another
app with its own database engine, so an event can only reach the subscriptions through the database
(PostgreSQL's NOTIFY, or the SQLite feed's polling), as from another process. Tenant B has an invoice
with the same id as tenant A's: a subscription to that id on B must never see A's events.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from starlette.applications import Starlette

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.graphql.subscriptions import Subscriptions
from invoicegraph.services.api_keys import revoke_api_key
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.seed import add_key
from tests.support.served import served

B_KEY = "igk_test_0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
SUBSCRIBE = """subscription($invoiceId: ID, $customerId: ID) {
  invoiceUpdated(invoiceId: $invoiceId, customerId: $customerId) {
    id type platformId invoiceId version createdAt
    invoice { id version invoiceAmountIncludingTax { quantity currency } customer { id } }
    changes { path before after }
  }
}"""
PROTOCOL = "graphql-transport-ws"
QUICK = {"event_poll_interval_seconds": 0.05, "subscription_recheck_seconds": 0.1}


def tenant_b() -> dict[str, Any]:
    """The example under another platform, with the same invoice and customer ids as tenant A."""
    text = json.dumps(example())
    for old, new in (("plat_acme", "plat_beta"), ("akey_ops", "akey_beta"), (EXAMPLE_KEY, B_KEY), ("Acme Cloud", "Beta Cloud")):
        text = text.replace(old, new)
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture
async def tenants(database: Database, data: dict[str, Any], tmp_path: Path) -> None:
    await load(database, tmp_path, tenant_b(), "beta.json")


@pytest.fixture
def quick(settings: Settings) -> Settings:
    return settings.model_copy(update=QUICK)


class Changes:
    """Refreshes that change an invoice, made through another app with its own database engine."""

    def __init__(self, settings: Settings, directory: Path) -> None:
        self.settings = settings
        self.directory = directory
        self.count = 0

    async def refresh(self, platform_key: str, platform_id: str) -> dict[str, Any]:
        self.count += 1
        data = example()
        late = {**data["usage_events"][0], "platform_id": platform_id, "reference": f"evt-sub-{self.count}", "value": str(self.count)}
        database = Database.from_settings(self.settings)
        try:
            await load(database, self.directory, {"format": data["format"], "usage_events": [late]}, f"sub-{self.count}.json")
            transport = httpx.ASGITransport(app=create_app(self.settings, database))
            async with httpx.AsyncClient(transport=transport, base_url="http://elsewhere") as client:
                answer = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers={"X-API-KEY": platform_key})
        finally:
            await database.dispose()
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


@pytest.fixture
def changes(settings: Settings, tmp_path: Path) -> Changes:
    return Changes(settings, tmp_path)


@asynccontextmanager
async def server(settings: Settings, database: Database) -> AsyncIterator[tuple[str, Subscriptions]]:
    app: Starlette = create_app(settings, database)
    async with served(app) as address:
        yield f"ws://{address}/graphql", app.state.subscriptions


async def until(condition: Callable[[], bool]) -> None:
    """Wait for what the server does on its own (a subscription registered, a socket counted)."""
    while not condition():
        await asyncio.sleep(0.01)


class Subscriber:
    """A gql client's subscription whose events are collected as they arrive."""

    def __init__(self, url: str, payload: dict[str, str], variables: dict[str, Any]) -> None:
        self.transport = WebsocketsTransport(url=url, init_payload=payload, subprotocols=[PROTOCOL])
        self.variables = variables
        self.events: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def run(self) -> None:
        async with Client(transport=self.transport) as session:
            async for result in session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values=self.variables)):
                self.events.append(result["invoiceUpdated"])
                self.arrived.set()

    async def next_event(self, index: int) -> dict[str, Any]:
        await until(lambda: len(self.events) > index)
        return self.events[index]


@asynccontextmanager
async def subscribed(subscribers: list[Subscriber], feed_of: Subscriptions) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(s.run()) for s in subscribers]
    try:
        await until(lambda: feed_of.feed.subscriptions == len(subscribers) or any(t.done() for t in tasks))
        for task in tasks:
            if task.done():
                task.result()
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


A = {"X-API-KEY": EXAMPLE_KEY}
B = {"X-API-KEY": B_KEY}


@pytest.mark.usefixtures("tenants")
async def test_an_event_committed_elsewhere_reaches_its_platforms_subscriptions_only(
    quick: Settings, database: Database, changes: Changes
) -> None:
    async with server(quick, database) as (url, subscriptions):
        a_all = Subscriber(url, A, {})
        a_invoice = Subscriber(url, A, {"invoiceId": INVOICE_ID})
        a_customer = Subscriber(url, A, {"customerId": "cust_globex"})
        a_other_customer = Subscriber(url, A, {"customerId": "cust_nobody"})
        b_same_id = Subscriber(url, B, {"invoiceId": INVOICE_ID})  # B has an invoice with A's invoice id
        b_all = Subscriber(url, B, {})
        everyone = [a_all, a_invoice, a_customer, a_other_customer, b_same_id, b_all]
        async with subscribed(everyone, subscriptions):
            refreshed = await changes.refresh(EXAMPLE_KEY, "plat_acme")
            first = await a_all.next_event(0)
            assert await a_invoice.next_event(0) == first
            assert await a_customer.next_event(0) == first
            assert first["platformId"] == "plat_acme"
            assert first["type"] == "INVOICE.UPDATED"
            assert first["invoiceId"] == INVOICE_ID
            assert first["version"] == first["invoice"]["version"] == 2
            assert first["invoice"]["invoiceAmountIncludingTax"]["quantity"] == refreshed["invoice_amount_including_tax"]["quantity"]
            assert first["invoice"]["customer"] == {"id": "cust_globex"}
            total = next(c for c in first["changes"] if c["path"] == "invoice_amount_including_tax.quantity")
            assert total["after"] == refreshed["invoice_amount_including_tax"]["quantity"]

            # B's own event is the first B's subscriptions see: A's never reached them, not even the one
            # that asked for A's invoice id.
            await changes.refresh(B_KEY, "plat_beta")
            b_first = await b_all.next_event(0)
            assert b_first["platformId"] == "plat_beta"
            assert b_first["id"] != first["id"]
            assert await b_same_id.next_event(0) == b_first
            # And A's next event is A's: B's never reached A.
            await changes.refresh(EXAMPLE_KEY, "plat_acme")
            second = await a_all.next_event(1)
            assert (second["platformId"], second["version"]) == ("plat_acme", 3)
            assert await a_invoice.next_event(1) == second
            # Each subscription is fed on its own: wait for the customer's too before counting.
            assert await a_customer.next_event(1) == second
        assert [len(s.events) for s in everyone] == [2, 2, 2, 0, 1, 1]


async def _refused(url: str, payload: Any) -> tuple[int, str]:
    """Open a socket, send connection_init with `payload`; the close code and reason."""
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.usefixtures("data")
async def test_connection_init_is_checked_like_an_http_request(quick: Settings, database: Database) -> None:
    no_view = await add_key(database, ["plat_acme"], ["INVOICE.REFRESH"])
    async with server(quick, database) as (url, _):
        assert (await _refused(url, {}))[0] == 4403
        assert (await _refused(url, {}))[1].startswith("UNAUTHORISED:")
        assert (await _refused(url, {"X-API-KEY": "igk_not_a_key"}))[1].startswith("UNAUTHORISED:")
        assert (await _refused(url, {**A, "Authorization": "Bearer x"}))[1].startswith("UNAUTHORISED:")  # two credentials
        assert (await _refused(url, {**A, "x-platform-id": "plat_beta"}))[1].startswith("USER_NOT_ALLOWED:")
        assert (await _refused(url, no_view.headers))[1].startswith("USER_NOT_ALLOWED:")
        assert (await _refused(url, "a string"))[0] == 4400


@pytest.mark.usefixtures("data")
async def test_connections_and_subscriptions_are_limited_per_credential(settings: Settings, database: Database) -> None:
    limited = settings.model_copy(update={**QUICK, "subscription_connections_per_credential": 2, "subscriptions_per_credential": 2})
    async with (
        server(limited, database) as (url, subscriptions),
        websockets.connect(url, subprotocols=[PROTOCOL]) as first,  # type: ignore[list-item]
        websockets.connect(url, subprotocols=[PROTOCOL]) as second,  # type: ignore[list-item]
    ):
        for socket in (first, second):
            await socket.send(json.dumps({"type": "connection_init", "payload": A}))
            assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        code, reason = await _refused(url, A)  # the third connection of this key
        assert (code, reason.split(":")[0]) == (4403, "INVALID_REQUEST")
        for index, socket in enumerate((first, first, second)):
            await socket.send(json.dumps({"id": str(index), "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await until(lambda: subscriptions.feed.subscriptions == 2)
        refused = json.loads(await second.recv())
        assert refused["id"] == "2"
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "INVALID_REQUEST"
        assert "25" not in refused["payload"][0]["message"]
        # Ending one subscription makes room for another.
        await first.send(json.dumps({"id": "0", "type": "complete"}))
        await until(lambda: subscriptions.feed.subscriptions == 1)
        await second.send(json.dumps({"id": "3", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await until(lambda: subscriptions.feed.subscriptions == 2)


@pytest.mark.usefixtures("data")
async def test_a_revoked_key_has_its_sockets_closed(quick: Settings, database: Database) -> None:
    key = await add_key(database, ["plat_acme"])
    async with server(quick, database) as (url, subscriptions):
        async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init", "payload": key.headers}))
            assert json.loads(await socket.recv()) == {"type": "connection_ack"}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
            await until(lambda: subscriptions.feed.subscriptions == 1)
            await revoke_api_key(database, key.id)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.recv()
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "UNAUTHORISED: The API key is not valid.")
        await until(lambda: subscriptions.feed.subscriptions == 0 and not subscriptions.limits.connections)


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"query": '{ invoice(id: "x") { id } }'}, "INVALID_FIELD"),
        ({"query": 'mutation { refreshInvoice(id: "x") { id } }'}, "INVALID_FIELD"),
        ({"query": "subscription { invoiceUpdated { nope } }"}, "INVALID_REQUEST"),
        ({"query": "subscription {"}, "INVALID_REQUEST"),
        ({"query": SUBSCRIBE, "variables": {"invoiceId": {"not": "an id"}}}, "INVALID_FIELD"),
    ],
)
async def test_only_valid_subscriptions_run_over_websocket(quick: Settings, database: Database, message: dict[str, Any], code: str) -> None:
    async with server(quick, database) as (url, subscriptions):
        async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init", "payload": A}))
            assert json.loads(await socket.recv()) == {"type": "connection_ack"}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": message}))
            answer = json.loads(await socket.recv())
        assert (answer["id"], answer["type"]) == ("1", "error")
        assert [error["extensions"]["code"] for error in answer["payload"]] == [code]
        assert subscriptions.feed.subscriptions == 0
