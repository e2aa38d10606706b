"""A PostgreSQL primary and a streaming hot standby (pg_basebackup -R), both on loopback, for the session.

The session's cluster and its one standby (`postgres`, `postgres_replica` in tests/conftest.py, shared
with the `postgres-replica` backend). Each test gets its own database cloned from the migrated template
on the primary (the standby replays the clone), a `Database` split across the two (`split`), and the
app over it. Unlike the backend's databases, these replicate asynchronously, as in most deployments:
a test that reads what it just wrote through a replica waits for the replay first
(`Replication.caught_up`), and a paused replay leaves the standby behind. Nothing is mocked and nothing
skips: if the servers cannot start, these tests fail.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, example, load
from tests.support.postgres import PostgresCluster

HEADERS = {"X-API-KEY": EXAMPLE_KEY}
_names = itertools.count()


@dataclass
class Replication:
    primary: PostgresCluster
    replica: PostgresCluster

    def caught_up(self) -> None:
        self.replica.wait_for_replay(self.primary)

    def pause_replay(self) -> None:
        self.replica.query("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.replica.query("SELECT pg_wal_replay_resume()")


@pytest.fixture(scope="session")
def replication(postgres: PostgresCluster, postgres_replica: PostgresCluster) -> Replication:
    return Replication(postgres, postgres_replica)


@pytest.fixture
def database_name(replication: Replication) -> Iterator[str]:
    name = f"scale_{next(_names)}"
    replication.primary.create_database(name, "template_invoicegraph")
    yield name
    replication.primary.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def split_settings(replication: Replication, database_name: str) -> Settings:
    # No re-check and no retry within a test unless the test says so (`ReplicaSet.check`), so that the
    # statement counters see the requests' statements only; and every request checks its credential on the
    # primary (no credential cache), so that each test can count that check where it runs.
    return Settings(
        database_url=replication.primary.url(database_name),
        read_replica_urls=[replication.replica.url(database_name)],
        replica_max_lag_seconds=30,
        replica_check_interval_seconds=600,
        replica_retry_seconds=600,
        credential_cache_seconds=0,
        environment="development",
    )


@pytest.fixture
async def split(split_settings: Settings) -> AsyncIterator[Database]:
    database = Database.from_settings(split_settings.model_copy(update={"database_pool_size": 4}))
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def loaded(split: Database, replication: Replication, tmp_path: Path) -> dict[str, Any]:
    """The example import file, imported on the primary and replayed by the replica."""
    data = example()
    await load(split, tmp_path, data, "example.json")
    replication.caught_up()
    return data


@pytest.fixture
async def client(split_settings: Settings, split: Database, loaded: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(split_settings, split)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=HEADERS) as http:
        # The first request measures the replica and refreshes the key's last_used_at (a write).
        assert (await http.post("/graphql", json={"query": '{ invoice(id: "x") { id } }'})).status_code == 200
        yield http


@dataclass
class EngineLog:
    """Data statements per engine (primary, replica) since `clear()`; health checks left out."""

    statements: dict[str, list[str]] = field(default_factory=lambda: {"primary": [], "replica": []})

    def clear(self) -> None:
        for found in self.statements.values():
            found.clear()

    @property
    def primary(self) -> list[str]:
        return self.statements["primary"]

    @property
    def replica(self) -> list[str]:
        return self.statements["replica"]

    def listener(self, name: str) -> Callable[..., None]:
        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            text = " ".join(statement.split())
            if text.upper().startswith(
                ("BEGIN", "COMMIT", "ROLLBACK", "SELECT PG_CURRENT_WAL_LSN", "SELECT CASE WHEN NOT PG_IS_IN_RECOVERY")
            ):
                return
            self.statements[name].append(text)

        return record


@pytest.fixture
def engine_log(split: Database) -> Iterator[EngineLog]:
    log = EngineLog()
    engines = {"primary": split.engine, "replica": split.replicas.replicas[0].engine}
    listeners = {name: log.listener(name) for name in engines}
    for name, engine in engines.items():
        event.listen(engine.sync_engine, "before_cursor_execute", listeners[name])
    try:
        yield log
    finally:
        for name, engine in engines.items():
            event.remove(engine.sync_engine, "before_cursor_execute", listeners[name])
