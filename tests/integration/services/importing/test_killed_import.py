"""A worker killed (SIGKILL) in the middle of `invoicegraph import` loses nothing and leaves nothing
half-written: the file is one transaction, PostgreSQL rolls it back when the connection dies, and the
same file imports completely afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from invoicegraph.db.engine import Database
from invoicegraph.demo.generate import generate
from invoicegraph.services.importing import import_files
from tests.support.postgres import PostgresCluster
from tests.support.tenant_guard import tenant_tables

INVOICES, EVENTS_PER_INVOICE = 100, 60


# PostgreSQL only: the test watches the server roll back a dead connection's transaction. Not on the
# replica backend either: `invoicegraph import` writes and reads the primary only, so a standby would
# change nothing the test observes.
@pytest.fixture(params=["postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _counts(database: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with database.read() as session:
        for name in sorted(tenant_tables() | {"platform"}):
            table = SQLModel.metadata.tables[name]
            counts[name] = (await session.execute(select(func.count()).select_from(table))).scalar_one()
    return counts


def _writing(cluster: PostgresCluster, database_name: str) -> bool:
    # Inside its transaction, inserting, and already holding a transaction id: it has written rows.
    sql = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database_name}' AND xact_start IS NOT NULL AND backend_xid IS NOT NULL AND state <> 'idle' AND query ILIKE 'INSERT%'"  # noqa: S608  (our fixture's database name)
    busy = cluster.query(sql)
    return int(busy or 0) > 0


def _connections(cluster: PostgresCluster, database_name: str) -> int:
    sql = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database_name}' AND pid <> pg_backend_pid()"  # noqa: S608  (our fixture's database name)
    return int(cluster.query(sql) or 0)


@pytest.mark.postgres
async def test_a_killed_import_writes_nothing_and_the_file_imports_afterwards(
    database: Database, database_url: str, postgres: PostgresCluster, tmp_path: Path
) -> None:
    path = tmp_path / "large.json"
    with path.open("w") as out:
        generate(out, platforms=1, customers=20, invoices=INVOICES, events_per_invoice=EVENTS_PER_INVOICE, seed=11)
    name = database_url.rsplit("/", 1)[-1]
    env = {**os.environ, "INVOICEGRAPH_DATABASE_URL": database_url}
    command = [str(Path(sys.executable).parent / "invoicegraph"), "import", "--no-progress", str(path)]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _writing(postgres, name):
            assert worker.poll() is None, "the import finished before it could be killed: make the file larger"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.05)
        assert worker.poll() is None, "the import finished before it could be killed: make the file larger"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == -signal.SIGKILL
    # The server notices the dead connection and rolls its transaction back.
    deadline = time.monotonic() + 30
    while _connections(postgres, name) > 0 and time.monotonic() < deadline:
        time.sleep(0.05)

    assert set((await _counts(database)).values()) == {0}, await _counts(database)

    report = await import_files(database, [path], progress=False)
    assert report.ok, report.summary()
    counts = await _counts(database)
    assert counts["usage_event"] == INVOICES * EVENTS_PER_INVOICE
    assert counts["invoice"] == INVOICES
