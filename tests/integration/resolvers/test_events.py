"""The operators' GraphQL view of webhooks: `webhookEndpoints` and `webhookDeliveries`, scoped, paged, counted."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.integration.services.events.conftest import QUICK, add_endpoint, delivering
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, load
from tests.support.engines import Statements, assert_read_where_routed
from tests.support.receiver import Receiver
from tests.support.seed import add_key, add_platforms

DELIVERIES = """query($first: Int, $after: String, $statuses: [WebhookDeliveryStatus!], $eventId: ID) {
  webhookDeliveries(first: $first, after: $after, statuses: $statuses, eventId: $eventId) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node {
      id eventId endpointId url invoiceId version status attemptCount nextAttemptAt finishedAt lastStatusCode lastError
      attempts { number startedAt latencyMs outcome statusCode error }
    } }
  }
}"""
ENDPOINTS = "{ webhookEndpoints { id url eventTypes status description createdAt previousSecretExpiresAt } }"


async def _graphql(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = (await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)).json()
    return body


@pytest.fixture
async def operator(database: Database, data: dict[str, Any]) -> dict[str, str]:
    return (await add_key(database, ["plat_acme"], ["WEBHOOK.VIEW"])).headers


@pytest.fixture
async def delivered(
    database: Database, settings: Settings, client: httpx.AsyncClient, data: dict[str, Any], operator: dict[str, str], tmp_path: Path
) -> list[str]:
    """Three events of the example invoice, each delivered to a receiver that answers 200 and one that answers 500 once."""
    quick = settings.model_copy(update=QUICK)
    good, flaky = Receiver().start(), Receiver().start()
    try:
        flaky.statuses = [500]
        await add_endpoint(database, quick, good, description="good")
        await add_endpoint(database, quick, flaky)
        for number in range(3):
            late = {**data["usage_events"][0], "reference": f"evt-ops-{number}", "value": str(number + 7)}
            await load(database, tmp_path, {"format": data["format"], "usage_events": [late]}, f"ops-{number}.json")
            answer = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers={"X-API-KEY": EXAMPLE_KEY})
            assert answer.status_code == 200
        async with delivering(database, quick):
            await asyncio.to_thread(good.wait_for, 3)
            await asyncio.to_thread(flaky.wait_for, 4)
            while not await _all_finished(client, operator):
                await asyncio.sleep(0.02)
        return [r.event["id"] for r in good.received]
    finally:
        good.stop()
        flaky.stop()


async def _all_finished(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    body = await _graphql(client, headers, DELIVERIES, {"first": 100})
    return all(edge["node"]["status"] == "SUCCEEDED" for edge in body["data"]["webhookDeliveries"]["edges"])


async def test_deliveries_newest_first_with_their_attempts_and_pages(
    client: httpx.AsyncClient, operator: dict[str, str], delivered: list[str]
) -> None:
    body = await _graphql(client, operator, DELIVERIES, {"first": 4})
    connection = body["data"]["webhookDeliveries"]
    assert connection["totalCount"] == 6
    assert connection["pageInfo"]["hasNextPage"] is True
    assert connection["pageInfo"]["hasPreviousPage"] is False
    nodes = [edge["node"] for edge in connection["edges"]]
    rest = await _graphql(client, operator, DELIVERIES, {"first": 4, "after": connection["pageInfo"]["endCursor"]})
    later = rest["data"]["webhookDeliveries"]
    assert later["pageInfo"]["hasNextPage"] is False
    assert later["pageInfo"]["hasPreviousPage"] is True
    nodes += [edge["node"] for edge in later["edges"]]
    assert len({node["id"] for node in nodes}) == 6
    assert [node["version"] for node in nodes] == sorted((node["version"] for node in nodes), reverse=True)
    assert {node["eventId"] for node in nodes} == set(delivered)
    assert all(node["status"] == "SUCCEEDED" and node["finishedAt"] and node["nextAttemptAt"] is None for node in nodes)
    # The flaky endpoint's first delivery (the oldest event) took two attempts: a 500, then a 200.
    retried = [node for node in nodes if node["attemptCount"] == 2]
    assert len(retried) == 1
    assert [(a["number"], a["outcome"], a["statusCode"], a["error"]) for a in retried[0]["attempts"]] == [
        (1, "FAILED", 500, "HTTP 500"),
        (2, "SUCCEEDED", 200, None),
    ]
    assert retried[0]["version"] == 2
    one_event = await _graphql(client, operator, DELIVERIES, {"eventId": delivered[0]})
    assert one_event["data"]["webhookDeliveries"]["totalCount"] == 2
    malformed = await _graphql(client, operator, DELIVERIES, {"after": "not-a-cursor"})
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in malformed["errors"]] == [("INVALID_FIELD", "after")]
    failed = await _graphql(client, operator, DELIVERIES, {"statuses": ["FAILED", "PENDING"]})
    assert failed["data"]["webhookDeliveries"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "endCursor": None},
        "edges": [],
    }


async def test_a_page_costs_the_same_statements_however_many_deliveries_and_attempts(
    database: Database, client: httpx.AsyncClient, operator: dict[str, str], delivered: list[str]
) -> None:
    await _graphql(client, operator, ENDPOINTS)  # warm up (tests/support/engines.py)
    spent = []
    cursor = None
    for variables in ({"first": 1}, {"first": 6}, {"first": 2, "after": "CURSOR"}):
        before = Statements.of(database)
        body = await _graphql(client, operator, DELIVERIES, {**variables, "after": cursor} if "after" in variables else variables)
        spent.append(Statements.of(database) - before)
        edges = body["data"]["webhookDeliveries"]["edges"]
        assert len(edges) == variables["first"]
        cursor = edges[0]["cursor"]
    # The count, the page (with its endpoints), the page's attempts; a cursor needs no lookup. The key was
    # verified by the warm-up and is in the server's credential cache, so no credential read is counted.
    assert [s.total for s in spent] == [3, 3, 3]
    assert_read_where_routed(database, spent[1], credential_checks=0)


async def test_endpoints_never_show_their_secret(client: httpx.AsyncClient, operator: dict[str, str], delivered: list[str]) -> None:
    body = await _graphql(client, operator, ENDPOINTS)
    endpoints = body["data"]["webhookEndpoints"]
    assert [(e["status"], e["eventTypes"], e["previousSecretExpiresAt"]) for e in endpoints] == [
        ("ENABLED", ["INVOICE.UPDATED", "INVOICE_REFRESH_JOB.COMPLETED"], None)
    ] * 2
    assert endpoints[0]["description"] == "good"
    assert "whsec_" not in str(body)


async def test_another_platform_sees_none_of_them_and_the_permission_is_needed(
    database: Database, client: httpx.AsyncClient, delivered: list[str]
) -> None:
    await add_platforms(database, "plat_other")
    other = (await add_key(database, ["plat_other"], ["WEBHOOK.VIEW", "INVOICE.VIEW"])).headers
    for variables in ({}, {"eventId": delivered[0]}):
        body = await _graphql(client, other, DELIVERIES, variables)
        assert body["data"]["webhookDeliveries"]["totalCount"] == 0
    assert (await _graphql(client, other, ENDPOINTS))["data"]["webhookEndpoints"] == []
    viewer = {"X-API-KEY": EXAMPLE_KEY}  # INVOICE.* only
    refused = await _graphql(client, viewer, ENDPOINTS)
    assert refused["errors"][0]["extensions"]["code"] == "USER_NOT_ALLOWED"
    anonymous = await _graphql(client, {}, DELIVERIES)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHORISED"
