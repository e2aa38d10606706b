"""The schema tests run the real app over a real SQLite file: resolvers, loaders and database included.

Requests go through `create_app` (tests/conftest.py `client`); the data is imported through the import
service (support.py). SQLite only: the same code paths run on PostgreSQL in tests/integration.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from invoicegraph.db.migrate import upgrade
from tests.integration.conftest import api
from tests.support.api import Api
from tests.support.data import load
from tests.support.seed import add_key
from tests.unit.schema.support import schema_data


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated file with the data set imported once; each test gets its own copy of it
    (tests/conftest.py `database_url`), so a test that writes changes only its copy."""
    directory = tmp_path_factory.mktemp("schema-template")
    path = directory / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)

    async def imported() -> None:
        database = Database(url)
        try:
            await load(database, directory, schema_data(), "schema.json")
        finally:
            await database.dispose()

    asyncio.run(imported())
    return path


@pytest.fixture
def data(database: Database) -> dict[str, Any]:
    """The data set, imported in this test's database (a copy of the template above)."""
    return schema_data()


__all__ = ["api"]  # the example key's client (over this module's `data`)


class Keys:
    """API keys of the example platform with only the given permissions."""

    def __init__(self, client: httpx.AsyncClient, database: Database) -> None:
        self.client = client
        self.database = database

    async def api(self, *permissions: str) -> Api:
        key = await add_key(self.database, ["plat_acme"], list(permissions))
        return Api(self.client, key.headers)


@pytest.fixture
def keys(client: httpx.AsyncClient, database: Database, data: dict[str, Any]) -> Keys:
    return Keys(client, database)
