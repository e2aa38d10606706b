"""Largest-remainder distribution (docs/billing-decisions.md)."""

from decimal import Decimal as D

import pytest

from invoicegraph.billing.distribution import distribute, distribute_proportionally


def test_three_lines_share_a_rounded_tax_by_remainder() -> None:
    assert distribute(D("0.03"), [D("0.0105")] * 3, "EUR") == [D("0.01")] * 3


def test_missing_units_go_to_the_largest_remainders_then_to_earlier_parts() -> None:
    assert distribute(D("0.04"), [D("0.0105"), D("0.0119"), D("0.0105"), D("0.0105")], "EUR") == [
        D("0.01"),
        D("0.01"),
        D("0.01"),
        D("0.01"),
    ]
    assert distribute(D("0.02"), [D("0.005"), D("0.005"), D("0.005"), D("0.005")], "EUR") == [
        D("0.01"),
        D("0.01"),
        D("0.00"),
        D("0.00"),
    ]


def test_negative_shares_round_down_toward_minus_infinity() -> None:
    parts = distribute(D("-0.01"), [D("-0.005"), D("-0.005")], "EUR")
    assert parts == [D("0.00"), D("-0.01")] or parts == [D("-0.01"), D("0.00")]
    assert sum(parts) == D("-0.01")


def test_proportional_split_adds_up_exactly() -> None:
    parts = distribute_proportionally(D("10.00"), [D("1"), D("1"), D("1")], "EUR")
    assert parts == [D("3.34"), D("3.33"), D("3.33")]
    assert distribute_proportionally(D("7"), [D("2"), D("1")], "JPY") == [D("5"), D("2")]


def test_a_total_that_is_not_a_rounding_of_the_shares_is_refused() -> None:
    with pytest.raises(ValueError, match="not a rounding"):
        distribute(D("1.00"), [D("0.10")], "EUR")
