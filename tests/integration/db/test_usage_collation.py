"""LATEST ties on a PostgreSQL database created with a locale collation (an ICU en-US one here).

The reference breaks a tie with the greatest reference by code point: "a" (97) after "B" (66). An
en-US collation sorts "B" after "a", so the SQL must order the references with the C collation.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from sqlmodel import SQLModel

import invoicegraph.db.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from invoicegraph.db.engine import Database
from tests.support.postgres import PostgresCluster

from .conftest import ask, event, store
from .test_usage_aggregation_sql import NOV_3_NOON, question

_names = itertools.count()


async def test_latest_ties_follow_code_points_under_a_locale_collation(postgres: PostgresCluster) -> None:
    name = f"usage_icu_{next(_names)}"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
    database = Database(postgres.url(name))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)
        await store(database, [event("a", NOV_3_NOON, "1"), event("B", NOV_3_NOON, "2")])
        assert await ask(database, "cust_1", [question("LATEST")]) == {(0, "pitm"): Decimal(1)}
    finally:
        await database.dispose()
        postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
