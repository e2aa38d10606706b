"""Real faults for the error paths: nothing of ours is patched to raise.

`connection_lost_before(database, table)` waits for the first statement that reads `table` (on the
primary or a replica) and breaks the connection it is about to run on:

- PostgreSQL: the server terminates that backend (`pg_terminate_backend`, what an administrator, a
  failover or an idle-session killer does), so the statement meets a dead socket;
- SQLite: the database file is replaced by a directory just before the request opens the connection
  of that read, so it cannot open the file ("unable to open database file", what a lost volume or a
  removed file gives). The test empties the pool first; which connect is the read's is measured
  (`connects_of`) on the same request on an empty pool beforehand: the request's last, whether or not
  the credential check opened one before it.

`add_unreadable_invoice` stores a row that our readers cannot read: the unexpected-error path.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine import Connection

from invoicegraph.db.engine import Database, sqlite_file
from invoicegraph.db.tables import Invoice
from tests.support.postgres import _binary


@dataclass
class Fault:
    """What was broken: the backend pids terminated, or the SQLite file moved away."""

    terminated: list[int] = field(default_factory=list)
    moved: Path | None = None


def _terminate(conn: Connection) -> int:
    pid: int = conn.connection.driver_connection.get_server_pid()  # type: ignore[union-attr]
    url = conn.engine.url
    dsn = f"postgresql://{url.username}@{url.host}:{url.port}/postgres"
    subprocess.run(
        [_binary("psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", f"SELECT pg_terminate_backend({pid}, 10000)"],
        check=True,
        capture_output=True,
    )
    return pid


@contextmanager
def connects_of(database: Database) -> Iterator[list[int]]:
    """Counts the DBAPI connections opened while the block runs (one element per connect)."""
    opened: list[int] = []

    def note(*_: Any) -> None:
        opened.append(len(opened))

    event.listen(database.engine.sync_engine, "do_connect", note)
    try:
        yield opened
    finally:
        event.remove(database.engine.sync_engine, "do_connect", note)


@contextmanager
def connection_lost_before(database: Database, table: str, *, sqlite_connects: int) -> Iterator[Fault]:
    """`sqlite_connects`: how many connections the request opens on SQLite, the last one for the read."""
    fault = Fault()
    reads = re.compile(rf"\bFROM {table}\b")
    engines = [database.engine.sync_engine, *(replica.engine.sync_engine for replica in database.replicas.replicas)]
    sqlite = database.engine.dialect.name == "sqlite"
    connects: list[int] = []

    def before(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if not sqlite and not fault.terminated and reads.search(statement):
            fault.terminated.append(_terminate(conn))

    def connecting(*_: Any) -> None:
        connects.append(len(connects))
        if len(connects) == sqlite_connects and fault.moved is None:
            # The file the URL names (the engine's own URL is a read-write `file:` URI, db/engine.py).
            path = sqlite_file(database.url)
            assert path is not None
            fault.moved = path.rename(path.with_name(path.name + ".lost"))
            path.mkdir()

    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    if sqlite:
        event.listen(database.engine.sync_engine, "do_connect", connecting)
    try:
        yield fault
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)
        if sqlite:
            event.remove(database.engine.sync_engine, "do_connect", connecting)
        if fault.moved is not None:
            original = fault.moved.with_name(fault.moved.name.removesuffix(".lost"))
            original.rmdir()
            fault.moved.rename(original)


async def add_unreadable_invoice(database: Database, platform_id: str, invoice_id: str) -> None:
    """An invoice row whose stored document is a JSON list, not the object every reader expects.

    What a hand edit or a faulty migration leaves behind: reading the invoice fails inside our own
    code with a real exception that no coded error covers (the unexpected-error path), on every backend.
    """
    now = datetime.now(UTC)
    async with database.write() as session:
        session.add(
            Invoice(
                platform_id=platform_id,
                id=invoice_id,
                status="DRAFT",
                type="STANDARD",
                customer_id="cust_x",
                billing_entity_id="enti_x",
                billing_currency="EUR",
                created_at=now,
                updated_at=now,
                document=cast(Any, ["not", "an", "invoice"]),
            )
        )
