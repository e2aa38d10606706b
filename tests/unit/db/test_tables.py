"""Every tenant table carries a non-null, indexed platform_id (the tenancy rule of docs/api.md)."""

from __future__ import annotations

from sqlmodel import SQLModel

import invoicegraph.db.tables  # noqa: F401  (registers the tables)
from invoicegraph.db.tables import GLOBAL_TABLES


def _indexed_first(table: object, column: str) -> bool:
    primary = [c.name for c in table.primary_key.columns]  # type: ignore[attr-defined]
    if primary and primary[0] == column:
        return True
    return any([c.name for c in index.columns][:1] == [column] for index in table.indexes)  # type: ignore[attr-defined]


def test_every_tenant_table_has_a_non_null_indexed_platform_id() -> None:
    tables = SQLModel.metadata.sorted_tables
    assert len(tables) > 15
    problems = []
    for table in tables:
        if table.name in GLOBAL_TABLES:
            continue
        column = table.columns.get("platform_id")
        if column is None:
            problems.append(f"{table.name}: no platform_id")
        elif column.nullable:
            problems.append(f"{table.name}: platform_id is nullable")
        elif not _indexed_first(table, "platform_id"):
            problems.append(f"{table.name}: platform_id does not lead an index")
    assert problems == []


def test_global_tables_are_only_the_tenant_and_credentials() -> None:
    names = {table.name for table in SQLModel.metadata.sorted_tables}
    assert (GLOBAL_TABLES - {"alembic_version"}) <= names
    assert {"platform", "api_key"} == GLOBAL_TABLES - {"alembic_version"}
