"""The production configuration over HTTP (SQLite is enough: nothing here depends on the backend).

`prod` is an app built with `ENVIRONMENT=production` settings (introspection, suggestions and GraphiQL
off) on a migrated database with two platforms and a key for the first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.support.seed import Key, add_key, add_platforms

PRODUCTION_SECRET = "production-test-secret-of-at-least-32-characters"


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def production_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "environment": "production",
        "jwt_secret": PRODUCTION_SECRET,
        "allow_sqlite_in_production": True,
        **overrides,
    }
    return Settings(**values)


@dataclass
class Server:
    client: httpx.AsyncClient
    key: Key
    settings: Settings

    @property
    def headers(self) -> dict[str, str]:
        return self.key.headers

    async def graphql(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return await self.client.post("/graphql", json=body, headers={**self.headers, **headers})


ServerFactory = Callable[..., Any]


@pytest.fixture
async def make_server(database: Database, database_url: str) -> AsyncIterator[ServerFactory]:
    await add_platforms(database, "plat_a", "plat_b")
    key = await add_key(database, ["plat_a"])
    clients: list[httpx.AsyncClient] = []

    async def make(**overrides: Any) -> Server:
        settings = production_settings(database_url, **overrides)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings, database)), base_url="http://testserver")
        clients.append(client)
        return Server(client, key, settings)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def prod(make_server: ServerFactory) -> Server:
    server: Server = await make_server()
    return server


def error_of(response: httpx.Response) -> dict[str, Any]:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    error: dict[str, Any] = errors[0]
    return error
