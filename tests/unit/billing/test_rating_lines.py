"""What a REVENUE line records (docs/billing-decisions.md): its id, description, product, quantity,
meter snapshot, price details and billing periods."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

from invoicegraph.billing import rate_invoice
from invoicegraph.billing.currency import unique_used_rates, used_rate_dict
from invoicegraph.billing.inputs import BillingPeriod, ExchangeRate, MeterValue, PricingItem, Subscription, Tier
from invoicegraph.billing.pricing import price

from .factories import NOV_1, flat, lines_of, q, rate, rating_inputs, refusal


def test_a_revenue_line_records_its_item() -> None:
    # Line id: sha256 of "invoice | period index | subscription | item".
    line = lines_of(rate([flat("49.00")]))[0]
    assert line["id"] == f"invl_{hashlib.sha256(b'invo_1|0|psub_1|pitm_flat').hexdigest()[:24]}"
    assert (line["description"], line["product_id"], line["pricing_item_id"], line["pricing_type"], line["type"]) == (
        "Flat pitm_flat",
        "prod_std",
        "pitm_flat",
        "FLAT",
        "REVENUE",
    )
    assert (line["details"]["pricing_currency"], line["details"]["pricing_amount"], line["details"]["used_exchange_rates"]) == (
        None,
        None,
        [],
    )
    assert line["meter_value"] is None
    # Without a description of its own, the line takes the product's name; an unknown product is STANDARD.
    unnamed = lines_of(rate([PricingItem("pitm_x", "prod_red", "FLAT", price=D("10"))]))[0]
    assert unnamed["description"] == "Reduced thing"
    unknown = lines_of(rate([PricingItem("pitm_y", "prod_gone", "FLAT", price=D("10"))]))[0]
    assert (unknown["description"], unknown["tax_category"]) == (None, "STANDARD")


def test_an_item_without_meter_value_has_quantity_one_per_period() -> None:
    # PER_UNIT 2.50 without a meter value: 1 × 2.50, whatever usage is recorded under its id.
    item = PricingItem("pitm_seat", "prod_std", "PER_UNIT", unit_price=D("2.50"))
    assert [q(line["amount_excluding_tax"]) for line in lines_of(rate([item], usage={(0, "pitm_seat"): D("7")}))] == ["2.50"]


def test_the_meter_snapshot_follows_the_meter_value_type() -> None:
    item = PricingItem("pitm_gb", "prod_std", "PER_UNIT", unit_price=D("0.10"), meter_value_id="metv_gb", aggregation="SUM")
    inputs = rating_inputs([item], usage={(0, "pitm_gb"): D("12.5")}, plan_currency="EUR")
    amount_kind = rate_invoice(replace(inputs, meter_values=(MeterValue("metv_gb", "storage", "AMOUNT"),)))
    assert lines_of(amount_kind)[0]["meter_value"] == {
        "id": "metv_gb",
        "reference": "storage",
        "type": "AMOUNT",
        "number": None,
        "amount": {"quantity": "12.50", "currency": "EUR"},
    }
    unknown = rate_invoice(inputs)  # a meter value the inputs do not describe: a NUMBER named by its id
    assert lines_of(unknown)[0]["meter_value"] == {
        "id": "metv_gb",
        "reference": "metv_gb",
        "type": "NUMBER",
        "number": "12.5",
        "amount": None,
    }
    assert (unknown.meter_value_ids, unknown.has_usage_based_pricing) == (["metv_gb"], True)


def test_periods_and_groups_carry_the_billing_period() -> None:
    weekly = Subscription("psub_1", "ppln_1", billing_period=BillingPeriod("WEEK", 2))
    rated = rate([flat("1.00")], subscription=weekly)
    period = rated.derived.periods[0]
    # The invoice names no billing period: the first subscription's is the period's, and the group repeats none.
    assert period["billing_period"] == {"type": "WEEK", "value": 2}
    assert period["groups"][0]["billing_period"] is None
    inputs = rating_inputs([flat("1.00")], subscription=weekly)
    monthly = rate_invoice(replace(inputs, billing_period=BillingPeriod("MONTH", 1)))
    assert monthly.derived.periods[0]["billing_period"] == {"type": "MONTH", "value": 1}
    assert monthly.derived.periods[0]["groups"][0]["billing_period"] == {"type": "WEEK", "value": 2}
    assert rate([flat("1.00")]).derived.periods[0]["billing_period"] == {"type": "MONTH", "value": 1}  # nothing named: a month


def test_a_subscription_whose_plan_is_missing_is_refused() -> None:
    inputs = rating_inputs([flat("1.00")], subscription=Subscription("psub_9", "ppln_gone"))
    assert refusal(lambda: rate_invoice(inputs)) == "subscription psub_9: pricing plan ppln_gone is not among the inputs"


def test_pricing_refuses_an_item_without_its_price_or_tiers() -> None:
    assert refusal(lambda: price(PricingItem("i", "p", "PER_UNIT"), D(1))) == "the pricing item lacks the price its model needs"
    assert refusal(lambda: price(PricingItem("i", "p", "VOLUME"), D(1))) == "a tiered pricing item needs at least one tier"
    assert refusal(lambda: price(PricingItem("i", "p", "BUNDLE"), D(1))) == "unknown pricing model 'BUNDLE'"
    # A bound exactly at the quantity ends the walk: 100 units in (≤100 at 0.10) cost 10.00, nothing from the next tier.
    tiers = (Tier(D("100"), D("0.10")), Tier(D("1000"), D("0.08"), D("5")), Tier(None, D("0.05")))
    assert price(PricingItem("i", "p", "GRADUATED", tiers=tiers), D(100)) == D("10.00")


def test_used_rates_print_exactly_and_are_listed_once_in_a_fixed_order() -> None:
    tiny = ExchangeRate("fxrt_1", "JPY", "BHD", D("0.00000025"), NOV_1, None)
    assert used_rate_dict(tiny) == {
        "currency": "BHD",
        "base_currency": "JPY",
        "rate_timestamp": "2026-11-01T00:00:00Z",
        "rate": "0.00000025",
        "source": None,
    }
    at = datetime(2026, 11, 2, tzinfo=UTC)
    ecb = used_rate_dict(ExchangeRate("fxrt_2", "USD", "EUR", D("0.9"), at, "ECB"))
    none = used_rate_dict(ExchangeRate("fxrt_3", "USD", "EUR", D("0.9"), at, None))
    # Same pair, time and rate: a rate without source sorts before one with (its source reads as "").
    assert unique_used_rates([ecb, none, ecb]) == [none, ecb]


def test_the_whole_rated_period_in_the_vendor_shape() -> None:
    # One FLAT 100.00 EUR at NL 21 %: 21.00 tax, 121.00 total, at every level.
    eur = {"currency": "EUR"}
    net, tax, gross = {"quantity": "100.00", **eur}, {"quantity": "21.00", **eur}, {"quantity": "121.00", **eur}
    entry = {
        "base_amount": net,
        "tax_amount": tax,
        "total_amount": gross,
        "percentage": "21",
        "name": "BTW",
        "category": "STANDARD",
        "local_amounts": None,
        "notes": [],
        "rates": [{"name": "BTW", "percentage": "21", "tax_amount": tax}],
    }
    details = {
        "amount": net, "pricing_currency": None, "pricing_amount": None, "conversion": None, "band": None, "meter_value": None,
        "tiering_meter_value": None, "price_bound": None, "meter_values": [], "report_meter_values": [], "description": None,
        "used_exchange_rates": [], "included_volume_details": None, "wallet_balance_details": None, "split_pricing": None,
        "meter_value_share_of_total": None, "meter_value_share_of_processing_only_customer_total": None,
    }  # fmt: skip
    line = {
        "id": f"invl_{hashlib.sha256(b'invo_1|0|psub_1|pitm_flat').hexdigest()[:24]}", "line_order": 0, "description": "Flat pitm_flat",
        "pricing_item_id": "pitm_flat", "pricing_item_config_id": None, "product_items": [], "type": "REVENUE", "pricing_type": "FLAT",
        "commitment_type": None, "discount_type": None, "coupon_data": None, "tax_categories": [entry], "amount_excluding_tax": net,
        "amount_including_tax": gross, "conditions": None, "meter_value": None, "details": details, "sub_lines": [],
        "product_id": "prod_std", "tax_category": "STANDARD",
    }  # fmt: skip
    group = {
        "group_order": 0, "amount_excluding_tax": net, "amount_including_tax": gross, "billing_period": None, "start_at": None,
        "end_at": None, "type": None, "product_category": None, "products": [], "pricing": {"id": "ppln_1", "name": "Plan"},
        "description": "Plan", "pricing_plan_subscription_id": "psub_1", "pricing_plan_schedule_id": None, "billing_customer_id": None,
        "forwarded_from_customer_id": None, "tax_categories": [entry], "lines": [line],
    }  # fmt: skip
    assert rate([flat("100.00")]).derived.periods == [
        {
            "period_order": 0,
            "amount_excluding_tax": net,
            "amount_including_tax": gross,
            "billing_period": {"type": "MONTH", "value": 1},
            "start_at": "2026-11-01T00:00:00Z",
            "end_at": "2026-12-01T00:00:00Z",
            "tax_categories": [entry],
            "groups": [group],
        }
    ]
