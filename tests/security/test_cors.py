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
