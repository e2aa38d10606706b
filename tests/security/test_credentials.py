"""Credential attacks over HTTP, on the production configuration: every one is `UNAUTHORISED` (401)
on GraphQL and REST alike, or `USER_NOT_ALLOWED` (403) for a platform the credential does not have."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import update
from sqlmodel import col

from invoicegraph.auth.keys import hash_key, key_prefix
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import ApiKey, ApiKeyPlatform
from invoicegraph.services.api_keys import revoke_api_key
from tests.security.conftest import PRODUCTION_SECRET, Server, ServerFactory, error_of
from tests.support.seed import add_key

QUERY = {"query": "{ invoices(first: 1) { edges { cursor } } }"}


def claims(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"sub": "user-1", "exp": int(time.time()) + 300, "platforms": ["plat_a"], "permissions": ["INVOICE.VIEW"]}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def token(payload: dict[str, Any], key: str | None = PRODUCTION_SECRET, algorithm: str = "HS256", **headers: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + jwt.encode(payload, key, algorithm=algorithm, headers=headers or None)}


async def assert_refused(server: Server, headers: dict[str, str], status: int = 401, code: str = "UNAUTHORISED") -> None:
    graphql = await server.client.post("/graphql", json=QUERY, headers=headers)
    assert graphql.status_code == status, graphql.text
    assert error_of(graphql)["extensions"]["code"] == code
    rest = await server.client.get("/v1/invoices/invo_1", headers=headers)
    assert rest.status_code == status
    assert rest.json()["code"] == code


async def test_a_valid_token_is_accepted(prod: Server) -> None:
    response = await prod.client.post("/graphql", json=QUERY, headers=token(claims()))
    assert response.json() == {"data": {"invoices": {"edges": []}}}


TOKENS: dict[str, Callable[[], dict[str, str]]] = {
    "alg-none": lambda: token(claims(), None, "none"),
    "alg-none-uppercase": lambda: {"Authorization": "Bearer " + _forge_none("NONE")},
    "wrong-algorithm-hs512": lambda: token(claims(), PRODUCTION_SECRET * 2, "HS512"),
    "hs256-with-another-secret": lambda: token(claims(), "another-secret-that-is-long-enough-for-hs256"),
    "expired": lambda: token(claims(exp=int(time.time()) - 3600)),
    "not-yet-valid": lambda: token(claims(nbf=int(time.time()) + 3600)),
    "no-expiry": lambda: token(claims(exp=None)),
    "unknown-key-id": lambda: token(claims(), kid="kid-nobody-knows"),
    "rs256-without-a-jwks": lambda: {"Authorization": "Bearer " + _forge_header({"alg": "RS256", "kid": "k1", "typ": "JWT"})},
    "garbage": lambda: {"Authorization": "Bearer not.a.token"},
    "basic-scheme": lambda: {"Authorization": "Basic dXNlcjpwYXNz"},
}


def _forge_none(alg: str) -> str:
    return _forge_header({"alg": alg, "typ": "JWT"})


def _forge_header(header: dict[str, Any]) -> str:
    import base64
    import json

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64(header)}.{b64(claims())}."


@pytest.mark.parametrize("case", sorted(TOKENS))
async def test_token_attacks_are_refused(prod: Server, case: str) -> None:
    await assert_refused(prod, TOKENS[case]())


@pytest.mark.parametrize("claim", ["aud", "iss"])
async def test_wrong_audience_or_issuer_is_refused(make_server: ServerFactory, claim: str) -> None:
    server: Server = await make_server(jwt_audience="invoicegraph", jwt_issuer="https://issuer.example")
    good = {"aud": "invoicegraph", "iss": "https://issuer.example"}
    ok = await server.client.post("/graphql", json=QUERY, headers=token(claims(**good)))
    assert ok.status_code == 200
    await assert_refused(server, token(claims(**{**good, claim: "someone-else"})))
    await assert_refused(server, token(claims(**{k: v for k, v in good.items() if k != claim})))


async def test_a_token_for_another_platform_is_not_allowed(prod: Server) -> None:
    await assert_refused(prod, {**token(claims()), "x-platform-id": "plat_b"}, 403, "USER_NOT_ALLOWED")
    await assert_refused(prod, token(claims(platforms=["plat_b"])) | {"x-platform-id": "plat_a"}, 403, "USER_NOT_ALLOWED")


async def test_api_key_revoked(prod: Server, database: Database) -> None:
    assert await revoke_api_key(database, prod.key.id)
    await assert_refused(prod, prod.headers)


async def test_api_key_inactive(prod: Server, database: Database) -> None:
    async with database.write() as session:
        await session.execute(update(ApiKey).where(col(ApiKey.id) == prod.key.id).values(status="INACTIVE"))
    await assert_refused(prod, prod.headers)


async def test_api_key_expired(prod: Server, database: Database) -> None:
    expired = await add_key(database, ["plat_a"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    await assert_refused(prod, expired.headers)


async def test_api_key_for_another_platform(prod: Server, database: Database) -> None:
    await assert_refused(prod, {**prod.headers, "x-platform-id": "plat_b"}, 403, "USER_NOT_ALLOWED")
    other = await add_key(database, ["plat_b"])
    await assert_refused(prod, {**other.headers, "x-platform-id": "plat_a"}, 403, "USER_NOT_ALLOWED")


async def test_api_key_unknown_or_malformed(prod: Server) -> None:
    for value in ("igk_" + "x" * 43, prod.key.key[:-1], prod.key.key + "x", "", " " + prod.key.key):
        response = await prod.client.post("/graphql", json=QUERY, headers={"X-API-KEY": value})
        assert response.status_code == 401, value


async def test_two_credentials_at_once_are_refused(prod: Server) -> None:
    await assert_refused(prod, {**prod.headers, **token(claims())})


async def _demo_key(database: Database) -> dict[str, str]:
    """A key with the demo prefix, ACTIVE, as an import of the demo file (or a copy of it) leaves it."""
    key = "igk_demo_imported_later_000000000000000000000"
    async with database.write() as session:
        session.add(
            ApiKey(
                id="akey_demo_later",
                name="demo",
                key_prefix=key_prefix(key),
                key_hash=hash_key(key),
                status="ACTIVE",
                permissions=["ADMINISTRATOR"],
                created_at=datetime.now(UTC),
            )
        )
        await session.flush()
        session.add(ApiKeyPlatform(platform_id="plat_a", api_key_id="akey_demo_later"))
    return {"X-API-KEY": key}


async def test_production_refuses_a_demo_key_at_every_request(make_server: ServerFactory, database: Database) -> None:
    # The startup check saw no demo key; one that became active afterwards must not work either.
    prod = await make_server()
    headers = await _demo_key(database)
    await assert_refused(prod, headers)
    development = await make_server(environment="development")
    assert (await development.client.post("/graphql", json=QUERY, headers=headers)).json() == {"data": {"invoices": {"edges": []}}}


async def test_a_token_whose_identity_could_not_be_stored_is_refused(prod: Server) -> None:
    # `jwt:<iss>:<sub>` is what idempotency and audit records store (at most 255 characters).
    await assert_refused(prod, token(claims(sub="u" * 251)))
    response = await prod.client.post("/graphql", json=QUERY, headers=token(claims(sub="u" * 250)))
    assert response.json() == {"data": {"invoices": {"edges": []}}}
