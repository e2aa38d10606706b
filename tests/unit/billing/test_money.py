"""Minor units, rounding and the printed Amount (docs/billing-decisions.md)."""

from decimal import Decimal

import pytest

from invoicegraph.billing.distribution import proportional_shares
from invoicegraph.billing.money import amount, format_decimal, minor_units, parse_decimal, round_money


def test_minor_units_come_from_iso_4217() -> None:
    assert (minor_units("EUR"), minor_units("JPY"), minor_units("BHD")) == (2, 0, 3)


def test_eur_prints_two_decimals() -> None:
    assert amount(Decimal("94.5"), "EUR") == {"quantity": "94.50", "currency": "EUR"}


def test_jpy_prints_no_decimals() -> None:
    assert amount(Decimal("1000"), "JPY") == {"quantity": "1000", "currency": "JPY"}
    assert amount(Decimal("999.5"), "JPY")["quantity"] == "1000"


def test_bhd_prints_three_decimals() -> None:
    assert amount(Decimal("1.2"), "BHD")["quantity"] == "1.200"
    assert amount(Decimal("0.0005"), "BHD")["quantity"] == "0.001"


def test_rounding_is_half_up_also_for_negatives() -> None:
    assert round_money(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert round_money(Decimal("-0.125"), "EUR") == Decimal("-0.13")
    assert round_money(Decimal("0.0315"), "EUR") == Decimal("0.03")


def test_no_negative_zero_is_printed() -> None:
    assert amount(Decimal("-0.001"), "EUR")["quantity"] == "0.00"


def test_unknown_and_unitless_currencies_are_refused() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        minor_units("ABC")
    with pytest.raises(ValueError, match="no minor unit"):
        minor_units("XAU")


def test_decimals_are_read_exactly_and_floats_refused() -> None:
    assert parse_decimal("0.10") == Decimal("0.10")
    with pytest.raises(ValueError, match="string"):
        parse_decimal(0.1)
    with pytest.raises(ValueError, match="not a decimal"):
        parse_decimal("ten")
    with pytest.raises(ValueError, match="finite"):
        parse_decimal("NaN")


def test_percentages_print_without_trailing_zeros() -> None:
    assert format_decimal(Decimal("21.00")) == "21"
    assert format_decimal(Decimal("20.50")) == "20.5"
    assert format_decimal(Decimal("1E+2")) == "100"
    assert format_decimal(Decimal("0.000")) == "0"


def test_format_decimal_prints_plain_digits_at_any_length() -> None:
    assert format_decimal(Decimal("0.0000001")) == "0.0000001"
    assert format_decimal(Decimal("1E+3")) == "1000"
    assert format_decimal(Decimal("20.50")) == "20.5"
    assert format_decimal(Decimal("-0.00")) == "0"
    assert format_decimal(Decimal("1234567890123456789012345678.9")) == "1234567890123456789012345678.9"  # beyond 28 digits


def test_proportional_shares_of_nothing_are_zero() -> None:
    assert proportional_shares(Decimal("10.00"), [Decimal(0), Decimal(0)]) == [Decimal(0), Decimal(0)]
    assert proportional_shares(Decimal("10.00"), [Decimal(1), Decimal(3)]) == [Decimal("2.5"), Decimal("7.5")]


def test_currency_codes_and_their_decimals() -> None:
    from invoicegraph.billing.money import has_valid_scale, is_currency

    assert (is_currency("EUR"), is_currency("XAU"), is_currency("XYZ")) == (True, False, False)  # gold has no minor unit
    assert has_valid_scale(Decimal("1.23"), "EUR")
    assert not has_valid_scale(Decimal("1.234"), "EUR")
    assert has_valid_scale(Decimal("1.234"), "BHD")
    assert has_valid_scale(Decimal("100"), "JPY")
    assert not has_valid_scale(Decimal("1.5"), "JPY")
    assert has_valid_scale(Decimal("1E+2"), "JPY")
