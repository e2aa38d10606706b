"""Usage aggregation in the database: one grouped statement per invoice refresh.

Each (period, usage-priced item) becomes one SELECT over the customer's events for that meter value
in `[start_at, end_at)`, filtered by the item's conditions and aggregated as the item asks; the
SELECTs are joined with UNION ALL so the whole invoice costs one round trip. The pure reference for
what each aggregate means is `billing.usage.aggregate`; tests/integration/db compares the two on
generated events, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, not_, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from invoicegraph.billing.usage import Condition
from invoicegraph.db.tables import UsageEvent, table_of

_events = table_of(UsageEvent)


@dataclass(frozen=True)
class UsageQuestion:
    """How much of one meter value, aggregated one way, in one period, under some conditions."""

    period_index: int
    item_id: str
    meter_value_id: str
    aggregation: str
    start_at: datetime
    end_at: datetime
    aggregation_property: str | None = None
    conditions: tuple[Condition, ...] = ()


def _property(name: str) -> ColumnElement[Any]:
    value: ColumnElement[Any] = _events.c.properties[name].as_string()
    return value


def _condition(condition: Condition) -> ColumnElement[bool]:
    actual = _property(condition.property)
    # As in the reference: a condition without a value equals nothing (and differs from everything).
    if condition.comparator == "EQUALS":
        return and_(actual.is_not(None), actual == condition.value) if condition.value is not None else literal(False)
    if condition.comparator == "NOT_EQUALS":
        return or_(actual.is_(None), actual != condition.value) if condition.value is not None else literal(True)
    if condition.comparator == "IN":
        return and_(actual.is_not(None), actual.in_(condition.values)) if condition.values else literal(False)
    if condition.comparator == "NOT_IN":
        return or_(actual.is_(None), not_(actual.in_(condition.values))) if condition.values else literal(True)
    raise ValueError(f"unsupported comparator {condition.comparator!r}")


def _where(platform_id: str, customer_id: str, question: UsageQuestion) -> list[ColumnElement[bool]]:
    return [
        _events.c.platform_id == platform_id,
        _events.c.customer_id == customer_id,
        _events.c.meter_value_id == question.meter_value_id,
        _events.c.timestamp >= question.start_at,
        _events.c.timestamp < question.end_at,
        *(_condition(c) for c in question.conditions),
    ]


def _aggregate(question: UsageQuestion, dialect: str, where: list[ColumnElement[bool]]) -> ColumnElement[Any]:
    exact = dialect == "sqlite"
    value = _events.c.value
    if question.aggregation == "COUNT":
        return func.count()
    if question.aggregation == "UNIQUE_COUNT":
        return func.count(func.distinct(_property(question.aggregation_property or "")))
    if question.aggregation == "MAX":
        return func.decimal_max(value) if exact else func.max(value)
    if question.aggregation == "LATEST":
        # Ties go to the greatest reference by code point, as in Python: PostgreSQL would otherwise
        # order by the database's collation (case and punctuation weighed by locale). SQLite's default
        # collation already compares bytes.
        reference = _events.c.reference.collate("C") if dialect == "postgresql" else _events.c.reference
        latest = select(value).where(*where).order_by(_events.c.timestamp.desc(), reference.desc()).limit(1)
        return latest.scalar_subquery()
    return func.decimal_sum(value) if exact else func.sum(value)


async def aggregate_usage(
    session: AsyncSession, platform_id: str, customer_id: str, questions: Sequence[UsageQuestion]
) -> dict[tuple[int, str], Decimal]:
    """Quantities keyed by (period index, item id); a question without events answers 0."""
    if not questions:
        return {}
    dialect = session.get_bind().dialect.name
    selects = []
    for question in questions:
        where = _where(platform_id, customer_id, question)
        selects.append(
            select(
                literal(question.period_index).label("period_index"),
                literal(question.item_id).label("item_id"),
                cast(_aggregate(question, dialect, where), String).label("quantity"),
            ).where(*where)
            if question.aggregation != "LATEST"
            else select(
                literal(question.period_index).label("period_index"),
                literal(question.item_id).label("item_id"),
                cast(_aggregate(question, dialect, where), String).label("quantity"),
            )
        )
    statement = selects[0] if len(selects) == 1 else union_all(*selects)
    rows = (await session.execute(statement)).all()
    return {(int(row.period_index), str(row.item_id)): Decimal(row.quantity) if row.quantity is not None else Decimal(0) for row in rows}
