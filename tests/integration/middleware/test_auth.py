"""Authentication and platform selection over HTTP (docs/api.md), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.graphql.anonymous import checks_credential
from invoicegraph.schema.build import build_schema
from invoicegraph.services.api_keys import revoke_api_key
from invoicegraph.settings import Settings
from tests.support.seed import add_key, add_platforms, bearer

DATA_QUERY = {"query": '{ invoice(id: "invo_x") { id } }'}


async def _post(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, object] = DATA_QUERY) -> httpx.Response:
    return await client.post("/graphql", json=body, headers=headers)


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


@pytest.fixture
async def platforms(database: Database) -> None:
    await add_platforms(database, "plat_a", "plat_b")


async def test_anonymous_may_ask_for_typename_only(client: httpx.AsyncClient) -> None:
    response = await _post(client, {}, {"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    # docs/api.md: every data field answers UNAUTHORISED, at its own path; `__typename` still answers.
    refused = await _post(client, {}, {"query": '{ __typename invoice(id: "invo_x") { id } other: invoice(id: "invo_y") { id } }'})
    assert refused.status_code == 200
    body = refused.json()
    assert body["data"] == {"__typename": "Query", "invoice": None, "other": None}
    assert sorted((error["path"], error["extensions"]["code"]) for error in body["errors"]) == [
        (["invoice"], "UNAUTHORISED"),
        (["other"], "UNAUTHORISED"),
    ]


async def test_anonymous_federation_fields_are_refused(client: httpx.AsyncClient) -> None:
    response = await _post(client, {}, {"query": "{ _service { sdl } }"})
    assert _code(response) == "UNAUTHORISED"
    assert "sdl" not in response.text


async def test_anonymous_introspection_allowed_in_development(client: httpx.AsyncClient) -> None:
    response = await _post(client, {}, {"query": "{ __schema { queryType { name } } }"})
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.usefixtures("platforms")
async def test_valid_key_with_one_platform_needs_no_platform_header(client: httpx.AsyncClient, database: Database) -> None:
    key = await add_key(database, ["plat_a"])
    response = await _post(client, key.headers)
    assert response.status_code == 200
    assert response.json() == {"data": {"invoice": None}}


@pytest.mark.usefixtures("platforms")
async def test_key_with_several_platforms_needs_the_header(client: httpx.AsyncClient, database: Database) -> None:
    key = await add_key(database, ["plat_a", "plat_b"])
    missing = await _post(client, key.headers)
    assert missing.status_code == 400
    assert _code(missing) == "MISSING_FIELD"
    assert missing.json()["errors"][0]["extensions"]["field"] == "x-platform-id"
    chosen = await _post(client, {**key.headers, "x-platform-id": "plat_b"})
    assert chosen.status_code == 200


@pytest.mark.usefixtures("platforms")
async def test_foreign_and_unknown_platforms_look_the_same(client: httpx.AsyncClient, database: Database) -> None:
    key = await add_key(database, ["plat_a"])
    foreign = await _post(client, {**key.headers, "x-platform-id": "plat_b"})
    unknown = await _post(client, {**key.headers, "x-platform-id": "plat_nope"})
    assert foreign.status_code == unknown.status_code == 403
    assert foreign.json() == unknown.json()
    assert _code(foreign) == "USER_NOT_ALLOWED"


@pytest.mark.usefixtures("platforms")
@pytest.mark.parametrize("case", ["unknown", "revoked", "expired", "both-headers"])
async def test_refused_credentials_get_401_on_every_route(
    client: httpx.AsyncClient, database: Database, settings: Settings, case: str
) -> None:
    key = await add_key(database, ["plat_a"])
    headers = {"X-API-KEY": key.key}
    if case == "unknown":
        headers = {"X-API-KEY": "igk_" + "x" * 43}
    elif case == "revoked":
        assert await revoke_api_key(database, key.id)
    elif case == "expired":
        expired = await add_key(database, ["plat_a"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
        headers = expired.headers
    else:
        headers = {**headers, **bearer(settings, platforms=["plat_a"])}
    graphql = await _post(client, headers)
    assert graphql.status_code == 401
    assert _code(graphql) == "UNAUTHORISED"
    rest = await client.get("/v1/invoices/invo_x", headers=headers)
    assert rest.status_code == 401
    assert rest.json()["code"] == "UNAUTHORISED"
    assert rest.json()["type"] == "INVALID_REQUEST"


@pytest.mark.usefixtures("platforms")
async def test_bearer_token_selects_platform_and_permissions(client: httpx.AsyncClient, settings: Settings) -> None:
    ok = await _post(client, bearer(settings, platforms=["plat_a"]))
    assert ok.status_code == 200
    assert ok.json() == {"data": {"invoice": None}}
    # A token may name a platform that does not exist: same answer as a foreign one.
    ghost = await _post(client, bearer(settings, platforms=["plat_ghost"]))
    assert ghost.status_code == 403
    no_permission = await _post(client, bearer(settings, platforms=["plat_a"], permissions=["INVOICE.REFRESH"]))
    assert _code(no_permission) == "USER_NOT_ALLOWED"


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    made = await client.get("/healthz")
    assert made.headers["x-request-id"].startswith("reqr_")
    echoed = await client.get("/healthz", headers={"X-REQUEST-ID": "reqr_abc123"})
    assert echoed.headers["x-request-id"] == "reqr_abc123"
    invalid = await client.get("/healthz", headers={"X-REQUEST-ID": "reqr_<script>"})
    assert invalid.headers["x-request-id"] != "reqr_<script>"
    refused = await client.post("/graphql", json=DATA_QUERY, headers={"X-API-KEY": "nope"})
    assert refused.headers["x-request-id"].startswith("reqr_")


async def test_rest_without_credential_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/invoices/invo_x")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORISED"


async def test_readiness_reports_migrations_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_every_root_field_checks_the_credential_itself() -> None:
    # The anonymous gate lets guarded root fields run so that each answers UNAUTHORISED at its path;
    # a root field without a check would be refused whole by the gate (graphql/anonymous.py).
    schema = build_schema()._schema
    for root in (schema.query_type, schema.mutation_type):
        assert root is not None
        unchecked = [name for name in root.fields if not checks_credential(root, name)]
        assert unchecked == [], f"{root.name} fields without a permission check: {unchecked}"


async def test_anonymous_entities_are_unauthorised_before_any_other_check(client: httpx.AsyncClient) -> None:
    query = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
    response = await _post(client, {}, {"query": query, "variables": {"r": [{"__typename": "Invoice", "id": "x"}] * 500}})
    assert [(e["path"], e["extensions"]["code"]) for e in response.json()["errors"]] == [(["_entities"], "UNAUTHORISED")]


async def _get_once(settings: Settings, database: Database, headers: dict[str, str]) -> None:
    app = create_app(settings.model_copy(update={"credential_cache_seconds": 0}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        assert (await client.get("/v1/invoices/invo_x", headers=headers)).status_code == 404


@pytest.mark.usefixtures("platforms")
async def test_a_verified_key_is_not_read_again_within_the_cache_ttl(settings: Settings, database: Database) -> None:
    """The second request of a key runs one statement less: its credential came from the cache."""
    key = await add_key(database, ["plat_a"])
    await _get_once(settings, database, key.headers)  # the key's first use notes last_used_at (a write)
    app = create_app(settings.model_copy(update={"credential_cache_seconds": 300}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        before = database.counter.total
        assert (await client.get("/v1/invoices/invo_x", headers=key.headers)).status_code == 404
        first = database.counter.total - before
        before = database.counter.total
        assert (await client.get("/v1/invoices/invo_x", headers=key.headers)).status_code == 404
        assert database.counter.total - before == first - 1


@pytest.mark.usefixtures("platforms")
async def test_a_revoked_key_is_refused_once_the_cache_ttl_has_passed(settings: Settings, database: Database) -> None:
    """Revocation by another process is bounded by the ttl: the cached key is refused after it."""
    key = await add_key(database, ["plat_a"])
    app = create_app(settings.model_copy(update={"credential_cache_seconds": 0.5}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        assert (await client.get("/v1/invoices/invo_x", headers=key.headers)).status_code == 404
        assert await revoke_api_key(database, key.id)
        deadline = asyncio.get_running_loop().time() + 60
        while (response := await client.get("/v1/invoices/invo_x", headers=key.headers)).status_code != 401:
            assert response.status_code == 404
            assert asyncio.get_running_loop().time() < deadline, "the revoked key was still accepted after a minute"
            await asyncio.sleep(0.1)
        assert response.json()["code"] == "UNAUTHORISED"


@pytest.mark.usefixtures("platforms")
async def test_without_the_cache_a_revoked_key_stops_at_once(settings: Settings, database: Database) -> None:
    key = await add_key(database, ["plat_a"])
    app = create_app(settings.model_copy(update={"credential_cache_seconds": 0}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        assert (await client.get("/v1/invoices/invo_x", headers=key.headers)).status_code == 404
        assert await revoke_api_key(database, key.id)
        assert (await client.get("/v1/invoices/invo_x", headers=key.headers)).status_code == 401
