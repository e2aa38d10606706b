"""The usage SQL against its Python reference (`billing.usage.aggregate`) on generated events.

Generated: references with mixed case and digits (LATEST ties go to the greatest), instants on and
next to the period's bounds (ties, the start included, the end excluded), properties present,
missing or empty, values whose text and numeric orders differ, every aggregation and every
comparator, alone and together, plus events of another customer and another meter value. Each example
asks all its questions in one statement, as a refresh does, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicegraph.billing.usage import AGGREGATIONS, Condition, UsageEvent, aggregate
from invoicegraph.db.engine import Database
from invoicegraph.db.usage_aggregation import UsageQuestion

from .conftest import METER, ask, event, store

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
INSTANTS = (START - SECOND, START, START + SECOND, datetime(2026, 11, 15, 12, tzinfo=UTC), END - SECOND, END, END + SECOND)
PROPERTIES = ("region", "user")
VALUES = ("eu", "us", "EU", "", "a b")
_customers = itertools.count()

references = st.text(alphabet="aAbB09-_", min_size=1, max_size=4)
amounts = st.one_of(
    st.sampled_from(("0", "2", "9", "10", "100", "0.5", "10.25")),
    st.decimals(min_value=0, max_value=10**6, places=3).map(lambda d: format(d, "f")),
)
properties = st.fixed_dictionaries({}, optional={name: st.sampled_from(VALUES) for name in PROPERTIES})


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    comparator = draw(st.sampled_from(("EQUALS", "NOT_EQUALS", "IN", "NOT_IN")))
    prop = draw(st.sampled_from(PROPERTIES))
    # A missing value and an empty list are refused at import, but the reference gives them a meaning too.
    if comparator in ("EQUALS", "NOT_EQUALS"):
        return Condition(prop, comparator, value=draw(st.one_of(st.sampled_from(VALUES), st.none())))
    return Condition(prop, comparator, values=tuple(draw(st.lists(st.sampled_from(VALUES), max_size=3, unique=True))))


events = st.lists(
    st.tuples(references, st.sampled_from(INSTANTS), amounts, properties), max_size=12, unique_by=lambda generated: generated[0]
)
rules = st.lists(st.lists(conditions(), max_size=2).map(tuple), min_size=1, max_size=3)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    # Hypothesis runs a synchronous test many times; its examples run on a loop of their own.
    running = asyncio.new_event_loop()
    yield running
    running.close()


@pytest.fixture
def usage_database(database_url: str, loop: asyncio.AbstractEventLoop) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    loop.run_until_complete(database.dispose())


@settings(
    max_examples=int(os.environ.get("INVOICEGRAPH_TEST_EXAMPLES", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated=events, condition_sets=rules)
def test_the_sql_agrees_with_the_reference(
    usage_database: Database,
    loop: asyncio.AbstractEventLoop,
    generated: list[tuple[str, datetime, str, dict[str, str]]],
    condition_sets: list[tuple[Condition, ...]],
) -> None:
    customer = f"cust_{next(_customers)}"  # each example's events stand alone in the shared database
    # References are unique per platform: each example's carry its customer's prefix (the same for all,
    # so their order is the generated one).
    generated = [(f"{customer}/{ref}", at, value, props) for ref, at, value, props in generated]
    rows: list[dict[str, Any]] = [event(ref, at, value, customer, **props) for ref, at, value, props in generated]
    # The same events for another customer and another meter value must not count.
    rows += [event(f"{ref}-other", at, value, f"{customer}-other", **props) for ref, at, value, props in generated[:3]]
    rows += [event(f"{ref}-meter", at, value, customer, meter="metv_other", **props) for ref, at, value, props in generated[:3]]
    questions = [
        UsageQuestion(index, f"{aggregation}:{prop}", METER, aggregation, START, END, prop, rules_)
        for index, rules_ in enumerate(condition_sets)
        for aggregation in AGGREGATIONS
        for prop in (PROPERTIES if aggregation == "UNIQUE_COUNT" else (None,))
    ]
    loop.run_until_complete(store(usage_database, rows))
    found = loop.run_until_complete(ask(usage_database, customer, questions))

    reference = [UsageEvent(ref, at, Decimal(value), props) for ref, at, value, props in generated]
    expected = {
        (q.period_index, q.item_id): aggregate(reference, q.aggregation, q.aggregation_property, q.conditions, start_at=START, end_at=END)
        for q in questions
    }
    assert found == expected
