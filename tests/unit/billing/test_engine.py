"""`rate_invoice` and `recompute_derived` end to end: shapes, usage lines, determinism, no-op refresh."""

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

from invoicegraph.billing import DerivationInputs, rate_invoice, recompute_derived
from invoicegraph.billing.inputs import (
    Coupon,
    CustomerTaxFacts,
    EntityTaxFacts,
    ExchangeRate,
    InvoicePeriodInput,
    MeterValue,
    PricingPlan,
    Product,
    PromotionCode,
    RatingInputs,
    Subscription,
    TaxFacts,
    TaxRate,
)
from invoicegraph.billing.usage import UsageEvent, aggregate

from .factories import flat, lines_of, q, rate, rating_inputs, rerun, stored_periods, tax_facts
from .test_from_fields import PLAN


def example_inputs(**overrides: object) -> RatingInputs:
    """The docs/importing.md example: Globex (BE organization) billed by the NL entity with a DE registration."""
    plan = PricingPlan.from_fields(PLAN)
    events = [
        UsageEvent.from_fields(
            {"reference": "evt-000001", "timestamp": "2026-11-03T10:00:00Z", "value": "1250", "properties": {"region": "eu"}}
        )
    ]
    calls = plan.items[1]
    period = InvoicePeriodInput.from_fields({"start_at": "2026-11-01T00:00:00Z", "end_at": "2026-12-01T00:00:00Z"})
    quantity = aggregate(
        events, calls.aggregation or "SUM", calls.aggregation_property, calls.conditions, start_at=period.start_at, end_at=period.end_at
    )
    inputs = RatingInputs(
        invoice_id="invo_globex_2026_11",
        customer_id="cust_globex",
        billing_currency="EUR",
        pricing_amount_type="EXCLUDING_TAX",
        periods=(period,),
        subscriptions=(
            Subscription.from_fields(
                {
                    "id": "psub_globex",
                    "pricing_plan_id": "ppln_std",
                    "coupon_ids": ["coup_launch"],
                    "billing_period": {"type": "MONTH", "value": 1},
                }
            ),
        ),
        pricing_plans=(plan,),
        products=(
            Product.from_fields({"id": "prod_api", "name": "API calls", "tax_category": "STANDARD"}),
            Product.from_fields({"id": "prod_base", "name": "Base fee", "tax_category": "STANDARD"}),
        ),
        meter_values=(MeterValue("metv_calls", "calls", "NUMBER"),),
        usage={(0, "pitm_calls"): quantity},
        coupons=(
            Coupon.from_fields(
                {
                    "id": "coup_launch",
                    "name": "Launch 20%",
                    "status": "ACTIVE",
                    "discount": {"type": "PERCENTAGE", "percentage": "20"},
                    "duration": {"type": "FOREVER"},
                    "limited_to": {"product_ids": ["prod_api"]},
                }
            ),
        ),
        tax_rates=(
            TaxRate.from_fields(
                {
                    "id": "txrt_nl_std",
                    "country": "NL",
                    "category": "STANDARD",
                    "percentage": "21",
                    "name": "BTW",
                    "valid_from": "2012-10-01T00:00:00Z",
                }
            ),
            TaxRate.from_fields(
                {
                    "id": "txrt_be_std",
                    "country": "BE",
                    "category": "STANDARD",
                    "percentage": "21",
                    "name": "TVA/BTW",
                    "valid_from": "1996-01-01T00:00:00Z",
                }
            ),
        ),
        tax=TaxFacts(
            CustomerTaxFacts.from_fields(
                {
                    "id": "cust_globex",
                    "type": "ORGANIZATION",
                    "organization": {"tax_id": "BE0123456789", "registered_address": {"country": "BE"}},
                }
            ),
            EntityTaxFacts.from_fields(
                {
                    "id": "enti_nl",
                    "registered_address": {"country": "NL"},
                    "tax_registrations": [{"id": "txrg_de", "registered_address": {"country": "DE"}}],
                }
            ),
        ),
    )
    return replace(inputs, **overrides)  # type: ignore[arg-type]


