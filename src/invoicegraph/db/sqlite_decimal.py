"""Exact decimal aggregates for SQLite.

SQLite has no decimal type: its SUM and MAX of decimal text go through binary floating point. The
usage aggregation must be exact, so on SQLite the grouped query calls `decimal_sum` and
`decimal_max`, aggregates registered on every connection that add `Decimal`s. The database still
does the grouping and filtering; only the per-row addition is Python's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from invoicegraph.billing.money import CONTEXT
from invoicegraph.library_internals import sqlite_create_aggregate


class _DecimalSum:
    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: Any) -> None:
        if value is None:
            return
        number = Decimal(str(value))
        self.total = number if self.total is None else CONTEXT.add(self.total, number)

    def finalize(self) -> str | None:
        return None if self.total is None else format(self.total, "f")


class _DecimalMax:
    def __init__(self) -> None:
        self.best: Decimal | None = None

    def step(self, value: Any) -> None:
        if value is None:
            return
        number = Decimal(str(value))
        if self.best is None or number > self.best:
            self.best = number

    def finalize(self) -> str | None:
        return None if self.best is None else format(self.best, "f")


def register(dbapi_connection: Any) -> None:
    """Register the aggregates on an aiosqlite connection (inside SQLAlchemy's connect event)."""
    for name, aggregate in (("decimal_sum", _DecimalSum), ("decimal_max", _DecimalMax)):
        sqlite_create_aggregate(dbapi_connection, name, 1, aggregate)
