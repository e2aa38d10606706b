"""Counting SQL statements, per engine and per request.

Tests assert statement budgets with this, and the request log reports the count. The counter hooks
`before_cursor_execute` on the engine; the per-request count lives in a context variable so that
concurrent requests on one engine do not mix their counts.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class StatementTally:
    count: int = 0
    statements: list[str] = field(default_factory=list)


# BEGIN/COMMIT/… are how a transaction is framed, not work: budgets count data statements only.
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOIN", "RELEASE")

_current: ContextVar[StatementTally | None] = ContextVar("invoicegraph_statements", default=None)


class StatementCounter:
    """Counts every statement an engine executes (total, and into the current tally if any)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.total = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:8].upper().startswith(_TRANSACTION_CONTROL):
            return
        self.total += 1
        tally = _current.get()
        if tally is not None:
            tally.count += 1
            tally.statements.append(statement)


def start_tally() -> StatementTally:
    """Start counting statements for the current task (a request) and its children."""
    tally = StatementTally()
    _current.set(tally)
    return tally


def current_tally() -> StatementTally | None:
    return _current.get()