def test_import_format_example_is_rated() -> None:
    rated = rate_invoice(example_inputs())
    period = rated.derived.periods[0]
    assert list(period) == [
        "period_order",
        "amount_excluding_tax",
        "amount_including_tax",
        "billing_period",
        "start_at",
        "end_at",
        "tax_categories",
        "groups",
    ]
    assert (period["start_at"], period["end_at"], period["billing_period"]) == (
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        {"type": "MONTH", "value": 1},
    )
    group = period["groups"][0]
    assert (group["pricing_plan_subscription_id"], group["pricing"], group["billing_period"]) == (
        "psub_globex",
        {"id": "ppln_std", "name": "Standard"},
        None,
    )
    base, calls, discount = group["lines"]
    assert (base["type"], base["pricing_type"], q(base["amount_excluding_tax"])) == ("REVENUE", "FLAT", "49.00")
    assert (calls["pricing_type"], q(calls["amount_excluding_tax"])) == ("GRADUATED", "94.50")
    assert calls["meter_value"] == {"id": "metv_calls", "reference": "calls", "type": "NUMBER", "number": "1250", "amount": None}
    assert calls["conditions"]["meter_properties"] == [
        {"id": None, "reference": "region", "value": None, "values": ["eu", "us"], "comparator": "IN"}
    ]
    assert (discount["type"], q(discount["amount_excluding_tax"]), discount["description"]) == ("DISCOUNT", "-18.90", "Launch 20%")
    assert [line["line_order"] for line in group["lines"]] == [0, 1, 2]
    # BE organization with a tax id, NL entity without a BE registration: reverse charge.
    assert rated.derived.tax_categories[0]["category"] == "REVERSE_CHARGE"
    assert q(rated.derived.invoice_amount_including_tax) == "124.60"
    assert rated.derived.payment_status == "UNPAID"
    assert rated.meter_value_ids == ["metv_calls"]
    assert rated.has_usage_based_pricing
    assert rated.coupons == [{"coupon_id": "coup_launch", "coupon_name": "Launch 20%"}]
    assert rated.derived.validation_result == []
    json.dumps(rated.as_dict())  # plain JSON data: no Decimal, no datetime


def test_line_tax_categories_and_amounts_shape() -> None:
    rated = rate([flat("100.00")])
    line = lines_of(rated)[0]
    assert line["tax_categories"] == [
        {
            "base_amount": {"quantity": "100.00", "currency": "EUR"},
            "tax_amount": {"quantity": "21.00", "currency": "EUR"},
            "total_amount": {"quantity": "121.00", "currency": "EUR"},
            "percentage": "21",
            "name": "BTW",
            "category": "STANDARD",
            "local_amounts": None,
            "notes": [],
            "rates": [{"name": "BTW", "percentage": "21", "tax_amount": {"quantity": "21.00", "currency": "EUR"}}],
        }
    ]
    assert rated.derived.tax_summary == {
        "base_amount": {"quantity": "100.00", "currency": "EUR"},
        "tax_amount": {"quantity": "21.00", "currency": "EUR"},
        "total_amount": {"quantity": "121.00", "currency": "EUR"},
        "local_amounts": None,
        "notes": [],
        "country_code": "NL",
    }
    assert rated.derived.tax_rates == [
        {
            "category": "STANDARD",
            "country": "NL",
            "percentage": "21",
            "name": "BTW",
            "tax_rate_id": "txrt_nl_std",
            "period_end_at": "2026-12-01T00:00:00Z",
            "source": "TABLE",
        }
    ]


def test_zero_usage_lines_are_dropped_unless_the_platform_setting_keeps_them() -> None:
    items = [flat("49.00"), replace(PricingPlan.from_fields(PLAN).items[1])]
    assert [line["pricing_item_id"] for line in lines_of(rate(items))] == ["pitm_flat"]
    kept = rate(items, add_zero=True)
    assert [q(line["amount_excluding_tax"]) for line in lines_of(kept)] == ["49.00", "0.00"]
    assert lines_of(kept)[1]["meter_value"]["number"] == "0"


