"""Instants as text (billing/instants.py): the one formatter and the one parser.

Given: any aware datetime, in UTC or another offset, and naive ones. Then: the text is
`YYYY-MM-DDTHH:MM:SSZ`, the same instant in UTC cut to whole seconds (what `strftime` wrote for
years from 1000 on), it parses back to that instant, and a naive datetime or an instant without
an offset is refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicegraph.billing.instants import format_instant, parse_instant

SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
offsets = st.one_of(
    st.just(UTC),
    st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))),
)
# Far enough from datetime's own bounds that every offset converts to UTC.
instants = st.builds(
    lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),  # noqa: DTZ001  # hypothesis takes naive bounds
    offsets,
)


@given(instants)
def test_an_instant_is_written_in_utc_whole_seconds_and_reads_back(moment: datetime) -> None:
    text = format_instant(moment)
    assert SHAPE.fullmatch(text), text
    in_utc = moment.astimezone(UTC).replace(microsecond=0)
    assert parse_instant(text) == in_utc
    if in_utc.year >= 1000:
        assert text == in_utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_year_before_1000_keeps_four_digits() -> None:
    assert format_instant(datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0999-01-02T03:04:05Z"


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_instant(datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="time zone offset"):
        parse_instant("2026-01-01T00:00:00")
