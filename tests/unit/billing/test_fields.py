"""Every field `from_fields` reads, its default and its refusal, compared whole with the value written
by hand (records as docs/importing.md writes them)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicegraph.billing.catalog import BillingPeriod, MeterValue, PricingItem, PricingPlan, Product, Tier
from invoicegraph.billing.fields import copied_fields, object_list, opt_int, opt_str, req_decimal, req_str, str_tuple, sub
from invoicegraph.billing.inputs import (
    Coupon,
    CustomerTaxFacts,
    EntityTaxFacts,
    ExchangeRate,
    InvoicePeriodInput,
    PromotionCode,
    StoredTaxRate,
    Subscription,
    TaxIdFact,
    TaxRate,
    TaxRegistrationFact,
)
from invoicegraph.billing.usage import Condition, UsageEvent

from .factories import refusal

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
MONTH = {"type": "MONTH", "value": 3}


def test_a_usage_priced_item_reads_every_field() -> None:
    record = {
        "id": "pitm_calls", "product_id": "prod_api", "description": "API calls", "model": "VOLUME",
        "tiers": [{"up_to": "100", "unit_price": "0.10", "flat_price": "1"}, {"up_to": None, "unit_price": "0.05"}],
        "flat_price": "2.50", "meter_value_id": "metv_calls", "aggregation": "UNIQUE_COUNT", "aggregation_property": "user",
        "included_quantity": "10", "conditions": [{"property": "region", "comparator": "NOT_IN", "values": ["ap"]}],
    }  # fmt: skip
    assert PricingItem.from_fields(record) == PricingItem(
        id="pitm_calls",
        product_id="prod_api",
        model="VOLUME",
        description="API calls",
        tiers=(Tier(D("100"), D("0.10"), D("1")), Tier(None, D("0.05"), D("0"))),
        flat_price=D("2.50"),
        meter_value_id="metv_calls",
        aggregation="UNIQUE_COUNT",
        aggregation_property="user",
        included_quantity=D("10"),
        conditions=(Condition("region", "NOT_IN", None, ("ap",)),),
    )


def test_priced_items_read_their_prices() -> None:
    per_unit = {"id": "i1", "product_id": "p", "model": "PER_UNIT", "unit_price": "0.02"}
    package = {"id": "i2", "product_id": "p", "model": "PACKAGE", "package_size": "1000", "package_price": "5.00"}
    flat = {"id": "i3", "product_id": "p", "model": "FLAT", "price": "49.00"}
    assert PricingItem.from_fields(per_unit) == PricingItem("i1", "p", "PER_UNIT", unit_price=D("0.02"))
    assert PricingItem.from_fields(package) == PricingItem("i2", "p", "PACKAGE", package_size=D("1000"), package_price=D("5.00"))
    assert PricingItem.from_fields(flat) == PricingItem("i3", "p", "FLAT", price=D("49.00"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"model": "TIERED"}, "unknown pricing model 'TIERED'"),
        ({"model": "FLAT"}, "pricing item i: model FLAT needs its price"),
        ({"model": "PER_UNIT"}, "pricing item i: model PER_UNIT needs its price"),
        ({"model": "PACKAGE", "package_size": "10"}, "pricing item i: model PACKAGE needs its price"),
        ({"model": "GRADUATED"}, "pricing item i: model GRADUATED needs tiers"),
        ({"model": "VOLUME"}, "pricing item i: model VOLUME needs tiers"),
        ({"model": "PACKAGE", "package_price": "5"}, "pricing item i: package_size must be positive"),
        ({"model": "PACKAGE", "package_price": "5", "package_size": "0"}, "pricing item i: package_size must be positive"),
        ({"model": "FLAT", "price": "1", "meter_value_id": "m", "aggregation": "AVG"}, "pricing item i: unknown aggregation 'AVG'"),
        (
            {"model": "FLAT", "price": "1", "meter_value_id": "m", "aggregation": "UNIQUE_COUNT"},
            "pricing item i: UNIQUE_COUNT needs aggregation_property",
        ),
    ],
)
def test_an_item_missing_what_its_model_needs_is_refused(fields: dict[str, Any], message: str) -> None:
    assert refusal(lambda: PricingItem.from_fields({"id": "i", "product_id": "p", **fields})) == message


def test_an_item_without_meter_value_is_not_checked_for_an_aggregation() -> None:
    item = PricingItem.from_fields({"id": "i", "product_id": "p", "model": "FLAT", "price": "1", "aggregation": "AVG"})
    assert (item.meter_value_id, item.aggregation) == (None, "AVG")
    assert (
        PricingItem.from_fields({"id": "i", "product_id": "p", "model": "PER_UNIT", "unit_price": "1", "meter_value_id": "m"}).aggregation
        is None
    )


def test_tiers_plans_products_and_meter_values_default_as_the_format_says() -> None:
    assert Tier.from_fields({"up_to": None}) == Tier(None, D(0), D(0))
    assert PricingPlan.from_fields({"id": "ppln_1", "currency": "EUR"}) == PricingPlan("ppln_1", "ppln_1", "EUR", ())
    assert PricingPlan.from_fields({"id": "ppln_1", "name": "Std", "currency": "USD", "items": None}) == PricingPlan(
        "ppln_1", "Std", "USD", ()
    )
    assert Product.from_fields({"id": "prod_1"}) == Product("prod_1", "prod_1", "STANDARD", None)
    assert Product.from_fields({"id": "prod_1", "name": "Book", "tax_category": "REDUCED", "category_id": "pcat_1"}) == Product(
        "prod_1", "Book", "REDUCED", "pcat_1"
    )
    assert refusal(lambda: Product.from_fields({"id": "prod_1", "tax_category": "LUXURY"})) == "unknown tax category 'LUXURY'"
    assert MeterValue.from_fields({"id": "metv_1", "reference": "calls"}) == MeterValue("metv_1", "calls", "NUMBER")
    meter = {"meter_values": [{"id": "metv_1", "reference": "calls"}, {"id": "metv_2", "reference": "gb", "type": "AMOUNT"}]}
    assert MeterValue.all_from_meter_record(meter) == (MeterValue("metv_1", "calls", "NUMBER"), MeterValue("metv_2", "gb", "AMOUNT"))


def test_billing_periods() -> None:
    assert BillingPeriod.from_fields({"type": "WEEK"}) == BillingPeriod("WEEK", 1)
    assert BillingPeriod.from_fields(MONTH) == BillingPeriod("MONTH", 3)
    assert BillingPeriod.optional({"billing_period": MONTH}, "billing_period") == BillingPeriod("MONTH", 3)
    assert BillingPeriod.optional({"billing_period": None}, "billing_period") is None
    assert BillingPeriod.optional({}, "billing_period") is None
    assert BillingPeriod("YEAR", 2).as_dict() == {"type": "YEAR", "value": 2}
    assert refusal(lambda: BillingPeriod.from_fields({"type": "QUARTER"})) == "unknown period type 'QUARTER'"


def test_a_coupon_reads_every_field() -> None:
    record = {
        "id": "coup_1", "name": "Ten off", "status": "INACTIVE",
        "discount": {"type": "AMOUNT", "amount": {"quantity": "10.00", "currency": "USD"}},
        "duration": {"type": "PERIOD", "period": MONTH},
        "limited_to": {"product_ids": ["prod_a"], "product_item_ids": ["pitm_b"], "product_category_ids": ["pcat_c"]},
        "start_at": "2026-11-01T00:00:00Z", "end_at": "2026-12-01T00:00:00Z",
        "maximum_redemptions": 5, "number_of_redemptions": 2,
    }  # fmt: skip
    assert Coupon.from_fields(record) == Coupon(
        id="coup_1",
        name="Ten off",
        status="INACTIVE",
        discount_type="AMOUNT",
        percentage=None,
        amount=D("10.00"),
        amount_currency="USD",
        duration_type="PERIOD",
        duration_period=BillingPeriod("MONTH", 3),
        limited_to_product_ids=("prod_a",),
        limited_to_product_item_ids=("pitm_b",),
        limited_to_product_category_ids=("pcat_c",),
        start_at=NOV_1,
        end_at=DEC_1,
        maximum_redemptions=5,
        number_of_redemptions=2,
    )
    assert Coupon.from_fields({"id": "coup_2", "discount": {"type": "PERCENTAGE", "percentage": "20"}}) == Coupon(
        "coup_2", "coup_2", "ACTIVE", "PERCENTAGE", percentage=D("20"), duration_type="ONE_TIME"
    )


def test_a_promotion_code_reads_every_field() -> None:
    record = {
        "id": "prom_1", "code": "TENOFF", "coupon_id": "coup_1", "status": "ARCHIVED", "limited_to": {"customer_ids": ["cust_1"]},
        "start_at": "2026-11-01T00:00:00Z", "end_at": "2026-12-01T00:00:00Z", "maximum_redemptions": 3, "number_of_redemptions": 1,
    }  # fmt: skip
    assert PromotionCode.from_fields(record) == PromotionCode("prom_1", "TENOFF", "coup_1", "ARCHIVED", ("cust_1",), NOV_1, DEC_1, 3, 1)
    assert PromotionCode.from_fields({"id": "prom_2", "code": "X", "coupon_id": "coup_1"}) == PromotionCode("prom_2", "X", "coup_1")


def test_rates_periods_and_subscriptions() -> None:
    rate = {
        "id": "txrt_1",
        "country": "NL",
        "category": "REDUCED",
        "percentage": "9",
        "valid_from": "2026-11-01T00:00:00Z",
        "valid_to": "2026-12-01T00:00:00Z",
    }
    assert TaxRate.from_fields(rate) == TaxRate("txrt_1", "NL", "REDUCED", D("9"), "REDUCED", NOV_1, DEC_1)
    assert TaxRate.from_fields({**rate, "name": "BTW laag"}).name == "BTW laag"
    fx = {"id": "fxrt_1", "base_currency": "USD", "currency": "EUR", "rate": "0.92", "rate_timestamp": "2026-11-01T00:00:00Z"}
    assert ExchangeRate.from_fields(fx) == ExchangeRate("fxrt_1", "USD", "EUR", D("0.92"), NOV_1, None)
    assert ExchangeRate.from_fields({**fx, "source": "ECB"}).source == "ECB"
    period = {"start_at": "2026-11-01T00:00:00Z", "end_at": "2026-12-01T00:00:00Z", "billing_period": MONTH}
    assert InvoicePeriodInput.from_fields(period) == InvoicePeriodInput(NOV_1, DEC_1, BillingPeriod("MONTH", 3))
    subscription = {
        "id": "psub_1", "pricing_plan_id": "ppln_1", "coupon_ids": ["coup_1"], "promotion_code_ids": ["prom_1"],
        "sales_tax_percentage": "8.875", "billing_period": {"type": "YEAR", "value": 1},
    }  # fmt: skip
    assert Subscription.from_fields(subscription, first_invoice_id="invo_0", first_invoice_start_at=NOV_1) == Subscription(
        "psub_1", "ppln_1", ("coup_1",), ("prom_1",), D("8.875"), BillingPeriod("YEAR", 1), "invo_0", NOV_1
    )


def test_stored_tax_rates_read_back_what_they_write() -> None:
    rate = StoredTaxRate("STANDARD", "NL", D("21"), "BTW", "txrt_nl", DEC_1, "TABLE")
    assert rate.as_dict() == {
        "category": "STANDARD",
        "country": "NL",
        "percentage": "21",
        "name": "BTW",
        "tax_rate_id": "txrt_nl",
        "period_end_at": "2026-12-01T00:00:00Z",
        "source": "TABLE",
    }
    assert StoredTaxRate.from_fields(rate.as_dict()) == rate
    # Stored before rates were kept per period: no period, no source; the name falls back to the category.
    assert StoredTaxRate.from_fields({"category": "STANDARD", "country": "NL", "percentage": "21"}) == StoredTaxRate(
        "STANDARD", "NL", D("21"), "STANDARD", None, None, None
    )


def test_customer_tax_facts_read_the_holder_of_their_type() -> None:
    individual = {
        "id": "cust_1", "type": "INDIVIDUAL",
        "individual": {"residential_address": {"country": "DE"}, "tax_exempt": True, "tax_id": "DE1"},
        "organization": {"registered_address": {"country": "NL"}},
    }  # fmt: skip
    assert CustomerTaxFacts.from_fields(individual) == CustomerTaxFacts("cust_1", "INDIVIDUAL", "DE", (TaxIdFact("DE1"),), True)
    registered = {"id": "cust_2", "type": "INDIVIDUAL", "individual": {"registered_address": {"country": "BE"}}}
    assert CustomerTaxFacts.from_fields(registered).country == "BE"
    snapshot = {"id": "cust_3", "address": {"country": "FR"}, "organization": {"tax_exempt": "yes"}}
    assert CustomerTaxFacts.from_fields(snapshot) == CustomerTaxFacts("cust_3", "ORGANIZATION", "FR", (), False)
    assert CustomerTaxFacts.from_fields({"id": "cust_4", "organization": {"registered_address": {"country": ""}}}).country is None
    ids = {
        "id": "cust_5",
        "organization": {
            "tax_id": "NL9",
            "tax_ids": [
                {"id": "NL1", "tax_id_validation_result": {"valid": "VALID"}},
                {"id": "NL1", "tax_id_validation_result": {"valid": "NOT_VALID"}},
                {"id": ""},
                {"id": "NL9", "tax_id_validation_result": {"valid": "NOT_VALID"}},
            ],
        },
    }
    # The primary id first (unless listed), each number once, the first listing of a number wins.
    assert CustomerTaxFacts.from_fields(ids).tax_ids == (TaxIdFact("NL1", "VALID"), TaxIdFact("NL9", "NOT_VALID"))
    primary = {"id": "cust_6", "organization": {"tax_id": "BE7", "tax_ids": [{"id": "BE8"}]}}
    assert CustomerTaxFacts.from_fields(primary).tax_ids == (TaxIdFact("BE7"), TaxIdFact("BE8"))


def test_entity_tax_facts_read_their_registrations() -> None:
    entity = {
        "id": "enti_1",
        "registered_address": {"country": "NL"},
        "tax_registrations": [{"id": "txrg_de", "tax_id": "DE123", "registered_address": {"country": "DE"}}, {}],
    }
    assert EntityTaxFacts.from_fields(entity) == EntityTaxFacts(
        "enti_1", "NL", (TaxRegistrationFact("txrg_de", "DE", "DE123"), TaxRegistrationFact(None, None, None))
    )


def test_conditions_and_events_read_text() -> None:
    assert Condition.from_fields({"property": "region", "comparator": "EQUALS", "value": "eu"}) == Condition("region", "EQUALS", "eu", ())
    assert (
        refusal(lambda: Condition.from_fields({"property": "x", "comparator": "CONTAINS"})) == "unsupported condition comparator 'CONTAINS'"
    )
    event = UsageEvent.from_fields(
        {"reference": "e1", "timestamp": "2026-11-01T00:00:00Z", "properties": {"n": 42, "yes": True, "no": False, "gone": None}}
    )
    assert event == UsageEvent("e1", NOV_1, D(0), {"n": "42", "yes": "true", "no": "false"})
    assert UsageEvent.from_fields({"reference": "e2", "timestamp": "2026-11-01T00:00:00Z", "value": "1.5", "properties": None}).value == D(
        "1.5"
    )
    assert refusal(lambda: Condition("x", "LIKE", "a").holds({"x": "a"})) == "unsupported condition comparator 'LIKE'"
    assert Condition("region", "IN", values=("eu",)).as_dict() == {
        "id": None,
        "reference": "region",
        "value": None,
        "values": ["eu"],
        "comparator": "IN",
    }


def test_record_helpers_refuse_what_they_cannot_read_exactly() -> None:
    assert opt_int({"n": 3}, "n") == 3
    assert opt_int({}, "n") is None
    for bad in (True, "3", 3.0):
        assert refusal(lambda bad=bad: opt_int({"n": bad}, "n")) == f"n must be an integer, got {bad!r}"
    assert refusal(lambda: opt_str({"s": 5}, "s")) == "s must be a string, got 5"
    for bad_str in (None, "", 7):
        assert refusal(lambda bad_str=bad_str: req_str({"s": bad_str}, "s")) == "s is required"
    assert refusal(lambda: req_decimal({}, "d")) == "d is required"
    assert str_tuple(["a", 1]) == ("a", "1")
    assert str_tuple(None) == ()
    assert refusal(lambda: str_tuple("ab")) == "expected a list of strings, got 'ab'"
    assert refusal(lambda: sub({"o": [1]}, "o")) == "o must be an object, got [1]"
    assert object_list({"l": [{"a": 1}, "x", None]}, "l") == [{"a": 1}]
    assert object_list({}, "l") == []
    assert refusal(lambda: object_list({"l": "x"}, "l")) == "l must be a list, got 'x'"


_leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.decimals(allow_nan=False, allow_infinity=False)
_trees = st.recursive(
    _leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=20
)


def _containers(value: Any) -> list[Any]:
    inner = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return ([value] if isinstance(value, dict | list) else []) + [c for item in inner for c in _containers(item)]


@given(st.dictionaries(st.text(max_size=3), _trees, max_size=4))
def test_copied_fields_is_a_deep_copy_of_the_containers(fields: dict[str, Any]) -> None:
    before = copy.deepcopy(fields)
    result = copied_fields(fields)
    assert result == fields
    originals = {id(c) for c in _containers(fields)}
    assert not originals & {id(c) for c in _containers(result)}, "no dict or list is shared with the original"
    for container in _containers(result):  # changing the copy anywhere leaves the original as it was
        container.clear()
    assert fields == before