def test_rating_is_deterministic_and_line_ids_are_stable() -> None:
    first = json.dumps(rate_invoice(example_inputs()).as_dict(), sort_keys=True)
    again = json.dumps(rate_invoice(example_inputs()).as_dict(), sort_keys=True)
    assert first == again
    ids = [line["id"] for line in lines_of(rate_invoice(example_inputs()))]
    assert len(set(ids)) == 3
    assert all(i.startswith("invl_") for i in ids)
    other = [line["id"] for line in lines_of(rate_invoice(example_inputs(invoice_id="invo_other")))]
    assert not set(ids) & set(other)


def test_each_subscription_is_a_group_in_every_period() -> None:
    plan_b = PricingPlan("ppln_b", "Plan B", "EUR", (flat("5.00", "pitm_b"),))
    inputs = rating_inputs([flat("10.00")])
    inputs = replace(
        inputs,
        subscriptions=(*inputs.subscriptions, Subscription("psub_2", "ppln_b")),
        pricing_plans=(*inputs.pricing_plans, plan_b),
        periods=(*inputs.periods, InvoicePeriodInput(inputs.periods[0].end_at, inputs.periods[0].end_at.replace(year=2027, month=1))),
    )
    rated = rate_invoice(inputs)
    assert [[g["pricing_plan_subscription_id"] for g in p["groups"]] for p in rated.derived.periods] == [["psub_1", "psub_2"]] * 2
    assert [q(p["amount_excluding_tax"]) for p in rated.derived.periods] == ["15.00", "15.00"]
    assert q(rated.derived.tax_summary["total_amount"]) == "36.30"


def test_recompute_of_a_rated_invoice_is_a_no_op() -> None:
    inputs = example_inputs()
    rated = rate_invoice(inputs)
    assert rerun(rated, inputs) == rated.derived


def test_one_off_lines_are_kept_and_everything_derived_recomputed() -> None:
    stored = stored_periods(["100.00", "20.00"])
    result = recompute_derived(stored, DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), tax_rate_table=rating_inputs().tax_rates))
    assert [q(line["amount_excluding_tax"]) for line in lines_of(result)] == ["100.00", "20.00"]
    assert [q(line["amount_including_tax"]) for line in lines_of(result)] == ["121.00", "24.20"]
    assert q(result.periods[0]["groups"][0]["amount_including_tax"]) == "145.20"
    assert "amount_including_tax" not in stored[0]["groups"][0]["lines"][0]  # the input is not mutated


def test_lines_without_stored_category_use_the_product_fallback() -> None:
    stored = stored_periods(["100.00"])
    result = recompute_derived(
        stored,
        DerivationInputs(
            "EUR", "EXCLUDING_TAX", tax_facts(), tax_rate_table=rating_inputs().tax_rates, product_tax_categories={"prod_std": "ZERO"}
        ),
    )
    assert result.tax_categories[0]["category"] == "ZERO"


def test_including_tax_pricing_states_gross_lines() -> None:
    rated = rate([flat("121.00")], pricing_amount_type="INCLUDING_TAX")
    line = lines_of(rated)[0]
    assert (q(line["amount_excluding_tax"]), q(line["amount_including_tax"])) == ("100.00", "121.00")
    assert q(rated.derived.invoice_amount_including_tax) == "121.00"


def test_coupons_on_including_tax_invoices_discount_the_gross() -> None:
    coupon = Coupon("coup_10", "Ten", "ACTIVE", "AMOUNT", amount=D("12.10"), amount_currency="EUR", duration_type="FOREVER")
    rated = rate([flat("121.00")], pricing_amount_type="INCLUDING_TAX", coupons=[coupon], coupon_ids=["coup_10"])
    summary = rated.derived.tax_summary
    assert (q(summary["base_amount"]), q(summary["tax_amount"]), q(summary["total_amount"])) == ("90.00", "18.90", "108.90")


