"""`from_fields` constructors read stored fields exactly (docs/importing.md)."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

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
    Subscription,
    TaxRate,
)

PLAN = {
    "id": "ppln_std", "platform_id": "plat_acme", "reference": "standard", "name": "Standard", "currency": "EUR",
    "items": [
        {"id": "pitm_base", "product_id": "prod_base", "description": "Base fee", "model": "FLAT", "price": "49.00"},
        {"id": "pitm_calls", "product_id": "prod_api", "description": "API calls", "model": "GRADUATED",
         "meter_value_id": "metv_calls", "aggregation": "SUM", "included_quantity": "0",
         "conditions": [{"property": "region", "comparator": "IN", "values": ["eu", "us"]}],
         "tiers": [{"up_to": "100", "unit_price": "0.10"}, {"up_to": "1000", "unit_price": "0.08"},
                   {"up_to": None, "unit_price": "0.05", "flat_price": "0"}]},
    ],
}  # fmt: skip


def test_pricing_plan_record() -> None:
    plan = PricingPlan.from_fields(PLAN)
    assert plan.currency == "EUR"
    base, calls = plan.items
    assert (base.model, base.price) == ("FLAT", D("49.00"))
    assert calls.tiers[0].up_to == D("100")
    assert calls.tiers[2].up_to is None
    assert calls.conditions[0].values == ("eu", "us")


def test_pricing_item_without_its_price_is_refused() -> None:
    with pytest.raises(ValueError, match="needs its price"):
        PricingPlan.from_fields({**PLAN, "items": [{"id": "pitm_x", "product_id": "p", "model": "PER_UNIT"}]})
    with pytest.raises(ValueError, match="string"):
        PricingPlan.from_fields({**PLAN, "items": [{"id": "pitm_x", "product_id": "p", "model": "FLAT", "price": 1.5}]})


def test_customer_and_entity_records() -> None:
    customer = CustomerTaxFacts.from_fields(
        {"id": "cust_globex", "type": "ORGANIZATION",
         "organization": {"legal_name": "Globex BV", "tax_id": "BE0123456789", "tax_exempt": False,
                          "tax_ids": [{"id": "BE0123456789", "tax_id_validation_result": {"valid": "NOT_VALID"}}],
                          "registered_address": {"country": "BE"}}}
    )  # fmt: skip
    assert (customer.country, customer.type, customer.tax_exempt) == ("BE", "ORGANIZATION", False)
    assert [(t.id, t.valid) for t in customer.tax_ids] == [("BE0123456789", "NOT_VALID")]
    individual = CustomerTaxFacts.from_fields(
        {"id": "cust_2", "type": "INDIVIDUAL", "individual": {"residential_address": {"country": "DE"}}}
    )
    assert (individual.country, individual.tax_ids) == ("DE", ())
    entity = EntityTaxFacts.from_fields(
        {"id": "enti_nl", "registered_address": {"country": "NL"},
         "tax_registrations": [{"id": "txrg_de", "tax_id": "DE123456789", "registered_address": {"country": "DE"}}]}
    )  # fmt: skip
    assert (entity.country, entity.tax_registrations[0].country) == ("NL", "DE")


def test_catalog_and_rate_records() -> None:
    assert Product.from_fields({"id": "prod_api", "name": "API calls", "tax_category": "STANDARD"}).tax_category == "STANDARD"
    assert Product.from_fields({"id": "prod_x", "name": "X"}).tax_category == "STANDARD"
    values = MeterValue.all_from_meter_record(
        {"id": "metr_api", "meter_values": [{"id": "metv_calls", "reference": "calls", "type": "NUMBER"}]}
    )
    assert values == (MeterValue("metv_calls", "calls", "NUMBER"),)
    rate = TaxRate.from_fields(
        {
            "id": "txrt_nl_std",
            "country": "NL",
            "category": "STANDARD",
            "percentage": "21",
            "name": "BTW",
            "valid_from": "2012-10-01T00:00:00Z",
        }
    )
    assert (rate.percentage, rate.valid_from) == (D("21"), datetime(2012, 10, 1, tzinfo=UTC))
    fx = ExchangeRate.from_fields(
        {
            "id": "fxrt_1",
            "base_currency": "USD",
            "currency": "EUR",
            "rate": "0.9200",
            "rate_timestamp": "2026-10-31T00:00:00Z",
            "source": "ECB",
        }
    )
    assert fx.rate == D("0.9200")
    assert str(fx.rate) == "0.9200"


def test_coupon_promotion_code_and_subscription_records() -> None:
    coupon = Coupon.from_fields(
        {"id": "coup_launch", "name": "Launch 20%", "status": "ACTIVE", "discount": {"type": "PERCENTAGE", "percentage": "20"},
         "duration": {"type": "FOREVER"}, "limited_to": {"product_ids": ["prod_api"]}}
    )  # fmt: skip
    assert (coupon.percentage, coupon.duration_type, coupon.limited_to_product_ids) == (D("20"), "FOREVER", ("prod_api",))
    fixed = Coupon.from_fields(
        {"id": "c2", "name": "Ten", "discount": {"type": "AMOUNT", "amount": {"quantity": "10.00", "currency": "USD"}}}
    )
    assert (fixed.amount, fixed.amount_currency, fixed.duration_type) == (D("10.00"), "USD", "ONE_TIME")
    code = PromotionCode.from_fields({"id": "prom_ten", "code": "TENOFF", "coupon_id": "coup_launch", "status": "ACTIVE"})
    assert code.limited_to_customer_ids == ()
    sub = Subscription.from_fields(
        {"id": "psub_globex", "pricing_plan_id": "ppln_std", "billing_period": {"type": "MONTH", "value": 1},
         "coupon_ids": ["coup_launch"], "promotion_code_ids": [], "sales_tax_percentage": "8.875"}
    )  # fmt: skip
    assert (sub.coupon_ids, sub.sales_tax_percentage, sub.billing_period) == (("coup_launch",), D("8.875"), sub.billing_period)


def test_instants_must_carry_an_offset() -> None:
    period = InvoicePeriodInput.from_fields({"start_at": "2026-11-01T01:00:00+01:00", "end_at": "2026-12-01T00:00:00Z"})
    assert period.start_at == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="time zone"):
        InvoicePeriodInput.from_fields({"start_at": "2026-11-01T00:00:00", "end_at": "2026-12-01T00:00:00Z"})
