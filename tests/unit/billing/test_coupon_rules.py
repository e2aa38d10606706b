"""Coupon rules at their edges (docs/billing-decisions.md): windows, limits, codes, durations, odd coupons.

Every expected amount is worked out in the comment beside it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

from invoicegraph.billing.coupons import add_period
from invoicegraph.billing.inputs import BillingPeriod, Coupon, InvoicePeriodInput, PromotionCode, Subscription

from .factories import DEC_1, JAN_1, NOV_1, flat, lines_of, q, rate

DECEMBER_INVOICE = Subscription("psub_1", "ppln_1", ("coup_1",), first_invoice_id="invo_nov", first_invoice_start_at=NOV_1)


def ten(**fields: Any) -> Coupon:
    return Coupon("coup_1", "10% off", "ACTIVE", "PERCENTAGE", percentage=D("10"), duration_type="FOREVER", **fields)


def amounts(**kwargs: Any) -> list[str]:
    return [q(line["amount_excluding_tax"]) for line in lines_of(rate(**kwargs))]


def test_a_coupon_starting_exactly_at_the_period_end_applies() -> None:
    # The window is [start_at, end_at) around the period's end (Dec 1): start Dec 1 is in, end Dec 1 is out.
    assert amounts(items=[flat("100.00")], coupons=[ten(start_at=DEC_1)], coupon_ids=["coup_1"]) == ["100.00", "-10.00"]
    assert amounts(items=[flat("100.00")], coupons=[ten(end_at=DEC_1)], coupon_ids=["coup_1"]) == ["100.00"]


def test_redemptions_already_counting_this_invoice_are_not_counted_twice() -> None:
    # Two redemptions of one allowed, one of them this invoice's: 2 - 1 = 1, not below 1: no discount.
    full = ten(maximum_redemptions=1, number_of_redemptions=2)
    assert amounts(items=[flat("100.00")], coupons=[full], coupon_ids=["coup_1"], redeemed=frozenset({"coup_1"})) == ["100.00"]
    # One of one, this invoice's own: 1 - 1 = 0 < 1: it keeps its discount.
    own = ten(maximum_redemptions=1, number_of_redemptions=1)
    assert amounts(items=[flat("100.00")], coupons=[own], coupon_ids=["coup_1"], redeemed=frozenset({"coup_1"})) == ["100.00", "-10.00"]


def test_a_promotion_code_needs_its_own_window_and_redemptions() -> None:
    def through(code: PromotionCode, redeemed: frozenset[str] = frozenset()) -> list[str]:
        return amounts(items=[flat("100.00")], coupons=[ten()], promotion_codes=[code], promotion_code_ids=["prom_1"], redeemed=redeemed)

    assert through(PromotionCode("prom_1", "TEN", "coup_1")) == ["100.00", "-10.00"]
    assert through(PromotionCode("prom_1", "TEN", "coup_1", start_at=datetime(2026, 12, 2, tzinfo=UTC))) == ["100.00"]
    assert through(PromotionCode("prom_1", "TEN", "coup_1", end_at=DEC_1)) == ["100.00"]
    assert through(PromotionCode("prom_1", "TEN", "coup_1", start_at=DEC_1, end_at=JAN_1)) == ["100.00", "-10.00"]
    assert through(PromotionCode("prom_1", "TEN", "coup_1", maximum_redemptions=1, number_of_redemptions=1)) == ["100.00"]
    assert through(PromotionCode("prom_1", "TEN", "coup_1", maximum_redemptions=1, number_of_redemptions=1), frozenset({"prom_1"})) == [
        "100.00",
        "-10.00",
    ]


def test_unknown_or_inactive_codes_are_skipped_and_the_next_one_applies() -> None:
    codes = [PromotionCode("prom_off", "OFF", "coup_1", status="INACTIVE"), PromotionCode("prom_1", "TEN", "coup_1")]
    found = amounts(items=[flat("100.00")], coupons=[ten()], promotion_codes=codes, promotion_code_ids=["prom_gone", "prom_off", "prom_1"])
    assert found == ["100.00", "-10.00"]
    other = [PromotionCode("prom_x", "X", "coup_missing"), PromotionCode("prom_1", "TEN", "coup_1")]
    assert amounts(items=[flat("100.00")], coupons=[ten()], promotion_codes=other, promotion_code_ids=["prom_x", "prom_1"]) == [
        "100.00",
        "-10.00",
    ]


def test_durations_on_a_later_invoice() -> None:
    december: dict[str, Any] = {"items": [flat("100.00")], "periods": [InvoicePeriodInput(DEC_1, JAN_1)]}
    assert amounts(**december, coupons=[ten()], subscription=DECEMBER_INVOICE) == ["100.00", "-10.00"]  # FOREVER
    once = Coupon(
        "coup_1", "once", "ACTIVE", "PERCENTAGE", percentage=D("10"), duration_type="ONE_TIME", duration_period=BillingPeriod("MONTH", 3)
    )
    assert amounts(**december, coupons=[once], subscription=DECEMBER_INVOICE) == ["100.00"]  # a period on ONE_TIME is ignored
    months = Coupon(
        "coup_1", "3 months", "ACTIVE", "PERCENTAGE", percentage=D("10"), duration_type="PERIOD", duration_period=BillingPeriod("MONTH", 1)
    )
    # One month from Nov 1: December starts on Dec 1, not before it: no discount. On the first invoice (no earlier one), November is in.
    assert amounts(**december, coupons=[months], subscription=DECEMBER_INVOICE) == ["100.00"]
    assert amounts(items=[flat("100.00")], coupons=[months], coupon_ids=["coup_1"]) == ["100.00", "-10.00"]


def test_a_coupon_with_nothing_eligible_does_not_stop_the_next() -> None:
    nothing = Coupon(
        "coup_red",
        "reduced only",
        "ACTIVE",
        "PERCENTAGE",
        percentage=D("50"),
        duration_type="FOREVER",
        limited_to_product_ids=("prod_red",),
    )
    usage = Coupon("coup_use", "usage", "ACTIVE", "USAGE", duration_type="FOREVER")
    found = amounts(items=[flat("100.00")], coupons=[nothing, usage, ten()], coupon_ids=["coup_red", "coup_use", "coup_1"])
    assert found == ["100.00", "-10.00"]


def test_coupons_without_their_value_give_nothing() -> None:
    no_percentage = Coupon("coup_1", "broken", "ACTIVE", "PERCENTAGE", duration_type="FOREVER")
    no_amount = Coupon("coup_1", "broken", "ACTIVE", "AMOUNT", duration_type="FOREVER")
    assert amounts(items=[flat("100.00")], coupons=[no_percentage], coupon_ids=["coup_1"]) == ["100.00"]
    assert amounts(items=[flat("100.00")], coupons=[no_amount], coupon_ids=["coup_1"]) == ["100.00"]
    # An AMOUNT coupon that also names a percentage is an amount: 10.00 off, not 5 %.
    both = Coupon(
        "coup_1", "both", "ACTIVE", "AMOUNT", percentage=D("5"), amount=D("10.00"), amount_currency="EUR", duration_type="FOREVER"
    )
    assert amounts(items=[flat("100.00")], coupons=[both], coupon_ids=["coup_1"]) == ["100.00", "-10.00"]
    half = Coupon("coup_1", "half", "ACTIVE", "PERCENTAGE", percentage=D("50"), amount=D("1.00"), duration_type="FOREVER")
    assert amounts(items=[flat("100.00")], coupons=[half], coupon_ids=["coup_1"]) == ["100.00", "-50.00"]


def test_small_amounts_and_discounts_rounding_to_nothing() -> None:
    # 10 % of 0.50 = 0.05. 1 % of 0.40 = 0.004 -> 0.00: the coupon is applied (listed) but makes no line.
    assert amounts(items=[flat("0.50")], coupons=[ten()], coupon_ids=["coup_1"]) == ["0.50", "-0.05"]
    tiny = Coupon("coup_1", "1% off", "ACTIVE", "PERCENTAGE", percentage=D("1"), duration_type="FOREVER")
    rated = rate([flat("0.40")], coupons=[tiny], coupon_ids=["coup_1"])
    assert [q(line["amount_excluding_tax"]) for line in lines_of(rated)] == ["0.40"]
    assert rated.coupons == [{"coupon_id": "coup_1", "coupon_name": "1% off"}]


def test_a_group_netting_to_zero_gets_no_discount_line_even_for_a_coupon_without_a_rate() -> None:
    # 100.00 and a credit of -100.00: nothing remains; a USD coupon without a USD->EUR rate makes no line either.
    usd = Coupon("coup_1", "ten dollars", "ACTIVE", "AMOUNT", amount=D("10"), amount_currency="USD", duration_type="FOREVER")
    rated = rate([flat("100.00"), flat("-100.00", "pitm_credit")], coupons=[usd], coupon_ids=["coup_1"])
    assert [q(line["amount_excluding_tax"]) for line in lines_of(rated)] == ["100.00", "-100.00"]
    assert rated.derived.validation_result == []


def test_a_code_for_another_customer_does_not_stop_the_next_code() -> None:
    elsewhere = PromotionCode("prom_other", "OTHER", "coup_1", limited_to_customer_ids=("cust_9",))
    mine = PromotionCode("prom_1", "TEN", "coup_1", limited_to_customer_ids=("cust_1",))
    found = amounts(items=[flat("100.00")], coupons=[ten()], promotion_codes=[elsewhere, mine], promotion_code_ids=["prom_other", "prom_1"])
    assert found == ["100.00", "-10.00"]


def test_twelve_months_is_the_same_day_a_year_later() -> None:
    assert add_period(datetime(2026, 1, 15, tzinfo=UTC), BillingPeriod("MONTH", 12)) == datetime(2027, 1, 15, tzinfo=UTC)
