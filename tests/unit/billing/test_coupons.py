"""Coupons and promotion codes (docs/billing-decisions.md)."""

from datetime import UTC, datetime
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from invoicegraph.billing.coupons import add_period
from invoicegraph.billing.inputs import BillingPeriod, Coupon, ExchangeRate, InvoicePeriodInput, PromotionCode, Subscription

from .factories import DEC_1, JAN_1, NOV_1, examples, flat, lines_of, q, rate, refusal

BASE = flat("94.50")


def pct(cid: str, percentage: str, **kwargs: object) -> Coupon:
    return Coupon(cid, f"{percentage}% off", "ACTIVE", "PERCENTAGE", percentage=D(percentage), duration_type="FOREVER", **kwargs)  # type: ignore[arg-type]


def fixed(cid: str, value: str, currency: str = "EUR", **kwargs: object) -> Coupon:
    return Coupon(cid, f"{value} off", "ACTIVE", "AMOUNT", amount=D(value), amount_currency=currency, duration_type="FOREVER", **kwargs)  # type: ignore[arg-type]


def discounts(rated: object) -> list[str]:
    return [q(line["amount_excluding_tax"]) for line in lines_of(rated) if line["type"] == "DISCOUNT"]  # type: ignore[arg-type]


def test_worked_example_20_percent_then_10_fixed() -> None:
    rated = rate([BASE], coupons=[pct("coup_20", "20"), fixed("coup_10", "10.00")], coupon_ids=["coup_20", "coup_10"])
    assert discounts(rated) == ["-18.90", "-10.00"]
    summary = rated.derived.tax_summary
    assert (q(summary["base_amount"]), q(summary["tax_amount"]), q(summary["total_amount"])) == ("65.60", "13.78", "79.38")
    assert q(rated.derived.invoice_amount_including_tax) == "79.38"
    line = next(line for line in lines_of(rated) if line["type"] == "DISCOUNT")
    assert line["coupon_data"] == {"coupon_id": "coup_20", "promotion_code_id": None}
    assert line["discount_type"] == "PERCENTAGE"
    assert rated.coupons == [{"coupon_id": "coup_20", "coupon_name": "20% off"}, {"coupon_id": "coup_10", "coupon_name": "10.00 off"}]


def test_order_matters_each_coupon_takes_from_what_remains() -> None:
    rated = rate([BASE], coupons=[pct("coup_20", "20"), fixed("coup_10", "10.00")], coupon_ids=["coup_10", "coup_20"])
    assert discounts(rated) == ["-10.00", "-16.90"]


def test_amount_is_capped_at_what_remains_and_the_group_never_goes_negative() -> None:
    rated = rate([flat("30.00")], coupons=[pct("coup_50", "50"), fixed("coup_100", "100.00")], coupon_ids=["coup_50", "coup_100"])
    assert discounts(rated) == ["-15.00", "-15.00"]
    group = rated.derived.periods[0]["groups"][0]
    assert q(group["amount_excluding_tax"]) == "0.00"
    assert q(rated.derived.invoice_amount_including_tax) == "0.00"


def test_a_negative_line_counts_against_what_remains_eligible() -> None:
    # A credit priced as a negative flat fee: the eligible lines net 2.00, so no coupon takes more.
    items = [flat("-3.00", "pitm_credit"), flat("5.00", "pitm_fee")]
    rated = rate(items, coupons=[fixed("coup_4", "4.00")], coupon_ids=["coup_4"])
    assert discounts(rated) == ["-2.00"]
    assert q(rated.derived.periods[0]["groups"][0]["amount_excluding_tax"]) == "0.00"
    assert discounts(rate(items, coupons=[pct("coup_all", "100")], coupon_ids=["coup_all"])) == ["-2.00"]
    assert discounts(rate(items, coupons=[pct("coup_half", "50")], coupon_ids=["coup_half"])) == ["-1.00"]


