"""Idempotency-Key on the GraphQL mutation (docs/refresh.md): the request is the document, the
operationName and the variables; a replay sends the first response again, byte for byte, and runs
nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import IdempotencyRecord, RefreshRecord
from tests.support.api import REFRESH
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, load, record

CITY = """
mutation Refresh($id: ID!, $types: [InvoiceRefreshType!]) {
  refreshInvoice(id: $id, types: $types) {
    id version
    billingEntity { registeredAddress { city } }
  }
}
"""
VARIABLES = {"id": INVOICE_ID, "types": ["BILLING_ENTITY"]}
AUTH = {"X-API-KEY": EXAMPLE_KEY}


async def _post(
    client: httpx.AsyncClient, key: str, query: str = CITY, variables: dict[str, Any] | None = None, **extra: Any
) -> httpx.Response:
    payload = {"query": query, "variables": VARIABLES if variables is None else variables, **extra}
    return await client.post("/graphql", json=payload, headers={**AUTH, "Idempotency-Key": key})


def _refused(response: httpx.Response, message: str) -> None:
    body = response.json()
    assert "data" not in body, body  # refused before anything executed
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("IDEMPOTENCY_CHECK_FAILED", "Idempotency-Key")
    assert message in error["message"]
    assert "idempotent-replayed" not in response.headers


async def _count(database: Database, table: Any) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(col(table.platform_id) == "plat_acme")) or 0)


async def _version(client: httpx.AsyncClient) -> int:
    response = await client.post("/graphql", json={"query": f'{{ invoice(id: "{INVOICE_ID}") {{ version }} }}'}, headers=AUTH)
    version: int = response.json()["data"]["invoice"]["version"]
    return version


async def _move_billing_entity(database: Database, tmp_path: Path, data: dict[str, Any], city: str) -> None:
    entity = record(data, "billing_entities", "enti_nl")
    moved = {**entity, "registered_address": {**entity["registered_address"], "city": city}}
    await load(database, tmp_path, {"format": data["format"], "billing_entities": [moved]}, f"entity-{city}.json")


async def _set_record(database: Database, key: str, **values: Any) -> None:
    async with database.write() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.platform_id) == "plat_acme", col(IdempotencyRecord.key) == key)
            .values(**values)
        )


async def test_replay_is_the_first_response_byte_for_byte_and_runs_nothing(
    client: httpx.AsyncClient, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    await _move_billing_entity(database, tmp_path, data, "Rotterdam")
    first = await _post(client, "g-k1")
    assert first.status_code == 200
    assert first.json()["data"]["refreshInvoice"]["billingEntity"]["registeredAddress"]["city"] == "Rotterdam"
    assert "idempotent-replayed" not in first.headers
    version, audits = await _version(client), await _count(database, RefreshRecord)

    # The live data moves on; the replay still tells what the first call answered.
    await _move_billing_entity(database, tmp_path, data, "Utrecht")
    replay = await _post(client, "g-k1")

    assert replay.headers["idempotent-replayed"] == "true"
    assert (replay.status_code, replay.headers["content-type"]) == (first.status_code, first.headers["content-type"])
    assert replay.content == first.content
    assert await _count(database, RefreshRecord) == audits  # no refresh ran
    assert await _version(client) == version
    # Without the key, the same mutation does run, and sees the live data.
    fresh = await client.post("/graphql", json={"query": CITY, "variables": VARIABLES}, headers=AUTH)
    assert fresh.json()["data"]["refreshInvoice"]["billingEntity"]["registeredAddress"]["city"] == "Utrecht"


async def test_replay_keeps_the_first_status_and_media_type(client: httpx.AsyncClient, data: dict[str, Any]) -> None:
    payload = {"query": CITY, "variables": VARIABLES}
    headers = {**AUTH, "Idempotency-Key": "g-media", "Accept": "application/graphql-response+json"}
    first = await client.post("/graphql", json=payload, headers=headers)
    assert first.headers["content-type"] == "application/graphql-response+json"
    replay = await client.post("/graphql", json=payload, headers={**AUTH, "Idempotency-Key": "g-media"})
    assert replay.headers["idempotent-replayed"] == "true"
    assert (replay.status_code, replay.headers["content-type"], replay.content) == (200, first.headers["content-type"], first.content)


async def test_same_key_with_another_request_is_refused(client: httpx.AsyncClient, database: Database, data: dict[str, Any]) -> None:
    first = await _post(client, "g-k2")
    assert "errors" not in first.json()
    audits = await _count(database, RefreshRecord)
    two_operations = CITY + CITY.replace("mutation Refresh", "mutation Again")

    another_selection = CITY.replace("id version", "id version status")
    _refused(await _post(client, "g-k2", another_selection), "different request")
    _refused(await _post(client, "g-k2", REFRESH), "different request")  # another document altogether
    _refused(await _post(client, "g-k2", variables={**VARIABLES, "types": ["CUSTOMER"]}), "different request")
    _refused(await _post(client, "g-k2", variables={"id": INVOICE_ID}), "different request")
    assert "errors" not in (await _post(client, "g-k3", two_operations, operationName="Refresh")).json()
    _refused(await _post(client, "g-k3", two_operations, operationName="Again"), "different request")

    assert await _count(database, RefreshRecord) == audits + 1  # only g-k3's first call ran
    # The refusals stored nothing: the first response is still what the key replays.
    replay = await _post(client, "g-k2")
    assert (replay.headers["idempotent-replayed"], replay.content) == ("true", first.content)
    # Naming the document's only operation names the operation that ran: the same request.
    named = await _post(client, "g-k2", operationName="Refresh")
    assert (named.headers["idempotent-replayed"], named.content) == ("true", first.content)


async def test_variables_in_another_order_are_the_same_request(client: httpx.AsyncClient, data: dict[str, Any]) -> None:
    first = await _post(client, "g-order", variables={"id": INVOICE_ID, "types": ["BILLING_ENTITY"]})
    replay = await _post(client, "g-order", variables={"types": ["BILLING_ENTITY"], "id": INVOICE_ID})
    assert (replay.headers["idempotent-replayed"], replay.content) == ("true", first.content)


async def test_rest_and_graphql_never_replay_each_other(client: httpx.AsyncClient, database: Database, data: dict[str, Any]) -> None:
    url = f"/v1/invoices/{INVOICE_ID}/refresh"
    rest = await client.post(url, headers={**AUTH, "Idempotency-Key": "shared-1"}, json={"types": ["BILLING_ENTITY"]})
    assert rest.status_code == 200
    _refused(await _post(client, "shared-1"), "different request")

    graphql = await _post(client, "shared-2")
    assert "errors" not in graphql.json()
    refused = await client.post(url, headers={**AUTH, "Idempotency-Key": "shared-2"}, json={"types": ["BILLING_ENTITY"]})
    assert refused.status_code == 409
    assert refused.json()["code"] == "IDEMPOTENCY_CHECK_FAILED"
    assert "idempotent-replayed" not in refused.headers
    # Each still replays its own.
    assert (
        await client.post(url, headers={**AUTH, "Idempotency-Key": "shared-1"}, json={"types": ["BILLING_ENTITY"]})
    ).json() == rest.json()
    assert (await _post(client, "shared-2")).content == graphql.content


async def test_a_key_an_older_release_left_in_flight_is_free(client: httpx.AsyncClient, database: Database, data: dict[str, Any]) -> None:
    # Before the response was recorded with the refresh, a crash could leave a record without one.
    assert "errors" not in (await _post(client, "g-flight")).json()
    await _set_record(database, "g-flight", state="IN_FLIGHT", response_status=None, response_body=None, response_headers={})
    audits = await _count(database, RefreshRecord)
    again = await _post(client, "g-flight")
    assert "errors" not in again.json()
    assert "idempotent-replayed" not in again.headers
    assert await _count(database, RefreshRecord) == audits + 1
    assert (await _post(client, "g-flight")).content == again.content


async def test_concurrent_same_requests_refresh_once(client: httpx.AsyncClient, database: Database, data: dict[str, Any]) -> None:
    audits = await _count(database, RefreshRecord)
    first, second = await asyncio.gather(_post(client, "g-race"), _post(client, "g-race"))
    answered = [r for r in (first, second) if "idempotent-replayed" not in r.headers and r.json().get("data") is not None]
    assert len(answered) == 1, (first.text, second.text)
    other = second if answered[0] is first else first
    if other.headers.get("idempotent-replayed") == "true":
        assert other.content == answered[0].content
    else:
        _refused(other, "still in progress")
    assert await _count(database, RefreshRecord) == audits + 1
    replay = await _post(client, "g-race")
    assert (replay.headers["idempotent-replayed"], replay.content) == ("true", answered[0].content)


async def test_one_key_never_covers_two_refreshes(client: httpx.AsyncClient, database: Database, data: dict[str, Any]) -> None:
    twice = f"""mutation {{
      a: refreshInvoice(id: "{INVOICE_ID}", types: [CUSTOMER]) {{ id }}
      b: refreshInvoice(id: "{INVOICE_ID}", types: [CUSTOMER]) {{ id }}
    }}"""
    audits = await _count(database, RefreshRecord)
    refused = await _post(client, "g-twice", twice, variables={})
    assert refused.json()["errors"][0]["extensions"]["limit"] == "mutations"  # one mutation per operation
    assert (await _count(database, RefreshRecord), await _count(database, IdempotencyRecord)) == (audits, 0)


async def test_failed_refresh_keeps_the_key_free(client: httpx.AsyncClient, database: Database, data: dict[str, Any]) -> None:
    missing = await _post(client, "g-missing", variables={"id": "invo_nope", "types": ["BILLING_ENTITY"]})
    assert missing.json()["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"
    assert await _count(database, IdempotencyRecord) == 0
    again = await _post(client, "g-missing", variables={"id": "invo_nope", "types": ["BILLING_ENTITY"]})
    assert "idempotent-replayed" not in again.headers


async def test_a_key_on_a_query_is_ignored(client: httpx.AsyncClient, database: Database, data: dict[str, Any]) -> None:
    query = f'{{ invoice(id: "{INVOICE_ID}") {{ id version }} }}'
    for _ in range(2):
        response = await _post(client, "g-query", query, variables={})
        assert "errors" not in response.json()
        assert "idempotent-replayed" not in response.headers
    assert await _count(database, IdempotencyRecord) == 0
    assert "errors" not in (await _post(client, "g-query")).json()  # the key is still free for a mutation
