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
from tests.support.plans import query_plan, walks


async def test_each_table_marker_is_read_from_its_changed_index(database: Database) -> None:
    plan = await query_plan(database, TableMarksRead().statement(database.dialect), {"platform_id": "plat_any"})
    for table in MARKED_TABLES:
        assert f"ix_{table.__tablename__}_changed" in plan, plan
    assert not walks(plan, [table.__tablename__ for table in MARKED_TABLES]), plan
