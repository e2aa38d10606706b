"""Pricing models: the worked examples of docs/billing-decisions.md and their edges."""

from decimal import Decimal as D

import pytest

from invoicegraph.billing.inputs import PricingItem, Tier
from invoicegraph.billing.money import round_money
from invoicegraph.billing.pricing import price

TIERS = (Tier(D("100"), D("0.10")), Tier(D("1000"), D("0.08")), Tier(None, D("0.05")))


def eur(item: PricingItem, quantity: str) -> str:
    return format(round_money(price(item, D(quantity)), "EUR"), "f")


def test_graduated_worked_example() -> None:
    item = PricingItem("pitm_g", "prod_api", "GRADUATED", tiers=TIERS)
    assert eur(item, "1250") == "94.50"


@pytest.mark.parametrize(("quantity", "expected"), [("1250", "62.50"), ("100", "10.00"), ("101", "8.08")])
def test_volume_worked_examples(quantity: str, expected: str) -> None:
    item = PricingItem("pitm_v", "prod_api", "VOLUME", tiers=TIERS)
    assert eur(item, quantity) == expected


@pytest.mark.parametrize(("quantity", "expected"), [("2500", "15.00"), ("0", "0.00"), ("1000", "5.00"), ("1001", "10.00")])
def test_package_worked_examples(quantity: str, expected: str) -> None:
    item = PricingItem("pitm_p", "prod_api", "PACKAGE", package_size=D("1000"), package_price=D("5.00"))
    assert eur(item, quantity) == expected


def test_per_unit_with_included_quantity_worked_example() -> None:
    item = PricingItem("pitm_u", "prod_api", "PER_UNIT", unit_price=D("0.02"), included_quantity=D("100"))
    assert eur(item, "1250") == "23.00"
    assert eur(item, "50") == "0.00"  # never below zero


def test_flat_is_the_fixed_price_whatever_the_quantity() -> None:
    item = PricingItem("pitm_f", "prod_std", "FLAT", price=D("49.00"))
    assert eur(item, "0") == "49.00"
    assert eur(item, "7") == "49.00"


def test_tier_bounds_are_inclusive_and_flat_prices_apply_when_a_unit_falls_in_the_tier() -> None:
    tiers = (Tier(D("100"), D("0.10"), D("1.00")), Tier(None, D("0.05"), D("2.00")))
    graduated = PricingItem("pitm_g", "prod_api", "GRADUATED", tiers=tiers)
    assert eur(graduated, "100") == "11.00"  # 10.00 + first tier's 1.00; nothing in the second tier
    assert eur(graduated, "101") == "13.05"  # + 0.05 + second tier's 2.00
    assert eur(graduated, "0") == "0.00"
    volume = PricingItem("pitm_v", "prod_api", "VOLUME", tiers=tiers)
    assert eur(volume, "100") == "11.00"
    assert eur(volume, "101") == "7.05"
    assert eur(volume, "0") == "0.00"


def test_full_precision_is_kept_until_the_line_amount_is_formed() -> None:
    item = PricingItem("pitm_u", "prod_api", "PER_UNIT", unit_price=D("0.000000000001"))
    assert price(item, D("5000000000")) == D("0.005000000000")
    assert eur(item, "5000000000") == "0.01"


def test_a_tier_table_without_an_open_end_prices_the_rest_at_the_last_tier() -> None:
    tiers = (Tier(D("10"), D("1")), Tier(D("20"), D("2")))
    assert eur(PricingItem("pitm_g", "prod_api", "GRADUATED", tiers=tiers), "25") == "40.00"
    assert eur(PricingItem("pitm_v", "prod_api", "VOLUME", tiers=tiers), "25") == "50.00"
