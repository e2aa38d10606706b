"""What a refresh request must get exactly right before anything runs: its query string and headers.

A mutating route must never guess: `?dry_run=yes` or a misspelt `?dryrun=true` once ran a real,
audited refresh; two `X-API-KEY` headers were answered with whichever came first. Each is refused now,
and nothing is written.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
import pytest

from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID
from tests.support.writes import refresh_writes

KEY = {"X-API-KEY": EXAMPLE_KEY}
URL = f"/v1/invoices/{INVOICE_ID}/refresh"


def _error(response: httpx.Response, status: int, code: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert (body["code"], body["field"]) == (code, field), body
    return body


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("query", ["dry_run=1", "dry_run=yes", "dry_run=", "dry_run=true&dry_run=false", "dry_run=maybe"])
async def test_an_unclear_dry_run_is_refused_and_writes_nothing(client: httpx.AsyncClient, database: Database, query: str) -> None:
    before = await refresh_writes(database)
    _error(await client.post(f"{URL}?{query}", headers=KEY), 400, "INVALID_FIELD", "dry_run")
    assert await refresh_writes(database) == before


@pytest.mark.usefixtures("data")
async def test_an_unknown_query_parameter_is_refused(client: httpx.AsyncClient, database: Database) -> None:
    before = await refresh_writes(database)
    body = _error(await client.post(f"{URL}?dryrun=true", headers=KEY), 400, "INVALID_FIELD", "dryrun")
    assert "dryrun" in body["message"]
    assert await refresh_writes(database) == before


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(("query", "writes"), [("dry_run=true", False), ("dry_run=TRUE", False), ("dry_run=false", True), ("", True)])
async def test_true_and_false_mean_what_they_say(client: httpx.AsyncClient, database: Database, query: str, writes: bool) -> None:
    records, _ = await refresh_writes(database)
    response = await client.post(f"{URL}?{query}", headers=KEY)
    assert response.status_code == 200, response.text
    assert ("changes" in response.json()) is not writes
    assert (await refresh_writes(database))[0] == records + writes


@pytest.mark.usefixtures("data")
async def test_an_anonymous_request_is_unauthorised_before_its_query_is_read(client: httpx.AsyncClient) -> None:
    _error(await client.post(f"{URL}?dry_run=maybe"), 401, "UNAUTHORISED", None)


def _token(settings: Settings, **claims: Any) -> str:
    now = int(time.time())
    return jwt.encode(
        {"sub": "svc-billing", "exp": now + 300, "permissions": ["INVOICE.VIEW"], **claims}, settings.jwt_secret, algorithm="HS256"
    )


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    "headers",
    [
        [("X-API-KEY", EXAMPLE_KEY), ("X-API-KEY", "igk_bogus")],
        [("X-API-KEY", "igk_bogus"), ("X-API-KEY", EXAMPLE_KEY)],
        [("X-API-KEY", EXAMPLE_KEY), ("X-API-KEY", EXAMPLE_KEY)],
        [("Authorization", "Bearer TOKEN"), ("Authorization", "Bearer TOKEN")],
        [("X-API-KEY", EXAMPLE_KEY), ("Authorization", "Bearer TOKEN")],
    ],
    ids=["valid-then-bogus", "bogus-then-valid", "same-key-twice", "same-token-twice", "key-and-token"],
)
async def test_exactly_one_credential(client: httpx.AsyncClient, settings: Settings, headers: list[tuple[str, str]]) -> None:
    token = _token(settings, platforms=["plat_acme"])
    sent = [(name, value.replace("TOKEN", token)) for name, value in headers]
    assert (await client.get(f"/v1/invoices/{INVOICE_ID}", headers=sent[:1])).status_code == (401 if "bogus" in sent[0][1] else 200)
    _error(await client.get(f"/v1/invoices/{INVOICE_ID}", headers=sent), 401, "UNAUTHORISED", None)
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers=sent)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHORISED"


@pytest.mark.usefixtures("data")
async def test_one_platform_header(client: httpx.AsyncClient) -> None:
    headers = [("X-API-KEY", EXAMPLE_KEY), ("x-platform-id", "plat_acme"), ("x-platform-id", "plat_acme")]
    _error(await client.get(f"/v1/invoices/{INVOICE_ID}", headers=headers), 400, "INVALID_FIELD", "x-platform-id")


@pytest.mark.usefixtures("data")
async def test_a_token_without_platforms_may_act_on_none(client: httpx.AsyncClient, settings: Settings) -> None:
    headers = {"Authorization": f"Bearer {_token(settings)}"}
    body = _error(await client.get(f"/v1/invoices/{INVOICE_ID}", headers=headers), 403, "USER_NOT_ALLOWED", "x-platform-id")
    assert "any platform" in body["message"]


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
async def test_probes_need_no_credential_but_check_one_that_is_sent(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 200
    assert (await client.get(path, headers=KEY)).status_code == 200  # a multi-platform key: no platform is chosen here
    _error(await client.get(path, headers={"X-API-KEY": "igk_bogus"}), 401, "UNAUTHORISED", None)


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("invoice_id", ["", " ", "%20%20"])
async def test_an_empty_invoice_id_is_malformed_not_unknown(client: httpx.AsyncClient, database: Database, invoice_id: str) -> None:
    before = await refresh_writes(database)
    for query in (
        "mutation($id: ID!) { refreshInvoice(id: $id) { id } }",
        "query($id: ID!) { invoiceRefreshPreview(id: $id) { basedOnVersion } }",
    ):
        body = (
            await client.post("/graphql", json={"query": query, "variables": {"id": invoice_id.replace("%20", " ")}}, headers=KEY)
        ).json()
        [error] = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID_FIELD", "id"), body
    if invoice_id:
        for query in ("", "?dry_run=true"):
            _error(await client.post(f"/v1/invoices/{invoice_id}/refresh{query}", headers=KEY), 400, "INVALID_FIELD", "id")
    assert await refresh_writes(database) == before


@pytest.mark.usefixtures("data")
async def test_a_request_while_its_key_is_in_flight_is_refused(client: httpx.AsyncClient, database: Database) -> None:
    records, _ = await refresh_writes(database)
    headers = {**KEY, "Idempotency-Key": "rest-race-1"}
    responses = await asyncio.gather(*(client.post(URL, json={"types": ["PO_NUMBER"]}, headers=headers) for _ in range(8)))
    statuses = sorted(r.status_code for r in responses)
    # Each other one is refused while the first runs (409) or replays its answer once it has finished
    # (200, Idempotent-Replayed): which, depends on how the eight interleave. It never runs twice.
    assert set(statuses) <= {200, 409}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == "IDEMPOTENCY_CHECK_FAILED"
    executed = [r for r in responses if r.status_code == 200 and "Idempotent-Replayed" not in r.headers]
    assert len(executed) == 1
    assert (await refresh_writes(database))[0] == records + 1
    # Once it has answered, the same request replays it.
    again = await client.post(URL, json={"types": ["PO_NUMBER"]}, headers=headers)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    assert again.content == executed[0].content