def test_a_negative_line_outside_the_coupon_still_keeps_the_group_from_going_negative() -> None:
    # 50 % of the eligible 10.00 is 5.00, but the group nets 2.00 (a credit the coupon does not cover).
    items = [flat("10.00", "pitm_api", "prod_api"), flat("-8.00", "pitm_credit", "prod_std")]
    coupon = pct("coup_api", "50", limited_to_product_ids=("prod_api",))
    rated = rate(items, coupons=[coupon], coupon_ids=["coup_api"])
    assert discounts(rated) == ["-2.00"]
    assert q(rated.derived.periods[0]["groups"][0]["amount_excluding_tax"]) == "0.00"


def test_a_group_that_nets_below_zero_gets_no_discount() -> None:
    items = [flat("-8.00", "pitm_credit"), flat("5.00", "pitm_fee")]
    assert discounts(rate(items, coupons=[pct("coup_20", "20"), fixed("coup_1", "1.00")], coupon_ids=["coup_20", "coup_1"])) == []


@settings(max_examples=examples(200), deadline=None)
@given(
    prices=st.lists(st.decimals(min_value=D("-50"), max_value=D("80"), places=2), min_size=1, max_size=4),
    products=st.lists(st.sampled_from(("prod_std", "prod_red", "prod_api")), min_size=4, max_size=4),
    offers=st.lists(
        st.one_of(
            st.decimals(min_value=D("0"), max_value=D("150"), places=2).map(lambda p: ("PERCENTAGE", str(p))),
            st.decimals(min_value=D("0"), max_value=D("200"), places=2).map(lambda a: ("AMOUNT", str(a))),
        ),
        max_size=3,
    ),
    limited=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_discounts_never_make_a_group_negative_nor_exceed_what_was_eligible(
    prices: list[D], products: list[str], offers: list[tuple[str, str]], limited: list[bool]
) -> None:
    items = [flat(str(price), f"pitm_{i}", products[i]) for i, price in enumerate(prices)]
    attached = [
        (pct if kind == "PERCENTAGE" else fixed)(f"coup_{i}", value, limited_to_product_ids=("prod_api",) if limited[i] else ())
        for i, (kind, value) in enumerate(offers)
    ]
    rated = rate(items, coupons=attached, coupon_ids=[c.id for c in attached])
    for period in rated.derived.periods:
        for group in period["groups"]:
            revenue = sum((D(q(line["amount_excluding_tax"])) for line in group["lines"] if line["type"] == "REVENUE"), D(0))
            taken = [D(q(line["amount_excluding_tax"])) for line in group["lines"] if line["type"] == "DISCOUNT"]
            assert all(amount <= 0 for amount in taken)
            assert revenue + sum(taken, D(0)) >= min(revenue, D(0))


def test_percentage_above_100_is_capped() -> None:
    assert discounts(rate([flat("30.00")], coupons=[pct("coup_x", "150")], coupon_ids=["coup_x"])) == ["-30.00"]


def test_one_discount_line_per_tax_category_split_by_largest_remainder() -> None:
    items = [flat("10.00", "pitm_a", "prod_std"), flat("10.00", "pitm_b", "prod_red"), flat("10.00", "pitm_c", "prod_std")]
    rated = rate(items, coupons=[fixed("coup_5", "5.00")], coupon_ids=["coup_5"])
    lines = [line for line in lines_of(rated) if line["type"] == "DISCOUNT"]
    assert [(line["tax_category"], q(line["amount_excluding_tax"])) for line in lines] == [("STANDARD", "-3.33"), ("REDUCED", "-1.67")]
    categories = {e["category"]: (q(e["base_amount"]), q(e["tax_amount"])) for e in rated.derived.tax_categories}
    assert categories == {"STANDARD": ("16.67", "3.50"), "REDUCED": ("8.33", "0.75")}


def test_limited_to_products_discounts_only_their_lines() -> None:
    items = [flat("49.00", "pitm_base", "prod_std"), flat("94.50", "pitm_api", "prod_api")]
    coupon = pct("coup_api", "20", limited_to_product_ids=("prod_api",))
    assert discounts(rate(items, coupons=[coupon], coupon_ids=["coup_api"])) == ["-18.90"]
    by_item = pct("coup_item", "10", limited_to_product_item_ids=("pitm_base",))
    assert discounts(rate(items, coupons=[by_item], coupon_ids=["coup_item"])) == ["-4.90"]


def test_inactive_and_out_of_window_coupons_do_not_apply() -> None:
    draft = Coupon("coup_d", "d", "DRAFT", "PERCENTAGE", percentage=D("10"), duration_type="FOREVER")
    ended = pct("coup_e", "10", end_at=DEC_1)  # window is [start, end): the period end must be before it
    future = pct("coup_f", "10", start_at=datetime(2026, 12, 2, tzinfo=UTC))
    open_ended = pct("coup_o", "10", start_at=NOV_1)
    rated = rate([BASE], coupons=[draft, ended, future, open_ended], coupon_ids=["coup_d", "coup_e", "coup_f", "coup_o"])
    assert discounts(rated) == ["-9.45"]
    assert [c["coupon_id"] for c in rated.coupons] == ["coup_o"]


def test_maximum_redemptions_but_not_against_this_invoice_own_redemption() -> None:
    full = pct("coup_m", "10", maximum_redemptions=3, number_of_redemptions=3)
    assert discounts(rate([BASE], coupons=[full], coupon_ids=["coup_m"])) == []
    assert discounts(rate([BASE], coupons=[full], coupon_ids=["coup_m"], redeemed=frozenset({"coup_m"}))) == ["-9.45"]
    below = pct("coup_m", "10", maximum_redemptions=3, number_of_redemptions=2)
    assert discounts(rate([BASE], coupons=[below], coupon_ids=["coup_m"])) == ["-9.45"]


def test_one_time_applies_only_on_the_first_invoice_and_its_first_period() -> None:
    once = Coupon("coup_1", "once", "ACTIVE", "AMOUNT", amount=D("5"), amount_currency="EUR", duration_type="ONE_TIME")
    two_periods = [InvoicePeriodInput(NOV_1, DEC_1), InvoicePeriodInput(DEC_1, JAN_1)]
    first = rate([BASE], coupons=[once], coupon_ids=["coup_1"], periods=two_periods)
    assert discounts(first) == ["-5.00"]
    assert lines_of(first)[1]["id"] != lines_of(first)[0]["id"]
    later = Subscription(
        "psub_1", "ppln_1", ("coup_1",), first_invoice_id="invo_0", first_invoice_start_at=datetime(2026, 10, 1, tzinfo=UTC)
    )
    assert discounts(rate([BASE], coupons=[once], subscription=later)) == []
    same = Subscription("psub_1", "ppln_1", ("coup_1",), first_invoice_id="invo_1", first_invoice_start_at=NOV_1)
    assert discounts(rate([BASE], coupons=[once], subscription=same)) == ["-5.00"]


def test_period_duration_counts_billing_periods_from_the_first_invoice() -> None:
    three_months = Coupon(
        "coup_3", "3 months", "ACTIVE", "PERCENTAGE", percentage=D("10"), duration_type="PERIOD", duration_period=BillingPeriod("MONTH", 3)
    )

    def sub(first_start: datetime) -> Subscription:
        return Subscription("psub_1", "ppln_1", ("coup_3",), first_invoice_id="invo_0", first_invoice_start_at=first_start)

    assert discounts(rate([BASE], coupons=[three_months], subscription=sub(datetime(2026, 9, 1, tzinfo=UTC)))) == ["-9.45"]  # 3rd month
    assert discounts(rate([BASE], coupons=[three_months], subscription=sub(datetime(2026, 8, 1, tzinfo=UTC)))) == []  # 4th month


def test_promotion_codes_apply_after_coupons_and_need_to_be_active_and_for_this_customer() -> None:
    coupon = fixed("coup_ten", "10.00")
    good = PromotionCode("prom_ok", "TENOFF", "coup_ten")
    rated = rate(
        [BASE], coupons=[coupon, pct("coup_20", "20")], promotion_codes=[good], coupon_ids=["coup_20"], promotion_code_ids=["prom_ok"]
    )
    assert discounts(rated) == ["-18.90", "-10.00"]
    promo_line = [line for line in lines_of(rated) if line["type"] == "DISCOUNT"][1]
    assert promo_line["coupon_data"] == {"coupon_id": "coup_ten", "promotion_code_id": "prom_ok"}
    assert rated.promotion_codes == [
        {"promotion_code_details": {"promotion_code_id": "prom_ok", "code": "TENOFF"}, "coupon_id": "coup_ten"}
    ]
    inactive = PromotionCode("prom_off", "OFF", "coup_ten", status="INACTIVE")
    other = PromotionCode("prom_other", "OTHER", "coup_ten", limited_to_customer_ids=("cust_2",))
    mine = PromotionCode("prom_mine", "MINE", "coup_ten", limited_to_customer_ids=("cust_1",))
    for code, expected in ((inactive, []), (other, []), (mine, ["-10.00"])):
        assert discounts(rate([BASE], coupons=[coupon], promotion_codes=[code], promotion_code_ids=[code.id])) == expected


def test_amount_coupon_in_another_currency_is_converted() -> None:
    usd = ExchangeRate("fxrt_1", "USD", "EUR", D("0.92"), datetime(2026, 10, 31, tzinfo=UTC))
    rated = rate([BASE], coupons=[fixed("coup_usd", "10.00", "USD")], coupon_ids=["coup_usd"], exchange_rates=[usd])
    assert discounts(rated) == ["-9.20"]
    assert len(rated.used_exchange_rates) == 1


def test_amount_coupon_without_a_rate_is_zero_and_a_blocking_error() -> None:
    rated = rate([BASE], coupons=[fixed("coup_usd", "10.00", "USD")], coupon_ids=["coup_usd"])
    assert discounts(rated) == ["0.00"]
    assert rated.derived.has_blocking_error
    assert "No exchange rate from USD to EUR" in rated.derived.validation_result[0]["details"]


def test_unknown_coupon_ids_are_ignored() -> None:
    assert discounts(rate([BASE], coupon_ids=["coup_missing"])) == []


def test_add_period_counts_calendar_periods_and_clamps_month_ends() -> None:
    start = datetime(2028, 1, 31, 6, tzinfo=UTC)
    assert add_period(start, BillingPeriod("DAY", 2)) == datetime(2028, 2, 2, 6, tzinfo=UTC)
    assert add_period(start, BillingPeriod("WEEK", 2)) == datetime(2028, 2, 14, 6, tzinfo=UTC)
    assert add_period(start, BillingPeriod("MONTH", 1)) == datetime(2028, 2, 29, 6, tzinfo=UTC)  # a leap year
    assert add_period(start, BillingPeriod("MONTH", 13)) == datetime(2029, 2, 28, 6, tzinfo=UTC)
    assert add_period(start, BillingPeriod("MONTH", 11)) == datetime(2028, 12, 31, 6, tzinfo=UTC)
    assert add_period(datetime(2028, 2, 29, tzinfo=UTC), BillingPeriod("YEAR", 1)) == datetime(2029, 2, 28, tzinfo=UTC)
    assert add_period(datetime(2028, 3, 15, tzinfo=UTC), BillingPeriod("YEAR", 2)) == datetime(2030, 3, 15, tzinfo=UTC)
    assert refusal(lambda: add_period(start, BillingPeriod("QUARTER", 1))) == "unknown period type 'QUARTER'"
