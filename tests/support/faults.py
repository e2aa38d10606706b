"""Real database faults at a chosen statement: nothing of ours is patched, the connection itself breaks.

`connection_lost_before(database, table)` waits for the first statement that reads `table` (on the
primary or a replica) and breaks the connection it is about to run on:

- PostgreSQL: the server terminates that backend (`pg_terminate_backend`, what an administrator, a
  failover or an idle-session killer does), so the statement meets a dead socket;
- SQLite (one connection per checkout, db/engine.py): the database file is replaced by a directory
  just after the credential check, so the next connection cannot open it ("unable to open database
  file", what a lost volume or a removed file gives).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from invoicegraph.db.engine import Database
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
def connection_lost_before(database: Database, table: str) -> Iterator[Fault]:
    fault = Fault()
    reads = re.compile(rf"\bFROM {table}\b")
    engines = [database.engine.sync_engine, *(replica.engine.sync_engine for replica in database.replicas.replicas)]
    sqlite = database.engine.dialect.name == "sqlite"

    def before(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if not sqlite and not fault.terminated and reads.search(statement):
            fault.terminated.append(_terminate(conn))

    def after(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        # The credential check has read its key: from here on the file cannot be opened.
        if sqlite and fault.moved is None and "FROM api_key" in statement:
            path = Path(str(conn.engine.url.database))
            fault.moved = path.rename(path.with_name(path.name + ".lost"))
            path.mkdir()

    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
    try:
        yield fault
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        if fault.moved is not None:
            original = fault.moved.with_name(fault.moved.name.removesuffix(".lost"))
            original.rmdir()
            fault.moved.rename(original)
