"""Safety net: a SQL statement that reads or writes tenant rows without `platform_id` fails the test.

Installed on every SQLAlchemy engine of the test process (a `before_cursor_execute` listener on the
`Engine` class) by an autouse fixture in `tests/conftest.py`. It parses the SQL text that reaches the
driver: for every tenant table a SELECT, UPDATE or DELETE names (in FROM, JOIN, UPDATE or DELETE
FROM, with its alias), the statement must constrain that table's `platform_id` in a WHERE or ON
clause (`alias.platform_id`, or bare `platform_id` when only one table is named). A join on `id`
alone is exactly the bug it exists for: ids chosen by import files repeat across platforms.

Allowed: INSERTs whose column list has `platform_id`, DDL and Alembic's own statements, transaction
control, statements issued by test code itself (the innermost frame of ours is under `tests/`: an
assertion that counts rows on every platform on purpose), statements under `allow_unscoped()`, and
statements that say they serve every platform (`/* all platforms */`, db/all_platforms.py: the event
dispatcher, delivery claims and retention purges, which work for all tenants by design).
Every statement of `invoicegraph` itself is checked; a violation names the source line.

Tenant tables are every table of the metadata except the global ones (`GLOBAL_TABLES`).
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import FrameType
from typing import Any

import greenlet
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import invoicegraph.db.tables  # noqa: F401  (fills SQLModel.metadata)
from invoicegraph.db.all_platforms import ALL_PLATFORMS

# `api_key_platform` joins a credential to its platforms: it is read to learn the platform, so it
# cannot be scoped by it (the credential decides the tenant, docs/api.md).
GLOBAL_TABLES = frozenset({"platform", "api_key", "api_key_platform", "alembic_version"})
_IGNORED_PREFIXES = (
    "CREATE",
    "ALTER",
    "DROP",
    "PRAGMA",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "SET",
    "SHOW",
    "SELECT PG_",
    "SELECT 1",
    "COMMENT",
    "TRUNCATE",
    "VACUUM",
    "ANALYZE",
)

_allowed: ContextVar[bool] = ContextVar("tenant_guard_allowed", default=False)


def tenant_tables() -> frozenset[str]:
    return frozenset(SQLModel.metadata.tables) - GLOBAL_TABLES


@contextmanager
def allow_unscoped() -> Iterator[None]:
    """Statements inside may touch several platforms (assertions that count rows everywhere)."""
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


@dataclass
class Violation:
    table: str
    statement: str
    caller: str = ""

    def __str__(self) -> str:
        return f"table {self.table!r} without platform_id ({self.caller}): {self.statement[:400]}"


@dataclass
class TenantGuard:
    violations: list[Violation] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if _allowed.get() or conn.info.get("tenant_guard_off"):
            return
        table = unscoped_table(statement)
        if table is None:
            return
        caller = _caller()
        if caller.startswith("tests/"):
            return  # a test's own assertion (counting rows everywhere); the net is for the service's code
        with self._lock:
            self.violations.append(Violation(table, " ".join(statement.split()), caller))

    @contextmanager
    def installed(self) -> Iterator[TenantGuard]:
        event.listen(Engine, "before_cursor_execute", self)
        try:
            yield self
        finally:
            event.remove(Engine, "before_cursor_execute", self)


# The checkout's root, wherever it is cloned (CI clones into a temporary directory).
_ROOT = Path(__file__).resolve().parent.parent.parent


def _relative(filename: str) -> str:
    """`tests/…` or `src/invoicegraph/…` relative to the checkout, else the name as it is."""
    path = Path(filename)
    try:
        relative = path.resolve().relative_to(_ROOT).as_posix()
    except ValueError:
        return filename
    return relative.removeprefix("src/")


def _caller() -> str:
    """The innermost frame of our code (src or tests) that led to the statement.

    SQLAlchemy's asyncio layer runs the statement in a child greenlet: the calling coroutine's frames
    are in the parent greenlet, so the walk continues there.
    """
    frame: FrameType | None = sys._getframe(1)
    current: Any = greenlet.getcurrent()
    while True:
        while frame is not None:
            name = frame.f_code.co_filename
            if ("/invoicegraph/" in name or "/tests/" in name) and not name.endswith("tenant_guard.py"):
                return f"{_relative(name)}:{frame.f_lineno} {frame.f_code.co_name}"
            frame = frame.f_back
        current = current.parent
        if current is None:
            return "unknown caller"
        frame = current.gr_frame


_IDENT = r'"?([A-Za-z_][A-Za-z0-9_]*)"?'
_KEYWORDS = frozenset(
    {
        "where",
        "join",
        "left",
        "right",
        "inner",
        "outer",
        "full",
        "cross",
        "on",
        "set",
        "values",
        "group",
        "order",
        "limit",
        "offset",
        "for",
        "returning",
        "union",
        "having",
        "natural",
        "using",
        "default",
        "select",
        "window",
    }
)
_NOT_KEYWORD = r"(?!(?:" + "|".join(sorted(_KEYWORDS)) + r")\b)"
# A table after FROM/JOIN/UPDATE/INTO or a comma (implicit joins), with its alias; never `x.col` or `f(`.
_TABLE_REF = re.compile(
    rf"(?:\b(?:FROM|JOIN|UPDATE|INTO)|,)\s+{_IDENT}(?![.(\w])(?:\s+(?:AS\s+)?{_NOT_KEYWORD}{_IDENT}(?![.(\w]))?", re.IGNORECASE
)
_CONDITION = re.compile(r"\b(?:WHERE|ON)\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def unscoped_table(statement: str) -> str | None:
    """The first tenant table `statement` reads or changes without constraining its platform_id."""
    text = " ".join(statement.split())
    upper = text.upper()
    if upper.startswith(_IGNORED_PREFIXES) or "ALEMBIC_VERSION" in upper or ALL_PLATFORMS in text:
        return None
    tenant = tenant_tables()
    if upper.startswith("INSERT"):
        found = re.search(rf"\bINTO\s+{_IDENT}", text, re.IGNORECASE)
        if found is None or found.group(1).lower() not in tenant:
            return None
        columns = text[found.end() : text.find(")", found.end()) + 1]
        if re.search(r'\bplatform_id\b"?', columns):
            return None
        return found.group(1).lower()
    references = [
        (match.group(1).lower(), (match.group(2) or match.group(1)).lower(), match.start())
        for match in _TABLE_REF.finditer(text)
        if match.group(1).lower() in tenant
    ]
    if not references:
        return None
    conditions = " ".join(text[m.end() :] for m in _CONDITION.finditer(text))
    named = {alias for _table, alias, _at in references}
    for table, alias, _at in references:
        if alias in _KEYWORDS:
            alias = table
        qualified = re.search(rf'\b"?{re.escape(alias)}"?\."?platform_id\b', conditions, re.IGNORECASE)
        bare = len(named) == 1 and re.search(r'(?<![.\w])"?platform_id\b', conditions, re.IGNORECASE)
        if not (qualified or bare):
            return table
    return None
