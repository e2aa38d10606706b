"""Idempotency records (services/idempotency.py): who may replay one, whose records they are, how long they stay.

A replay answers a stored response without executing the operation, so it must not skip the checks the
operation makes: it needs the permissions the first request needed. Records and audit identities are
namespaced by credential kind and issuer (`api_key:akey_…`, `jwt:<iss>:<sub>`): a token whose subject is
an API key's id shares nothing with that key. Records stay for the retention (at least 24 hours), and
each credential keeps at most its newest N per platform (the purge, services/maintenance.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import IdempotencyRecord, RefreshRecord
from invoicegraph.services.idempotency import Purged, purge
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID
from tests.support.seed import bearer

pytestmark = pytest.mark.usefixtures("data")

REFRESH = "mutation ($id: ID!) { refreshInvoice(id: $id, types: [PO_NUMBER]) { id version } }"
WITH_HISTORY = "mutation ($id: ID!) { refreshInvoice(id: $id, types: [PO_NUMBER]) { id refreshHistory { totalCount } } }"
REST_URL = f"/v1/invoices/{INVOICE_ID}/refresh"


def token(settings: Settings, permissions: list[str], **claims: Any) -> dict[str, str]:
    return bearer(settings, platforms=["plat_acme"], permissions=permissions, **claims)


async def graphql(client: httpx.AsyncClient, headers: dict[str, str], key: str, query: str = REFRESH) -> httpx.Response:
    payload = {"query": query, "variables": {"id": INVOICE_ID}}
    return await client.post("/graphql", json=payload, headers={**headers, "Idempotency-Key": key})


async def audit_identities(database: Database) -> list[str]:
    async with database.read() as session:
        rows = await session.scalars(
            select(col(RefreshRecord.credential_id))
            .where(col(RefreshRecord.platform_id) == "plat_acme")
            .order_by(col(RefreshRecord.created_at))
        )
        return list(rows)


async def stored_keys(database: Database) -> list[tuple[str, str]]:
    async with database.read() as session:
        rows = await session.execute(
            select(col(IdempotencyRecord.credential_id), col(IdempotencyRecord.key)).where(
                col(IdempotencyRecord.platform_id) == "plat_acme"
            )
        )
        return sorted((row[0], row[1]) for row in rows)


async def test_a_graphql_replay_needs_the_permission_the_refresh_needed(client: httpx.AsyncClient, settings: Settings) -> None:
    first = await graphql(client, token(settings, ["INVOICE.REFRESH"]), "k-perm")
    assert first.json()["data"]["refreshInvoice"]["id"] == INVOICE_ID

    # The same subject, the same request, the same key: a token without INVOICE.REFRESH.
    viewer = await graphql(client, token(settings, ["INVOICE.VIEW"]), "k-perm")

    assert "idempotent-replayed" not in viewer.headers
    body = viewer.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["USER_NOT_ALLOWED"]
    replay = await graphql(client, token(settings, ["INVOICE.REFRESH", "INVOICE.VIEW"]), "k-perm")
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == first.content


async def test_a_replay_needs_the_permissions_of_the_answers_fields_too(client: httpx.AsyncClient, settings: Settings) -> None:
    first = await graphql(client, token(settings, ["INVOICE.REFRESH", "INVOICE.VIEW"]), "k-history", WITH_HISTORY)
    assert first.json()["data"]["refreshInvoice"]["refreshHistory"]["totalCount"] == 1

    refresher = await graphql(client, token(settings, ["INVOICE.REFRESH"]), "k-history", WITH_HISTORY)

    assert "idempotent-replayed" not in refresher.headers
    assert refresher.json()["data"] is None
    assert "totalCount" not in refresher.text


async def test_a_rest_replay_needs_the_refresh_permission(client: httpx.AsyncClient, settings: Settings) -> None:
    headers = {"Idempotency-Key": "k-rest"}
    first = await client.post(REST_URL, json={"types": ["PO_NUMBER"]}, headers={**token(settings, ["INVOICE.REFRESH"]), **headers})
    assert first.status_code == 200

    viewer = await client.post(REST_URL, json={"types": ["PO_NUMBER"]}, headers={**token(settings, ["INVOICE.VIEW"]), **headers})

    assert (viewer.status_code, viewer.json()["code"]) == (403, "USER_NOT_ALLOWED")
    assert "idempotent-replayed" not in viewer.headers


async def test_a_token_whose_subject_is_an_api_key_id_shares_nothing_with_the_key(
    client: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    everything = ["INVOICE.REFRESH", "INVOICE.VIEW"]
    by_key = await graphql(client, {"X-API-KEY": EXAMPLE_KEY}, "k-shared")
    by_token = await graphql(client, token(settings, everything, sub="akey_ops"), "k-shared")
    by_issuer = await graphql(client, token(settings, everything, sub="akey_ops", iss="https://idp.example"), "k-shared")

    for response in (by_token, by_issuer):
        assert "idempotent-replayed" not in response.headers  # each ran its own refresh
    assert [r.json()["data"]["refreshInvoice"]["version"] for r in (by_key, by_token, by_issuer)] == [1, 1, 1]
    identities = ["api_key:akey_ops", "jwt::akey_ops", "jwt:https://idp.example:akey_ops"]
    assert await audit_identities(database) == identities
    assert await stored_keys(database) == sorted((identity, "k-shared") for identity in identities)


async def _age(database: Database, key: str, hours: float) -> None:
    async with database.write() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.platform_id) == "plat_acme", col(IdempotencyRecord.key) == key)
            .values(created_at=datetime.now(UTC) - timedelta(hours=hours))
        )


@pytest.mark.parametrize(("retention", "replayed"), [(48, True), (24, False)])
async def test_a_replay_follows_the_retention_setting(settings: Settings, database: Database, retention: int, replayed: bool) -> None:
    app = create_app(settings.model_copy(update={"idempotency_retention_hours": retention}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await graphql(client, {"X-API-KEY": EXAMPLE_KEY}, "k-aged")
        await _age(database, "k-aged", 30)
        again = await graphql(client, {"X-API-KEY": EXAMPLE_KEY}, "k-aged")
    assert ("idempotent-replayed" in again.headers) is replayed


async def _add_records(database: Database, credential: str, ages_in_hours: list[float]) -> None:
    now = datetime.now(UTC)
    async with database.write() as session:
        session.add_all(
            IdempotencyRecord(
                platform_id="plat_acme",
                credential_id=credential,
                key=f"{credential}-{index}",
                request_hash="h",
                state="DONE",
                response_status=200,
                response_body="{}",
                response_headers={"content-type": "application/json"},
                created_at=now - timedelta(hours=age),
            )
            for index, age in enumerate(ages_in_hours)
        )


async def test_the_purge_removes_expired_records_and_keeps_each_credentials_newest(database: Database) -> None:
    await _add_records(database, "api_key:akey_busy", [0.5, 0.1, 0.4, 0.2, 0.3])  # keys 0..4, newest: 1, 3, 4
    await _add_records(database, "api_key:akey_calm", [1, 49])  # one past the retention

    purged = await purge(database, retention=timedelta(hours=48), keep=3)

    assert purged == Purged(expired=1, trimmed=2)
    assert await stored_keys(database) == [
        ("api_key:akey_busy", "api_key:akey_busy-1"),
        ("api_key:akey_busy", "api_key:akey_busy-3"),
        ("api_key:akey_busy", "api_key:akey_busy-4"),
        ("api_key:akey_calm", "api_key:akey_calm-0"),
    ]
