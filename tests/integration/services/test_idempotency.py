"""Idempotency records (services/idempotency.py): who may replay one, and whose records they are.

A replay answers a stored response without executing the operation, so it must not skip the checks the
operation makes: it needs the permissions the first request needed. Records and audit identities are
namespaced by credential kind and issuer (`api_key:akey_…`, `jwt:<iss>:<sub>`): a token whose subject is
an API key's id shares nothing with that key.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import IdempotencyRecord, RefreshRecord
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
