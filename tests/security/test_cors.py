"""CORS: an explicit allow-list (`INVOICEGRAPH_CORS_ALLOW_ORIGINS`), empty by default."""

from __future__ import annotations

import pytest

from invoicegraph.app import create_app
from invoicegraph.middleware.cors import InvalidCorsSetting
from tests.security.conftest import Server, ServerFactory, production_settings

PREFLIGHT = {"access-control-request-method": "POST", "access-control-request-headers": "content-type, x-api-key"}


async def test_no_cors_headers_by_default(prod: Server) -> None:
    preflight = await prod.client.options("/graphql", headers={"origin": "https://app.example", **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers
    simple = await prod.client.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": "https://app.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_listed_origins_only(make_server: ServerFactory) -> None:
    server: Server = await make_server(cors_allow_origins=["https://app.example"])
    allowed = await server.client.options("/graphql", headers={"origin": "https://app.example", **PREFLIGHT})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    refused = await server.client.options("/graphql", headers={"origin": "https://evil.example", **PREFLIGHT})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    simple = await server.client.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": "https://app.example"})
    assert simple.headers["access-control-allow-origin"] == "https://app.example"
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()


def test_a_wildcard_origin_is_refused(database_url: str) -> None:
    with pytest.raises(InvalidCorsSetting):
        create_app(production_settings(database_url, cors_allow_origins=["*"]))


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost"])
async def test_development_allows_the_local_dev_servers_by_default(make_server: ServerFactory, origin: str) -> None:
    # Given the development environment and no CORS setting (what `make run` serves)
    server: Server = await make_server(environment="development")

    # When a browser on a local dev server asks before a POST with a key, then posts
    preflight = await server.client.options("/graphql", headers={"origin": origin, **PREFLIGHT})
    simple = await server.client.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": origin})

    # Then both are allowed for that origin, without credentials
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "x-platform-id" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers
    assert simple.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize(
    "origin", ["https://localhost:5173", "http://localhost.evil.example", "http://evil.example:5173", "http://127.0.0.1.nip.io:80"]
)
async def test_development_allows_no_other_origin(make_server: ServerFactory, origin: str) -> None:
    server: Server = await make_server(environment="development")
    preflight = await server.client.options("/graphql", headers={"origin": origin, **PREFLIGHT})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


async def test_an_empty_list_turns_cors_off_in_development(make_server: ServerFactory) -> None:
    server: Server = await make_server(environment="development", cors_allow_origins=[])
    preflight = await server.client.options("/graphql", headers={"origin": "http://localhost:5173", **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers


async def test_a_configured_origin_may_name_any_port(make_server: ServerFactory) -> None:
    # Given production, configured for one host on any port
    server: Server = await make_server(cors_allow_origins=["https://admin.example:*"])
    allowed = await server.client.options("/graphql", headers={"origin": "https://admin.example:8443", **PREFLIGHT})
    other = await server.client.options("/graphql", headers={"origin": "https://admin.example.evil:8443", **PREFLIGHT})
    assert allowed.headers["access-control-allow-origin"] == "https://admin.example:8443"
    assert "access-control-allow-origin" not in other.headers


async def test_a_refusal_before_graphql_is_readable_by_the_allowed_origin(make_server: ServerFactory) -> None:
    # A browser must be able to read why it was refused (a bad key), or it sees only "CORS error".
    server: Server = await make_server(environment="development")
    response = await server.client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"origin": "http://localhost:5173", "x-api-key": "igk_unknown", "accept": "application/graphql-response+json"},
    )
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHORISED"
