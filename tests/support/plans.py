"""The database's plan for a statement, as text, on SQLite and PostgreSQL.

PostgreSQL is told not to scan tables: its planner prefers a scan of a fresh database's empty tables,
so without that a plan says nothing about which index a read can use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.sql import ClauseElement

from invoicegraph.db.engine import Database


async def query_plan(database: Database, statement: ClauseElement, parameters: dict[str, Any]) -> str:
    dialect = database.engine.dialect
    # The values rendered in the text, as the dialect writes them (a JSON path, each item of a list).
    sql = str(statement.params(**parameters).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    async with database.write() as session:
        connection = await session.connection()
        if dialect.name == "postgresql":
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = (await connection.exec_driver_sql(f"EXPLAIN {sql}")).all()
            return "\n".join(str(row[0]) for row in rows)
        rows = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")).all()
        return "\n".join(str(row[3]) for row in rows)


def walks(plan: str, tables: Iterable[str]) -> list[str]:
    """The plan's lines that read the whole of one of `tables` (a subquery's rows may be scanned)."""
    names = tuple(tables)
    return [
        line
        for line in plan.splitlines()
        if any(f"Seq Scan on {name} " in f"{line} " or line.strip().startswith(f"SCAN {name}") for name in names)
    ]
