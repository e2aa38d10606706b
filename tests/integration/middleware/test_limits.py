"""Fairness limits over HTTP (middleware/limits.py): in flight, rate, cost, refused credentials, deadlines.

The limits live in the process's memory and never touch the database: SQLite is enough. A request is
held in flight by a body that does not finish until the test lets it (an async generator waiting on an
event), and the test waits for the limits' own count of requests in flight, never for a duration.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.middleware.limits import CallerLimits
from invoicegraph.settings import Settings
from tests.support.seed import Key, add_key, add_platforms

LIGHT = {"query": "{ invoices(first: 1) { edges { cursor } } }"}


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


AppFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def make_app(settings: Settings, database: Database) -> AsyncIterator[AppFactory]:
    await add_platforms(database, "plat_a", "plat_b")
    clients: list[httpx.AsyncClient] = []

    def make(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(settings.model_copy(update=overrides), database)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        client.app = app  # type: ignore[attr-defined]  # the test reads the app's limits
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def limits_of(client: httpx.AsyncClient) -> CallerLimits:
    limits: CallerLimits = client.app.state.limits  # type: ignore[attr-defined]
    return limits


async def wait_until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


class HeldRequest:
    """A GraphQL POST whose body stays unfinished until `finish()`: in flight for as long as the test likes."""

    def __init__(self, client: httpx.AsyncClient, key: Key) -> None:
        self.gate = asyncio.Event()
        body = orjson.dumps(LIGHT)

        async def chunks() -> AsyncIterator[bytes]:
            yield body[:5]
            await self.gate.wait()
            yield body[5:]

        headers = {**key.headers, "content-type": "application/json"}
        self.task = asyncio.ensure_future(client.post("/graphql", content=chunks(), headers=headers))

    async def finish(self) -> httpx.Response:
        self.gate.set()
        return await self.task


def assert_too_many(response: httpx.Response, names: str) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["errors"][0] if "errors" in response.json() else response.json()
    text = orjson.dumps(error).decode()
    assert "TOO_MANY_REQUESTS" in text
    assert names in text


async def test_requests_in_flight_are_bounded_per_credential_and_per_platform(make_app: AppFactory, database: Database) -> None:
    client = make_app(max_in_flight_per_credential=2, max_in_flight_per_platform=3)
    first, second, other = [await add_key(database, ["plat_a"]) for _ in range(3)]
    elsewhere = await add_key(database, ["plat_b"])
    limits = limits_of(client)

    held = [HeldRequest(client, first), HeldRequest(client, first)]
    await wait_until(lambda: limits.in_flight.get(f"credential:api_key:{first.id}") == 2)
    assert_too_many(await client.post("/graphql", json=LIGHT, headers=first.headers), "credential")
    held.append(HeldRequest(client, second))
    await wait_until(lambda: limits.in_flight.get("platform:plat_a") == 3)
    assert_too_many(await client.post("/graphql", json=LIGHT, headers=other.headers), "platform")
    # Another tenant is not affected by plat_a's requests.
    assert (await client.post("/graphql", json=LIGHT, headers=elsewhere.headers)).status_code == 200

    for request in held:
        assert (await request.finish()).status_code == 200
    assert limits.in_flight == {}
    assert (await client.post("/graphql", json=LIGHT, headers=first.headers)).status_code == 200


async def test_the_request_rate_is_bounded_per_credential_and_per_platform(make_app: AppFactory, database: Database) -> None:
    # Half a request per second: a full bucket holds one request, the next waits about two seconds.
    client = make_app(rate_limit_per_credential=0.5, rate_limit_per_platform=1000.0)
    key = await add_key(database, ["plat_a"])
    assert (await client.post("/graphql", json=LIGHT, headers=key.headers)).status_code == 200
    refused = await client.post("/graphql", json=LIGHT, headers=key.headers)
    assert_too_many(refused, "credential")
    assert refused.headers["retry-after"] == "2"

    client = make_app(rate_limit_per_credential=1000.0, rate_limit_per_platform=0.5)
    one, two = await add_key(database, ["plat_a"]), await add_key(database, ["plat_a"])
    elsewhere = await add_key(database, ["plat_b"])
    assert (await client.post("/graphql", json=LIGHT, headers=one.headers)).status_code == 200
    assert_too_many(await client.post("/graphql", json=LIGHT, headers=two.headers), "platform")
    assert (await client.post("/graphql", json=LIGHT, headers=elsewhere.headers)).status_code == 200
    # The probes are never limited.
    assert (await client.get("/healthz")).status_code == 200


async def test_heavy_operations_spend_their_platforms_cost_budget_before_light_ones(make_app: AppFactory, database: Database) -> None:
    # A full cost bucket holds one maximal operation (1,000 fields); it refills at 1 field per second.
    client = make_app(max_complexity=1_000, cost_limit_per_platform=1.0)
    key = await add_key(database, ["plat_a"])
    elsewhere = await add_key(database, ["plat_b"])
    heavy = {"query": "{ invoices(first: 100) { edges { node { id status invoiceNumber } cursor } } }"}  # 700 fields
    assert (await client.post("/graphql", json=heavy, headers=key.headers)).status_code == 200
    refused = await client.post("/graphql", json=heavy, headers=key.headers)
    assert_too_many(refused, "asked for too much")
    assert "data" not in refused.json()
    # What is left admits light operations, and the other tenant's budget is its own.
    assert (await client.post("/graphql", json=LIGHT, headers=key.headers)).status_code == 200
    assert (await client.post("/graphql", json=heavy, headers=elsewhere.headers)).status_code == 200


async def test_refused_credentials_are_throttled_per_client_address(make_app: AppFactory, database: Database) -> None:
    client = make_app(auth_failures_per_minute=3)
    known = await add_key(database, ["plat_a"])
    assert (await client.post("/graphql", json=LIGHT, headers=known.headers)).status_code == 200
    wrong = {"X-API-KEY": "igk_" + "x" * 40}
    statuses = [(await client.post("/graphql", json=LIGHT, headers=wrong)).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    assert_too_many(await client.post("/graphql", json=LIGHT, headers=wrong), "refused credentials")
    # A credential never accepted from this address waits too; one accepted before keeps working.
    fresh = await add_key(database, ["plat_a"])
    assert (await client.post("/graphql", json=LIGHT, headers=fresh.headers)).status_code == 429
    assert (await client.post("/graphql", json=LIGHT, headers=known.headers)).status_code == 200


async def test_a_request_past_its_deadline_answers_a_retryable_503_and_frees_its_slot(make_app: AppFactory, database: Database) -> None:
    client = make_app(request_timeout_seconds=0.2, body_timeout_seconds=60.0)
    key = await add_key(database, ["plat_a"])
    held = HeldRequest(client, key)
    response = await held.task  # never finished by the client: the deadline answers
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert "INVOICEGRAPH_REQUEST_TIMEOUT_SECONDS" in response.text
    await wait_until(lambda: limits_of(client).in_flight == {})


async def test_a_body_that_does_not_arrive_in_time_is_refused_with_408(make_app: AppFactory, database: Database) -> None:
    client = make_app(body_timeout_seconds=0.2, request_timeout_seconds=60.0)
    key = await add_key(database, ["plat_a"])
    response = await HeldRequest(client, key).task
    assert response.status_code == 408, response.text
    assert "INVOICEGRAPH_BODY_TIMEOUT_SECONDS" in response.text
    assert limits_of(client).in_flight == {}
