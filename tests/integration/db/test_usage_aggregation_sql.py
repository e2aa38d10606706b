"""The usage aggregation SQL (db/usage_aggregation.py), every aggregation and condition, on SQLite and
PostgreSQL. Expected quantities are worked out by hand from the events below (docs/billing-decisions.md).

In November, for cust_1 and metv_calls:
  e1  Nov 1 00:00:00 (the period's start: in)  10   region=eu user=a
  e2  Nov 2 00:00:00                            9   region=us user=b
  e3  Nov 3 12:00:00                            7   region=eu user=a
  e4  Nov 3 12:00:00 (same instant as e3)       2             user=c   (no region)
Outside: e5 at Dec 1 00:00:00 (the end: out) 100, e6 on Oct 31 23:59:59 50, and 1000 for another
customer and for another meter value in November.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicegraph.billing.usage import Condition
from invoicegraph.db.engine import Database
from invoicegraph.db.usage_aggregation import UsageQuestion, aggregate_usage

from .conftest import PLATFORM, ask, event, store

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
JAN_1 = datetime(2027, 1, 1, tzinfo=UTC)
NOV_3_NOON = datetime(2026, 11, 3, 12, tzinfo=UTC)
EVENTS = [
    event("e1", NOV_1, "10", region="eu", user="a"),
    event("e2", NOV_1 + timedelta(days=1), "9", region="us", user="b"),
    event("e3", NOV_3_NOON, "7", region="eu", user="a"),
    event("e4", NOV_3_NOON, "2", user="c"),
    event("e5", DEC_1, "100", region="eu", user="d"),
    event("e6", NOV_1 - timedelta(seconds=1), "50", region="eu", user="e"),
    event("x1", NOV_1 + timedelta(days=4), "1000", customer="cust_2", region="eu", user="x"),
    event("x2", NOV_1 + timedelta(days=4), "1000", meter="metv_other", region="eu", user="x"),
]
EU, US = ("eu",), ("us",)


def question(
    aggregation: str, *conditions: Condition, prop: str | None = None, start: datetime = NOV_1, end: datetime = DEC_1
) -> UsageQuestion:
    return UsageQuestion(0, "pitm", "metv_calls", aggregation, start, end, prop, tuple(conditions))


CASES = [
    ("SUM", question("SUM"), "28"),  # 10 + 9 + 7 + 2
    ("COUNT", question("COUNT"), "4"),
    ("MAX", question("MAX"), "10"),  # as numbers: as text "9" would win
    ("UNIQUE_COUNT of user", question("UNIQUE_COUNT", prop="user"), "3"),  # a, b, c
    ("UNIQUE_COUNT skips a missing property", question("UNIQUE_COUNT", prop="region"), "2"),  # eu, us; e4 has none
    ("LATEST: ties go to the greatest reference", question("LATEST"), "2"),  # e3 and e4 at the same instant: e4
    ("EQUALS", question("SUM", Condition("region", "EQUALS", "eu")), "17"),  # e1 + e3
    ("NOT_EQUALS matches a missing property", question("SUM", Condition("region", "NOT_EQUALS", "eu")), "11"),  # e2 + e4
    ("IN", question("SUM", Condition("region", "IN", values=US)), "9"),  # e2
    ("IN does not match a missing property", question("COUNT", Condition("region", "IN", values=("eu", "us"))), "3"),
    ("NOT_IN matches a missing property", question("SUM", Condition("region", "NOT_IN", values=US)), "19"),  # e1 + e3 + e4
    ("all conditions hold", question("SUM", Condition("region", "IN", values=("eu", "us")), Condition("user", "NOT_EQUALS", "b")), "17"),
    ("LATEST under a condition", question("LATEST", Condition("region", "EQUALS", "eu")), "7"),  # e3
    ("MAX under a condition", question("MAX", Condition("region", "NOT_IN", values=EU)), "9"),  # e2, e4
    ("EQUALS without a value matches nothing", question("COUNT", Condition("region", "EQUALS")), "0"),
    ("NOT_EQUALS without a value matches everything", question("COUNT", Condition("region", "NOT_EQUALS")), "4"),
    ("IN an empty list matches nothing", question("COUNT", Condition("region", "IN")), "0"),
    ("NOT_IN an empty list matches everything", question("COUNT", Condition("region", "NOT_IN")), "4"),
    ("the end is excluded, the start included", question("SUM", start=DEC_1, end=JAN_1), "100"),  # e5 only
    ("an instant before the start is out", question("SUM", start=NOV_1 - timedelta(seconds=1), end=NOV_1), "50"),  # e6
]


@pytest.mark.parametrize(("name", "asked", "expected"), CASES, ids=[case[0] for case in CASES])
async def test_each_aggregation_and_condition(database: Database, name: str, asked: UsageQuestion, expected: str) -> None:
    await store(database, EVENTS)
    assert await ask(database, "cust_1", [asked]) == {(0, "pitm"): Decimal(expected)}


@pytest.mark.parametrize("aggregation", ["SUM", "COUNT", "MAX", "UNIQUE_COUNT", "LATEST"])
async def test_no_matching_event_is_zero(database: Database, aggregation: str) -> None:
    await store(database, EVENTS)
    empty = question(aggregation, prop="user", start=DEC_1 + timedelta(seconds=1), end=JAN_1)
    assert await ask(database, "cust_1", [empty]) == {(0, "pitm"): Decimal(0)}


async def test_one_statement_answers_every_question_by_period_and_item(database: Database) -> None:
    await store(database, EVENTS)
    questions = [
        UsageQuestion(0, "pitm_sum", "metv_calls", "SUM", NOV_1, DEC_1),
        UsageQuestion(0, "pitm_latest", "metv_calls", "LATEST", NOV_1, DEC_1),
        UsageQuestion(1, "pitm_sum", "metv_calls", "SUM", DEC_1, JAN_1),
        UsageQuestion(1, "pitm_latest", "metv_calls", "LATEST", DEC_1, JAN_1),
    ]
    assert await ask(database, "cust_1", questions) == {
        (0, "pitm_sum"): Decimal(28),
        (0, "pitm_latest"): Decimal(2),
        (1, "pitm_sum"): Decimal(100),
        (1, "pitm_latest"): Decimal(100),
    }
    assert await ask(database, "cust_1", []) == {}


async def test_sums_and_maxima_are_exact(database: Database) -> None:
    # Twelve decimal places survive: 0.000000000001 + 999999999999999.999999999999 = 1000000000000000.000000000000.
    await store(database, [event("a", NOV_1, "0.000000000001"), event("b", NOV_1, "999999999999999.999999999999")])
    found = await ask(database, "cust_1", [question("SUM"), UsageQuestion(0, "pitm_max", "metv_calls", "MAX", NOV_1, DEC_1)])
    assert found == {(0, "pitm"): Decimal("1000000000000000"), (0, "pitm_max"): Decimal("999999999999999.999999999999")}


async def test_latest_is_the_latest_instant_before_the_greatest_reference(database: Database) -> None:
    # "z-early" has the greater reference but the earlier instant: LATEST is "a-late"'s 3.
    # On a tie, the greatest reference wins whatever order the events were stored in.
    await store(database, [event("z-early", NOV_1, "8"), event("a-late", NOV_3_NOON, "3")])
    await store(database, [event("t-b", NOV_3_NOON, "5", customer="cust_2"), event("t-a", NOV_3_NOON, "6", customer="cust_2")])
    await store(database, [event("u-a", NOV_3_NOON, "6", customer="cust_3"), event("u-b", NOV_3_NOON, "5", customer="cust_3")])
    assert await ask(database, "cust_1", [question("LATEST")]) == {(0, "pitm"): Decimal(3)}
    assert await ask(database, "cust_2", [question("LATEST")]) == {(0, "pitm"): Decimal(5)}
    assert await ask(database, "cust_3", [question("LATEST")]) == {(0, "pitm"): Decimal(5)}


async def test_sums_are_exact_where_binary_floating_point_is_not(database: Database) -> None:
    # 0.1 + 0.2 = 0.3 exactly (a float sum gives 0.30000000000000004); twice 999999999999999.999999999999
    # is 1999999999999999.999999999998 (a float has 16 significant digits).
    big = "999999999999999.999999999999"
    await store(database, [event("a", NOV_1, "0.1"), event("b", NOV_1, "0.2")])
    await store(database, [event("c", NOV_1, big, customer="cust_2"), event("d", NOV_1, big, customer="cust_2")])
    assert await ask(database, "cust_1", [question("SUM")]) == {(0, "pitm"): Decimal("0.3")}
    assert await ask(database, "cust_2", [question("SUM")]) == {(0, "pitm"): Decimal("1999999999999999.999999999998")}


async def test_an_unsupported_comparator_is_refused(database: Database) -> None:
    with pytest.raises(ValueError, match=r"^unsupported comparator 'CONTAINS'$"):
        await ask(database, "cust_1", [question("SUM", Condition("region", "CONTAINS", "e"))])


async def test_a_read_request_asks_through_the_driver_what_each_case_answers(database: Database) -> None:
    # A read request's statements run through the driver (db/driver_reads.py), on PostgreSQL too (the
    # preview's aggregation): every case at once, one UNION ALL of their shapes, answers what each case
    # answers alone; asked again for another customer, the same cached statement takes the new values.
    await store(database, EVENTS)
    questions = [replace(asked, period_index=index) for index, (_, asked, _) in enumerate(CASES)]
    request = database.for_request()
    try:
        async with request.reads() as reads:
            assert isinstance(reads, AsyncConnection)
            together = await aggregate_usage(reads, PLATFORM, "cust_1", questions)
            nobody = await aggregate_usage(reads, PLATFORM, "cust_nobody", questions)
    finally:
        await request.close()
    assert together == {(index, "pitm"): Decimal(value) for index, (_, _, value) in enumerate(CASES)}
    assert nobody == {(index, "pitm"): Decimal(0) for index in range(len(CASES))}
