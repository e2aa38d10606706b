"""Shared fixtures: real databases (a SQLite file, a throwaway PostgreSQL cluster) and the app.

The integration suite runs every test on both backends (`backend` parameter). Each test gets a fresh,
migrated database: a copy of a migrated SQLite file, or a PostgreSQL database cloned from a migrated
template. Nothing is mocked.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.db.migrate import upgrade
from invoicegraph.settings import Settings
from tests.support.postgres import PostgresCluster
from tests.support.tenant_guard import TenantGuard

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster.start()
    try:
        cluster.psql("CREATE DATABASE template_invoicegraph")
        upgrade(cluster.url("template_invoicegraph"))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "invoicegraph.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    name = f"test_{next(_counter)}"
    cluster.psql(f"CREATE DATABASE {name} TEMPLATE template_invoicegraph")
    yield cluster.url(name)
    cluster.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, environment="development")


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(settings.database_url, pool_size=5)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(autouse=True)
def tenant_guard() -> Iterator[TenantGuard]:
    """Fails a test whose code ran a statement on a tenant table without platform_id (tenant_guard.py)."""
    with TenantGuard().installed() as guard:
        yield guard
    assert not guard.violations, "unscoped tenant statements:\n" + "\n".join(map(str, guard.violations[:5]))


@pytest.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
