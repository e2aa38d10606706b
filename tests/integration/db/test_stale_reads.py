"""The change markers `Invoice.staleSources` reads (db/stale_reads.py) are index seeks, whatever the
number of records.

Given: the migrated schema on SQLite and PostgreSQL. When: the planner is asked for the statement that
reads each record table's latest change for one platform. Then: every table's `max(updated_at)` is
read from its `ix_<table>_changed` index (a seek at the index's end), never by walking the platform's
records. PostgreSQL is told not to scan tables (its planner prefers a scan of the empty tables of a
fresh database), which leaves the index only when the index can answer.
"""

from __future__ import annotations

from invoicegraph.db.engine import Database
from invoicegraph.db.stale_reads import MARKED_TABLES, TableMarksRead


async def test_each_table_marker_is_read_from_its_changed_index(database: Database) -> None:
    dialect = database.engine.dialect
    compiled = TableMarksRead().statement(dialect.name).compile(dialect=dialect)
    values = compiled.construct_params({"platform_id": "plat_any"})
    parameters = tuple(values[name] for name in compiled.positiontup or ())
    async with database.write() as session:
        connection = await session.connection()
        if dialect.name == "postgresql":
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = (await connection.exec_driver_sql(f"EXPLAIN {compiled.string}", parameters)).all()
            plan = "\n".join(str(row[0]) for row in rows)
        else:
            rows = (await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", parameters)).all()
            plan = "\n".join(str(row[3]) for row in rows)
    for table in MARKED_TABLES:
        assert f"ix_{table.__tablename__}_changed" in plan, plan
    walks = [line for line in plan.splitlines() if "Seq Scan" in line or line.strip().startswith("SCAN")]
    assert not walks, plan
