"""Usage aggregation in the database: one grouped statement per invoice refresh.

Each (period, usage-priced item) becomes one SELECT over the customer's events for that meter value
in `[start_at, end_at)`, filtered by the item's conditions and aggregated as the item asks; the
SELECTs are joined with UNION ALL so the whole invoice costs one round trip. The statement is built
once per shape of the questions (their aggregations and how their conditions compare; every value is
a bound parameter), so a refresh neither builds it nor has SQLAlchemy derive its cache key again, and
it runs through the driver where the request's reads do (db/prepared.py `fetch`). The pure reference for
what each aggregate means is `billing.usage.aggregate`; tests/integration/db compares the two on
generated events, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import CompoundSelect, Integer, Select, String, and_, bindparam, cast, func, literal, not_, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from invoicegraph.billing.usage import Condition
from invoicegraph.db.prepared import Reads, dialect_of, fetch
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


# A question's statement, less its values: what it aggregates and how its conditions compare. Questions
# of one shape share a statement, built once (per dialect) with bound parameters for every value.
_ConditionShape = tuple[str, str, int]  # property, comparator, number of values (-1: one value, 0: none)
_Shape = tuple[str, str | None, tuple[_ConditionShape, ...]]
# Bounded like the other statement caches: an invoice's questions are few, and plans alike share shapes.
STATEMENTS = 256


def _property(name: str) -> ColumnElement[Any]:
    value: ColumnElement[Any] = _events.c.properties[name].as_string()
    return value


def _condition_shape(condition: Condition) -> _ConditionShape:
    if condition.comparator in ("EQUALS", "NOT_EQUALS"):
        return condition.property, condition.comparator, -1 if condition.value is not None else 0
    return condition.property, condition.comparator, len(condition.values)


def _condition(shape: _ConditionShape, name: str) -> ColumnElement[bool]:
    attribute, comparator, count = shape
    actual = _property(attribute)
    # As in the reference: a condition without a value equals nothing (and differs from everything).
    if comparator == "EQUALS":
        return and_(actual.is_not(None), actual == bindparam(name)) if count else literal(False)
    if comparator == "NOT_EQUALS":
        return or_(actual.is_(None), actual != bindparam(name)) if count else literal(True)
    if comparator == "IN":
        return and_(actual.is_not(None), actual.in_(bindparam(name, expanding=True))) if count else literal(False)
    if comparator == "NOT_IN":
        return or_(actual.is_(None), not_(actual.in_(bindparam(name, expanding=True)))) if count else literal(True)
    raise ValueError(f"unsupported comparator {comparator!r}")


def _where(shape: _Shape, prefix: str) -> list[ColumnElement[bool]]:
    return [
        _events.c.platform_id == bindparam("platform_id"),
        _events.c.customer_id == bindparam("customer_id"),
        _events.c.meter_value_id == bindparam(f"{prefix}meter_value"),
        _events.c.timestamp >= bindparam(f"{prefix}start"),
        _events.c.timestamp < bindparam(f"{prefix}end"),
        *(_condition(condition, f"{prefix}c{index}") for index, condition in enumerate(shape[2])),
    ]


def _aggregate(shape: _Shape, dialect: str, where: list[ColumnElement[bool]]) -> ColumnElement[Any]:
    aggregation, aggregation_property, _ = shape
    exact = dialect == "sqlite"
    value = _events.c.value
    if aggregation == "COUNT":
        return func.count()
    if aggregation == "UNIQUE_COUNT":
        return func.count(func.distinct(_property(aggregation_property or "")))
    if aggregation == "MAX":
        return func.decimal_max(value) if exact else func.max(value)
    if aggregation == "LATEST":
        # Ties go to the greatest reference by code point, as in Python: PostgreSQL would otherwise
        # order by the database's collation (case and punctuation weighed by locale). SQLite's default
        # collation already compares bytes.
        reference = _events.c.reference.collate("C") if dialect == "postgresql" else _events.c.reference
        latest = select(value).where(*where).order_by(_events.c.timestamp.desc(), reference.desc()).limit(1)
        return latest.scalar_subquery()
    return func.decimal_sum(value) if exact else func.sum(value)


def _shape(question: UsageQuestion) -> _Shape:
    return question.aggregation, question.aggregation_property, tuple(_condition_shape(c) for c in question.conditions)


@lru_cache(maxsize=STATEMENTS)
def _statement(shapes: tuple[_Shape, ...], dialect: str) -> Select[Any] | CompoundSelect[Any]:
    selects: list[Select[Any]] = []
    for index, shape in enumerate(shapes):
        prefix = f"q{index}_"
        where = _where(shape, prefix)
        columns: list[ColumnElement[Any]] = [
            bindparam(f"{prefix}period", type_=Integer).label("period_index"),
            bindparam(f"{prefix}item", type_=String).label("item_id"),
            cast(_aggregate(shape, dialect, where), String).label("quantity"),
        ]
        one: Select[Any] = select(*columns)
        selects.append(one if shape[0] == "LATEST" else one.where(*where))
    return selects[0] if len(selects) == 1 else union_all(*selects)


def _parameters(platform_id: str, customer_id: str, questions: Sequence[UsageQuestion]) -> dict[str, Any]:
    parameters: dict[str, Any] = {"platform_id": platform_id, "customer_id": customer_id}
    for index, question in enumerate(questions):
        prefix = f"q{index}_"
        parameters[f"{prefix}period"] = question.period_index
        parameters[f"{prefix}item"] = question.item_id
        parameters[f"{prefix}meter_value"] = question.meter_value_id
        parameters[f"{prefix}start"] = question.start_at
        parameters[f"{prefix}end"] = question.end_at
        for number, condition in enumerate(question.conditions):
            shape = _condition_shape(condition)
            if shape[2] == -1:
                parameters[f"{prefix}c{number}"] = condition.value
            elif shape[2] > 0:
                parameters[f"{prefix}c{number}"] = list(condition.values)
    return parameters


async def aggregate_usage(
    session: Reads, platform_id: str, customer_id: str, questions: Sequence[UsageQuestion]
) -> dict[tuple[int, str], Decimal]:
    """Quantities keyed by (period index, item id); a question without events answers 0."""
    if not questions:
        return {}
    statement = _statement(tuple(_shape(q) for q in questions), dialect_of(session))
    rows = await fetch(session, statement, _parameters(platform_id, customer_id, questions))
    return {(int(row.period_index), str(row.item_id)): Decimal(row.quantity) if row.quantity is not None else Decimal(0) for row in rows}
