"""The usage aggregation SQL on both backends: a migrated SQLite file and a PostgreSQL database cloned
from the session's migrated template (tests/conftest.py), without the app or its read routing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import UsageEvent, table_of
from invoicegraph.db.usage_aggregation import UsageQuestion, aggregate_usage

PLATFORM = "plat_usage"
METER = "metv_calls"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def event(
    reference: str, timestamp: datetime, value: str | Decimal, customer: str = "cust_1", meter: str = METER, **properties: str
) -> dict[str, Any]:
    return {
        "platform_id": PLATFORM,
        "reference": reference,
        "customer_id": customer,
        "meter_value_id": meter,
        "timestamp": timestamp,
        "value": Decimal(value),
        "properties": properties,
    }


async def store(database: Database, events: Sequence[dict[str, Any]]) -> None:
    if events:
        async with database.write() as session:
            await session.execute(insert(table_of(UsageEvent)), list(events))


async def ask(database: Database, customer: str, questions: Sequence[UsageQuestion]) -> dict[tuple[int, str], Decimal]:
    async with database.read() as session:
        return await aggregate_usage(session, PLATFORM, customer, questions)
