"""Custom scalars: serialize passes formatted strings through and formats Python values; input is strict."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from invoicegraph.schema import scalars
from tests.support.api import Api


@pytest.mark.parametrize(
    ("value", "expected"),
    [("94.50", "94.50"), (Decimal("94.50"), "94.50"), (Decimal("1E+3"), "1000"), (Decimal("-0.5"), "-0.5"), (7, "7")],
)
def test_decimal_serializes_strings_unchanged_and_decimals_exactly(value: object, expected: str) -> None:
    assert scalars.serialize_decimal(value) == expected


@pytest.mark.parametrize("value", [1.5, True, Decimal("NaN"), Decimal("Infinity"), None])
def test_decimal_refuses_to_serialize_inexact_values(value: object) -> None:
    with pytest.raises(ValueError, match="Decimal"):
        scalars.serialize_decimal(value)


def test_decimal_parses_strings_only() -> None:
    assert scalars.parse_decimal_input("12.30") == Decimal("12.30")
    assert str(scalars.parse_decimal_input("12.30")) == "12.30"
    with pytest.raises(ValueError, match=r"must be given as a string.*not as a number \(1\.5\)"):
        scalars.parse_decimal_input(1.5)
    with pytest.raises(ValueError, match="not as a number"):
        scalars.parse_decimal_input(12)
    with pytest.raises(ValueError, match="is not a decimal number"):
        scalars.parse_decimal_input("12,30")
    with pytest.raises(ValueError, match="not a finite"):
        scalars.parse_decimal_input("NaN")


def test_datetime_serializes_to_utc_whole_seconds() -> None:
    amsterdam = timezone(timedelta(hours=1))
    assert scalars.serialize_datetime(datetime(2024, 3, 1, 1, 0, 0, 500_000, tzinfo=amsterdam)) == "2024-03-01T00:00:00Z"
    assert scalars.serialize_datetime("2024-03-01T01:00:00+01:00") == "2024-03-01T01:00:00+01:00"
    with pytest.raises(ValueError, match="naive"):
        scalars.serialize_datetime(datetime(2024, 3, 1))  # noqa: DTZ001 - the naive value is the point


def test_datetime_input_needs_an_offset_and_whole_seconds() -> None:
    assert scalars.parse_datetime("2024-03-01T00:00:00Z") == datetime(2024, 3, 1, tzinfo=UTC)
    parsed = scalars.parse_datetime("2024-03-01T01:00:00+01:00")
    assert parsed.utcoffset() == timedelta(hours=1)
    with pytest.raises(ValueError, match="no UTC offset"):
        scalars.parse_datetime("2024-03-01T00:00:00")
    with pytest.raises(ValueError, match="fractional seconds"):
        scalars.parse_datetime("2024-03-01T00:00:00.5Z")
    with pytest.raises(ValueError, match="not an RFC 3339"):
        scalars.parse_datetime("2024-03-01")
    with pytest.raises(ValueError, match="not a valid date-time"):
        scalars.parse_datetime("2024-02-30T00:00:00Z")
    with pytest.raises(ValueError, match="must be a string"):
        scalars.parse_datetime(1709251200)


def test_date() -> None:
    assert scalars.serialize_date(date(2024, 3, 1)) == "2024-03-01"
    assert scalars.serialize_date("2024-03-01") == "2024-03-01"
    with pytest.raises(ValueError, match="datetime"):
        scalars.serialize_date(datetime(2024, 3, 1, tzinfo=UTC))
    assert scalars.parse_date("2024-03-01") == date(2024, 3, 1)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        scalars.parse_date("2024-03-01T00:00:00Z")
    with pytest.raises(ValueError, match="not a valid calendar date"):
        scalars.parse_date("2024-02-30")


def test_currency_and_country_codes_are_validated() -> None:
    assert scalars.parse_currency_code("EUR") == "EUR"
    assert scalars.parse_currency_code("XTS") == "XTS"
    assert scalars.parse_country_code("NL") == "NL"
    with pytest.raises(ValueError, match="'eur' is not an ISO 4217 currency code"):
        scalars.parse_currency_code("eur")
    with pytest.raises(ValueError, match="'ABC' is not an ISO 4217"):
        scalars.parse_currency_code("ABC")
    with pytest.raises(ValueError, match="'XX' is not an ISO 3166-1"):
        scalars.parse_country_code("XX")
    with pytest.raises(ValueError, match="must be a string"):
        scalars.parse_country_code(31)
    assert scalars.serialize_code("EUR") == "EUR"


async def test_a_datetime_argument_without_offset_is_refused_with_the_reason(api: Api) -> None:
    body = await api.graphql(
        "query ($from: DateTime) { invoices(filter: {invoiceDate: {from: $from}}) { totalCount } }",
        {"from": "2024-03-01T00:00:00"},
    )

    assert body.get("data") is None
    assert "no UTC offset" in body["errors"][0]["message"]
