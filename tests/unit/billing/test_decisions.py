"""The decisions on edge cases (docs/billing-decisions.md, "Decisions on edge cases"): one test per item.

Every expected value is worked out by hand in the comment beside it; a test is named after its item's
number there (`test_9_N_…`). Items decided outside the pure engine have their tests where they are
decided: 6 (a null duration) and 16 (prices refused at import) in tests/unit/records, 17 in
tests/unit/services/refresh/test_stored_sales_tax.py, 18 in test_local_amounts.py, 19 in
tests/unit/services/refresh/test_refresh_copies.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

from invoicegraph.billing import DerivationInputs, recompute_derived
from invoicegraph.billing.inputs import (
    BillingPeriod,
    Coupon,
    ExchangeRate,
    InvoicePeriodInput,
    PricingItem,
    Subscription,
    TaxIdFact,
    TaxRate,
    Tier,
)
from invoicegraph.billing.usage import Condition, UsageEvent, aggregate

from .factories import DEC_1, JAN_1, NOV_1, PERIOD, RATE_TABLE, derive, flat, lines_of, q, rate, stored_periods, tax_facts

DECEMBER = InvoicePeriodInput(DEC_1, JAN_1)


def amounts(entries: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(e["category"], e["percentage"], q(e["base_amount"]), q(e["tax_amount"])) for e in entries]


def percent_off(percentage: str, *, duration: str = "FOREVER", **kwargs: Any) -> Coupon:
    return Coupon("coup_1", f"{percentage}% off", "ACTIVE", "PERCENTAGE", percentage=D(percentage), duration_type=duration, **kwargs)


def test_9_1_a_rate_is_not_valid_at_its_valid_to() -> None:
    # The only NL rate ends exactly at the period's end (Dec 1): no rate, 0 % and a blocking error.
    ending = (TaxRate("txrt_nl_old", "NL", "STANDARD", D("21"), "BTW", datetime(2012, 10, 1, tzinfo=UTC), DEC_1),)
    invoice = derive(["100.00"], tax_rates=ending)
    assert q(invoice.tax_summary["tax_amount"]) == "0.00"
    assert invoice.validation_result == [
        {"status": "ERROR", "details": "No STANDARD tax rate for NL valid at 2026-12-01T00:00:00Z; 0% was applied"}
    ]
    # One second later it would still have been valid: 100.00 × 21 % = 21.00.
    assert (
        q(
            derive(["100.00"], tax_rates=(TaxRate("r", "NL", "STANDARD", D("21"), "BTW", None, DEC_1.replace(second=1)),)).tax_summary[
                "tax_amount"
            ]
        )
        == "21.00"
    )


def test_9_2_each_period_is_taxed_at_the_rates_valid_at_its_own_end() -> None:
    # NL STANDARD goes from 21 % to 22 % on 2027-01-01: November (ends Dec 1) at 21 %, December (ends Jan 1) at 22 %.
    table = (
        TaxRate("txrt_nl_21", "NL", "STANDARD", D("21"), "BTW", datetime(2012, 10, 1, tzinfo=UTC), JAN_1),
        TaxRate("txrt_nl_22", "NL", "STANDARD", D("22"), "BTW", JAN_1),
    )
    rated = rate([flat("100.00")], periods=[PERIOD, DECEMBER], tax_rates=table)
    assert amounts(rated.derived.tax_categories) == [("STANDARD", "22", "100.00", "22.00"), ("STANDARD", "21", "100.00", "21.00")]
    assert q(rated.derived.tax_summary["total_amount"]) == "243.00"  # 200.00 + 21.00 + 22.00
    assert [amounts(p["tax_categories"]) for p in rated.derived.periods] == [
        [("STANDARD", "21", "100.00", "21.00")],
        [("STANDARD", "22", "100.00", "22.00")],
    ]
    assert [(r["tax_rate_id"], r["period_end_at"]) for r in rated.derived.tax_rates] == [
        ("txrt_nl_21", "2026-12-01T00:00:00Z"),
        ("txrt_nl_22", "2027-01-01T00:00:00Z"),
    ]


def test_9_2_lines_of_the_same_rate_in_several_periods_are_one_tax_group() -> None:
    # 0.03 in each of two periods at 21 %: one group, round(0.06 × 0.21 = 0.0126) = 0.01; per period it would be 0.01 + 0.01.
    rated = rate([flat("0.03")], periods=[PERIOD, DECEMBER])
    assert q(rated.derived.tax_summary["tax_amount"]) == "0.01"


def test_9_3_latest_ties_go_to_the_greatest_reference() -> None:
    at = NOV_1.replace(day=5)
    events = [UsageEvent("evt-b", at, D("5")), UsageEvent("evt-a", at, D("7")), UsageEvent("evt-0", NOV_1, D("9"))]
    assert aggregate(events, "LATEST") == D("5")
    assert aggregate(list(reversed(events)), "LATEST") == D("5")


def test_9_4_conditions_on_a_missing_property() -> None:
    events = [UsageEvent("e1", NOV_1, D("1"), {"region": "eu"}), UsageEvent("e2", NOV_1, D("10"), {})]
    assert aggregate(events, "SUM", conditions=[Condition("region", "EQUALS", "us")]) == D("0")
    assert aggregate(events, "SUM", conditions=[Condition("region", "IN", values=("us",))]) == D("0")
    assert aggregate(events, "SUM", conditions=[Condition("region", "NOT_EQUALS", "eu")]) == D("10")  # only e2
    assert aggregate(events, "SUM", conditions=[Condition("region", "NOT_IN", values=("eu",))]) == D("10")


def test_9_5_a_tax_id_marked_not_valid_is_no_tax_id_for_reverse_charge() -> None:
    # NL entity, BE organization whose only tax id is NOT_VALID: 3d, Belgian 21 %, plus the warning.
    invoice = derive(["100.00"], tax=tax_facts("NL", "BE", tax_ids=[TaxIdFact("BE0123", "NOT_VALID")]))
    assert amounts(invoice.tax_categories) == [("STANDARD", "21", "100.00", "21.00")]
    assert invoice.validation_result == [
        {"status": "WARNING", "details": "Customer tax id BE0123 is marked not valid; it is not used for reverse charge"}
    ]


def test_9_6_a_one_time_coupon_discounts_only_the_first_period_of_the_first_invoice() -> None:
    rated = rate([flat("100.00")], periods=[PERIOD, DECEMBER], coupons=[percent_off("20", duration="ONE_TIME")], coupon_ids=["coup_1"])
    assert [[q(line["amount_excluding_tax"]) for g in p["groups"] for line in g["lines"]] for p in rated.derived.periods] == [
        ["100.00", "-20.00"],
        ["100.00"],
    ]


def test_9_7_tax_goes_to_the_invoice_groups_first_then_to_their_lines() -> None:
    # NL REDUCED 9 %. Group A: five lines of 0.03 (exact tax 0.0027 each, 0.0135 together); group B: three
    # lines of 0.07 (0.0063 each, 0.0189). Tax group: round(0.36 × 0.09 = 0.0324) = 0.03.
    # Groups: A floor 0.01 (remainder 0.0035), B floor 0.01 (remainder 0.0089): the third cent goes to B.
    # Lines in one step would give the three cents to B's lines (remainder 0.0063 > 0.0027): A 0.00.
    periods = stored_periods(["0.03"] * 5, categories=["REDUCED"] * 5)
    second = stored_periods(["0.07"] * 3, categories=["REDUCED"] * 3)[0]["groups"][0]
    periods[0]["groups"].append({**second, "group_order": 1, "lines": [{**line, "id": f"b{i}"} for i, line in enumerate(second["lines"])]})
    invoice = recompute_derived(periods, DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), tax_rate_table=RATE_TABLE))
    groups = invoice.periods[0]["groups"]
    assert [q(g["tax_categories"][0]["tax_amount"]) for g in groups] == ["0.01", "0.02"]
    # Within A the cent goes to the first line (equal remainders: the earlier part); within B to the first two.
    assert [q(line["tax_categories"][0]["tax_amount"]) for line in groups[0]["lines"]] == ["0.01", "0.00", "0.00", "0.00", "0.00"]
    assert [q(line["tax_categories"][0]["tax_amount"]) for line in groups[1]["lines"]] == ["0.01", "0.01", "0.00"]


def test_9_8_a_converted_line_is_rounded_once_in_the_billing_currency() -> None:
    # 3 × 0.005 USD = 0.015 USD, × 0.9 = 0.0135 EUR -> 0.01. Rounding in USD first would give 0.02 × 0.9 = 0.018 -> 0.02.
    item = PricingItem("pitm_u", "prod_std", "PER_UNIT", unit_price=D("0.005"), meter_value_id="metv_1", aggregation="SUM")
    usd_eur = ExchangeRate("fxrt_1", "USD", "EUR", D("0.9"), NOV_1, "ECB")
    rated = rate([item], usage={(0, "pitm_u"): D("3")}, plan_currency="USD", exchange_rates=[usd_eur])
    assert q(lines_of(rated)[0]["amount_excluding_tax"]) == "0.01"


def test_9_9_zero_and_exempt_lines_are_zero_percent_under_sales_tax() -> None:
    # US to US at 8.875 %: only the STANDARD 100.00 is taxed, round(8.875) = 8.88.
    invoice = derive(
        ["100.00", "50.00", "20.00"], tax=tax_facts("US", "US", invoice_pct="8.875"), categories=["STANDARD", "ZERO", "EXEMPT"]
    )
    assert amounts(invoice.tax_categories) == [
        ("SALES_TAX", "8.875", "100.00", "8.88"),
        ("ZERO", "0", "50.00", "0.00"),
        ("EXEMPT", "0", "20.00", "0.00"),
    ]
    assert q(invoice.tax_summary["total_amount"]) == "178.88"


def test_9_10_a_tiered_quantity_of_zero_costs_nothing() -> None:
    tiers = (Tier(D("100"), D("0.10"), D("5.00")), Tier(None, D("0.05"), D("2.00")))
    items = [
        PricingItem("pitm_g", "prod_std", "GRADUATED", tiers=tiers, flat_price=D("10.00"), meter_value_id="metv_1", aggregation="SUM"),
        PricingItem("pitm_v", "prod_std", "VOLUME", tiers=tiers, flat_price=D("10.00"), meter_value_id="metv_1", aggregation="SUM"),
    ]
    # No tier's flat price (5.00), no item flat price (10.00): both lines 0.00.
    rated = rate(items, add_zero=True)
    assert [q(line["amount_excluding_tax"]) for line in lines_of(rated)] == ["0.00", "0.00"]
    # One unit: GRADUATED 0.10 + 5.00 + 10.00 = 15.10; VOLUME the same tier, 15.10.
    one = rate(items, usage={(0, "pitm_g"): D("1"), (0, "pitm_v"): D("1")})
    assert [q(line["amount_excluding_tax"]) for line in lines_of(one)] == ["15.10", "15.10"]


def test_9_11_a_coupon_with_nothing_eligible_is_listed_without_a_discount_line() -> None:
    coupon = percent_off("20", duration="ONE_TIME", limited_to_product_ids=("prod_red",))
    rated = rate([flat("100.00")], coupons=[coupon], coupon_ids=["coup_1"])
    assert [line["type"] for line in lines_of(rated)] == ["REVENUE"]
    assert rated.coupons == [{"coupon_id": "coup_1", "coupon_name": "20% off"}]


def test_9_12_a_zero_total_is_paid_whatever_was_paid() -> None:
    assert derive(["0.00"], paid="10.00").payment_status == "PAID"  # not OVERPAID


def test_9_13_flat_is_charged_once_per_invoice_period_whatever_the_subscription_period() -> None:
    yearly = Subscription("psub_1", "ppln_1", billing_period=BillingPeriod("YEAR", 1))
    rated = rate([flat("49.00")], periods=[PERIOD, DECEMBER], subscription=yearly)
    assert [q(p["amount_excluding_tax"]) for p in rated.derived.periods] == ["49.00", "49.00"]


def test_9_14_a_coupon_without_status_is_active() -> None:
    coupon = Coupon.from_fields({"id": "coup_1", "name": "Ten", "discount": {"type": "PERCENTAGE", "percentage": "10"}})
    assert coupon.status == "ACTIVE"
    rated = rate([flat("100.00")], coupons=[coupon], coupon_ids=["coup_1"])
    assert [q(line["amount_excluding_tax"]) for line in lines_of(rated)] == ["100.00", "-10.00"]


def test_9_15_a_credit_invoice_has_nothing_open_and_its_status_compares_absolute_values() -> None:
    # -100.00 at 21 % = -121.00; 40.00 refunded. open = max(-121.00 - 40.00, 0) = 0; closed = -121.00 - 0.
    credit = derive(["-100.00"], paid="40.00")
    assert (q(credit.open_invoice_amount), q(credit.closed_invoice_amount)) == ("0.00", "-121.00")
    assert credit.payment_status == "PARTIALLY_PAID"  # |40.00| < |-121.00|


def test_9_16_a_standard_invoice_below_zero_is_held_with_a_blocking_error() -> None:
    # A credit line of -150.00 and a fee of 100.00: -50.00 net, -10.50 tax, -60.50: kept, but an ERROR.
    rated = rate([flat("-150.00", "pitm_credit"), flat("100.00")])
    assert q(rated.derived.tax_summary["total_amount"]) == "-60.50"
    assert rated.derived.has_blocking_error
    assert rated.derived.validation_result == [
        {
            "status": "ERROR",
            "details": "The invoice total would be -60.50 EUR: a STANDARD invoice cannot be negative; issue a credit invoice instead",
        }
    ]
    # A credit invoice may be negative.
    credit = recompute_derived(
        stored_periods(["-100.00"]), DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), tax_rate_table=RATE_TABLE, invoice_type="CREDIT")
    )
    assert credit.validation_result == []
