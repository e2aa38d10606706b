"""Shared fixtures: real databases (a SQLite file, a throwaway PostgreSQL cluster) and the app.

The integration suite runs every test on three backends (`backend` parameter):

- `sqlite`: a copy of a migrated SQLite file;
- `postgres`: a database cloned from a migrated template on the session's PostgreSQL cluster;
- `postgres-replica`: the same, with the cluster's streaming hot standby as the app's read replica
  (`INVOICEGRAPH_READ_REPLICA_URLS`), so queries and REST GETs read the standby while mutations,
  refreshes, imports and the credential check use the primary (docs/scaling.md). The standby is started
  once per session, the first time a test asks for this backend. Its databases commit with
  `synchronous_commit = remote_apply`: a commit returns once the standby has applied it, so a test
  reads what it just wrote, wherever the read goes. The plain `postgres` backend's databases do not
  wait for the standby.

Nothing is mocked.
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
from tests.support.receiver import Receiver
from tests.support.tenant_guard import TenantGuard

_counter = itertools.count()
BACKENDS = ["sqlite", "postgres", "postgres-replica"]
# The routing's settings on the replica backend. Every commit waits for the standby to apply it, so
# the standby is never stale for a test's database; the lag bound only has to ignore what the lag
# measure sees on an idle primary (WAL of other databases or a checkpoint not yet replayed: the age of
# the last replayed commit, which grows while a test is idle). One health check per `Database` (at its
# first routed read, before any counting) and no retry: a skip would hide a routing problem, and the
# `database` fixture fails the test if its replica was ever skipped.
REPLICA_SETTINGS = {"replica_max_lag_seconds": 3600.0, "replica_check_interval_seconds": 600.0, "replica_retry_seconds": 600.0}
# The shared fixtures wait longer for a connection than a deployment does (5 s): on a loaded two-core
# CI machine a PostgreSQL connect once took over 5 s and failed a test about something else. Tests of
# the connect bound itself build their own settings with a short timeout (test_bounds.py, test_faults.py).
TEST_CONNECT_TIMEOUT_SECONDS = 30.0


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster.start()
    try:
        cluster.psql("CREATE DATABASE template_invoicegraph")
        upgrade(cluster.url("template_invoicegraph"))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of the test's own, with a migrated database `app`: one the test may stop or
    freeze (stopping the session's shared cluster would break other tests)."""
    cluster = PostgresCluster.start()
    try:
        cluster.psql("CREATE DATABASE app")
        upgrade(cluster.url("app"))
        yield cluster
    finally:
        cluster.thaw()  # a test that froze it and failed: let it stop
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_replica(postgres: PostgresCluster) -> Iterator[PostgresCluster]:
    """A streaming hot standby of the session's cluster, its synchronous standby (for the databases that ask)."""
    replica = PostgresCluster.start_replica(postgres)
    try:
        postgres.make_synchronous(replica)
        yield replica
    finally:
        postgres.psql("ALTER SYSTEM RESET synchronous_standby_names", "SELECT pg_reload_conf()")
        replica.stop()


@pytest.fixture(params=BACKENDS)
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
    replicated = backend == "postgres-replica"
    if replicated:
        request.getfixturevalue("postgres_replica")
    # On the replica backend the standby has applied the clone when this returns, and applies every
    # later commit before it returns.
    cluster.create_database(name, "template_invoicegraph", synchronous=replicated)
    yield cluster.url(name)
    cluster.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def read_replica_urls(backend: str, database_url: str, request: pytest.FixtureRequest) -> list[str]:
    """The test database on the standby, on the replica backend; none otherwise."""
    if backend != "postgres-replica":
        return []
    replica: PostgresCluster = request.getfixturevalue("postgres_replica")
    return [replica.url(database_url.rsplit("/", 1)[-1])]


@pytest.fixture
def settings(database_url: str, read_replica_urls: list[str]) -> Settings:
    routing = {"read_replica_urls": read_replica_urls, **REPLICA_SETTINGS} if read_replica_urls else {}
    return Settings(
        database_url=database_url,
        environment="development",
        database_connect_timeout_seconds=TEST_CONNECT_TIMEOUT_SECONDS,
        **routing,
    )


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database.from_settings(settings.model_copy(update={"database_pool_size": 5}))
    try:
        yield db
    finally:
        await db.dispose()
    assert not db.replicas.skips, f"the replica was passed over, its reads went to the primary: {dict(db.replicas.skips)}"


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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback (tests/support/receiver.py), stopped after the test."""
    started = Receiver().start()
    try:
        yield started
    finally:
        started.hold.set()
        started.stop()