def test_the_rated_invoice_hands_over_every_field_it_owns() -> None:
    rated = rate([flat("100.00")])
    assert set(rated.as_dict()) == {
        "periods", "tax_categories", "tax_summary", "invoice_amount_including_tax", "paid_invoice_amount", "open_invoice_amount",
        "closed_invoice_amount", "payment_status", "validation_result", "tax_rates", "used_tax_registration_id",
        "meter_value_ids", "coupons", "promotion_codes", "used_exchange_rates", "has_usage_based_pricing",
    }  # fmt: skip
    owned = rated.as_dict()
    assert (owned["paid_invoice_amount"], owned["open_invoice_amount"], owned["closed_invoice_amount"]) == (
        {"quantity": "0.00", "currency": "EUR"},
        {"quantity": "121.00", "currency": "EUR"},
        {"quantity": "0.00", "currency": "EUR"},
    )
    assert (owned["payment_status"], owned["used_tax_registration_id"], owned["meter_value_ids"], owned["has_usage_based_pricing"]) == (
        "UNPAID",
        None,
        [],
        False,
    )
    assert (owned["coupons"], owned["promotion_codes"], owned["used_exchange_rates"]) == ([], [], [])


def test_a_discount_line_names_its_coupon_code_and_converted_amount() -> None:
    # 10.00 USD off at USD->EUR 0.9 = 9.00 EUR, through the promotion code TENOFF; its id follows the documented
    # rule: sha256 of "invoice | period index | subscription | coupon | coupon id | code id | tax category".
    coupon = Coupon("coup_usd", "Ten dollars", "ACTIVE", "AMOUNT", amount=D("10.00"), amount_currency="USD", duration_type="FOREVER")
    code = PromotionCode("prom_1", "TENOFF", "coup_usd")
    usd_eur = ExchangeRate("fxrt_1", "USD", "EUR", D("0.9"), datetime(2026, 11, 1, tzinfo=UTC), "ECB")
    rated = rate([flat("100.00")], coupons=[coupon], promotion_codes=[code], promotion_code_ids=["prom_1"], exchange_rates=[usd_eur])
    discount = lines_of(rated)[1]
    digest = hashlib.sha256(b"invo_1|0|psub_1|coupon|coup_usd|prom_1|STANDARD").hexdigest()[:24]
    assert discount["id"] == f"invl_{digest}"
    assert discount["description"] == "Ten dollars (TENOFF)"
    assert discount["amount_excluding_tax"] == {"quantity": "-9.00", "currency": "EUR"}
    assert discount["details"]["amount"] == {"quantity": "-9.00", "currency": "EUR"}
    assert discount["details"]["pricing_currency"] == "USD"
    assert discount["details"]["pricing_amount"] == {"quantity": "-10.00", "currency": "USD"}
    assert discount["details"]["used_exchange_rates"] == [
        {"currency": "EUR", "base_currency": "USD", "rate_timestamp": "2026-11-01T00:00:00Z", "rate": "0.9", "source": "ECB"}
    ]
    assert (discount["discount_type"], discount["coupon_data"]) == ("AMOUNT", {"coupon_id": "coup_usd", "promotion_code_id": "prom_1"})
    assert rated.promotion_codes == [{"promotion_code_details": {"promotion_code_id": "prom_1", "code": "TENOFF"}, "coupon_id": "coup_usd"}]
    # The same coupon without a code: no pricing amount when no conversion was needed, and no code in the id.
    plain = rate([flat("100.00")], coupons=[replace(coupon, amount_currency="EUR")], coupon_ids=["coup_usd"])
    line = lines_of(plain)[1]
    assert line["id"] == f"invl_{hashlib.sha256(b'invo_1|0|psub_1|coupon|coup_usd||STANDARD').hexdigest()[:24]}"
    assert (line["description"], line["details"]["pricing_currency"], line["details"]["pricing_amount"]) == ("Ten dollars", None, None)
