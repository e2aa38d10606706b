"""Usage aggregation reference semantics (docs/billing-decisions.md)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from invoicegraph.billing.usage import Condition, UsageEvent, aggregate, matches

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def event(ref: str, value: str, hours: int = 1, **properties: str) -> UsageEvent:
    return UsageEvent(ref, START + timedelta(hours=hours), D(value), properties)


EVENTS = [
    event("e1", "10", 1, region="eu", user="a"),
    event("e2", "5", 2, region="us", user="b"),
    event("e3", "7", 3, region="eu", user="a"),
    event("e4", "2", 3, region="ap", user="c"),
]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("SUM", "24"), ("COUNT", "4"), ("MAX", "10"), ("UNIQUE_COUNT", "3"), ("LATEST", "2")],
)
def test_aggregations(aggregation: str, expected: str) -> None:
    assert aggregate(EVENTS, aggregation, "user") == D(expected)


def test_latest_breaks_timestamp_ties_by_event_id() -> None:
    # e3 and e4 share the latest timestamp; the greater reference (e4) wins whatever the order.
    assert aggregate(list(reversed(EVENTS)), "LATEST") == D("2")


def test_no_events_is_zero() -> None:
    for aggregation in ("SUM", "COUNT", "MAX", "UNIQUE_COUNT", "LATEST"):
        assert aggregate([], aggregation, "user") == 0


def test_window_is_start_inclusive_end_exclusive() -> None:
    at_start = UsageEvent("s", START, D("1"))
    at_end = UsageEvent("e", END, D("100"))
    assert aggregate([at_start, at_end], "SUM", start_at=START, end_at=END) == D("1")


def test_conditions_all_must_hold() -> None:
    conditions = [Condition("region", "IN", values=("eu", "us")), Condition("user", "NOT_EQUALS", "b")]
    assert aggregate(EVENTS, "SUM", conditions=conditions) == D("17")


def test_comparators() -> None:
    props = {"region": "eu"}
    assert matches(props, [Condition("region", "EQUALS", "eu")])
    assert not matches(props, [Condition("region", "EQUALS", "us")])
    assert matches(props, [Condition("region", "NOT_IN", values=("us",))])
    assert not matches(props, [Condition("region", "NOT_IN", values=("eu",))])
    # A property the event lacks never equals anything, and is never in a list.
    assert not matches({}, [Condition("region", "EQUALS", "eu")])
    assert matches({}, [Condition("region", "NOT_EQUALS", "eu")])
    assert not matches({}, [Condition("region", "IN", values=("eu",))])
    assert matches({}, [Condition("region", "NOT_IN", values=("eu",))])


def test_unique_count_ignores_events_without_the_property() -> None:
    assert aggregate([*EVENTS, event("e5", "1")], "UNIQUE_COUNT", "user") == D("3")


def test_from_record_reads_the_import_format() -> None:
    parsed = UsageEvent.from_fields(
        {"reference": "evt-1", "timestamp": "2026-11-03T11:00:00+01:00", "value": "1250", "properties": {"region": "eu", "beta": True}}
    )
    assert parsed.timestamp == datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert parsed.value == D("1250")
    assert parsed.properties == {"region": "eu", "beta": "true"}
    with pytest.raises(ValueError, match="unsupported"):
        Condition.from_fields({"property": "x", "comparator": "CONTAINS", "value": "a"})


def test_sum_is_exact_beyond_28_digits() -> None:
    big = "999999999999999.999999999999"  # the largest decimal an import file may give
    events = [event(f"e{i}", big) for i in range(20)]  # the sum has 29 significant digits
    assert aggregate(events, "SUM") == D("19999999999999999.99999999998")
