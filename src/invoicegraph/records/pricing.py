"""Pricing plans (items by pricing model, tiers, conditions) and subscriptions.

The fields each pricing `model` needs are those of the table in docs/importing.md; an item that lacks
one, or carries a field of another model, is refused. The same rules are written into the JSON Schema
(`allOf` of if/then) so that external validators agree with the import.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from invoicegraph.records.parties import CustomFieldValue
from invoicegraph.records.values import (
    BillingEntityId,
    CouponId,
    CurrencyCode,
    CustomerId,
    DecimalStr,
    Instant,
    MeterValueId,
    NonNegativeDecimal,
    PaymentAcceptorId,
    Percentage,
    Period,
    PlatformId,
    PositiveDecimal,
    PricingItemId,
    PricingPlanId,
    ProductId,
    PromotionCodeId,
    Record,
    Reference,
    SubscriptionId,
)

PricingModel = Literal["FLAT", "PER_UNIT", "GRADUATED", "VOLUME", "PACKAGE"]
Aggregation = Literal["SUM", "COUNT", "MAX", "UNIQUE_COUNT", "LATEST"]

# Fields each model requires, and the model-specific fields it may carry.
MODEL_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "FLAT": ({"price"}, {"price"}),
    "PER_UNIT": ({"unit_price"}, {"unit_price"}),
    "GRADUATED": ({"tiers"}, {"tiers", "flat_price"}),
    "VOLUME": ({"tiers"}, {"tiers", "flat_price"}),
    "PACKAGE": ({"package_size", "package_price"}, {"package_size", "package_price"}),
}
MODEL_SPECIFIC = {"price", "unit_price", "tiers", "flat_price", "package_size", "package_price"}
USAGE_FIELDS = ("aggregation", "aggregation_property", "conditions")


class Tier(Record):
    up_to: PositiveDecimal | None
    # Prices are not negative (docs/billing-decisions.md); only a FLAT price may be, as a credit line.
    unit_price: NonNegativeDecimal
    flat_price: NonNegativeDecimal = "0"


class Condition(Record):
    """A condition on a usage event property; all conditions of an item must hold."""

    property: Annotated[str, Field(min_length=1)]
    comparator: Literal["EQUALS", "NOT_EQUALS", "IN", "NOT_IN"]
    value: str | None = None
    values: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _operand(self) -> Condition:
        if self.comparator in ("EQUALS", "NOT_EQUALS") and self.value is None:
            raise PydanticCustomError("condition", "{c} needs 'value'", {"c": self.comparator})
        if self.comparator in ("IN", "NOT_IN") and not self.values:
            raise PydanticCustomError("condition", "{c} needs a non-empty 'values'", {"c": self.comparator})
        return self


def _item_schema_rules(schema: dict[str, Any]) -> None:
    rules: list[dict[str, Any]] = []
    for model, (required, allowed) in MODEL_FIELDS.items():
        rule: dict[str, Any] = {"required": sorted(required)}
        forbidden = sorted(MODEL_SPECIFIC - allowed)
        if forbidden:
            rule["not"] = {"anyOf": [{"required": [name]} for name in forbidden]}
        rules.append({"if": {"properties": {"model": {"const": model}}}, "then": rule})
    rules.append({"if": {"required": ["aggregation_property"]}, "then": {"required": ["meter_value_id"]}})
    schema["allOf"] = rules


class PricingItem(Record):
    model_config = ConfigDict(json_schema_extra=_item_schema_rules)

    id: PricingItemId
    product_id: ProductId
    description: str | None = None
    model: PricingModel
    # A negative FLAT price is the explicit form of a credit line (docs/billing-decisions.md, credit lines); every other price is zero or more.
    price: DecimalStr | None = None
    unit_price: NonNegativeDecimal | None = None
    tiers: list[Tier] | None = None
    flat_price: NonNegativeDecimal | None = None
    package_size: PositiveDecimal | None = None
    package_price: NonNegativeDecimal | None = None
    meter_value_id: MeterValueId | None = None
    # Default SUM for usage-priced items; None for items without a meter value (quantity 1).
    aggregation: Aggregation | None = None
    aggregation_property: str | None = None
    included_quantity: NonNegativeDecimal = "0"
    conditions: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _model_fields(self) -> PricingItem:
        required, allowed = MODEL_FIELDS[self.model]
        missing = sorted(name for name in required if getattr(self, name) is None)
        if missing:
            raise PydanticCustomError(
                "pricing_model",
                "model {model} requires {fields}",
                {"model": self.model, "fields": ", ".join(repr(n) for n in missing)},
            )
        extra = sorted(name for name in MODEL_SPECIFIC - allowed if getattr(self, name) is not None)
        if extra:
            raise PydanticCustomError(
                "pricing_model",
                "{fields} not used by model {model}",
                {"model": self.model, "fields": ", ".join(repr(n) for n in extra)},
            )
        if self.tiers is not None:
            _check_tiers(self.tiers)
        if self.meter_value_id is None:
            if self.aggregation is not None or self.aggregation_property is not None or self.conditions:
                raise PydanticCustomError("usage_fields", "'aggregation', 'aggregation_property' and 'conditions' need 'meter_value_id'")
        elif self.aggregation is None:
            self.aggregation = "SUM"
        if self.aggregation == "UNIQUE_COUNT" and not self.aggregation_property:
            raise PydanticCustomError("usage_fields", "aggregation UNIQUE_COUNT requires 'aggregation_property'")
        return self


def _check_tiers(tiers: list[Tier]) -> None:
    if not tiers:
        raise PydanticCustomError("tiers", "'tiers' must not be empty")
    if tiers[-1].up_to is not None:
        raise PydanticCustomError("tiers", "the last tier must have up_to null (no upper bound)")
    bounds = [Decimal(t.up_to) for t in tiers[:-1] if t.up_to is not None]
    if len(bounds) != len(tiers) - 1:
        raise PydanticCustomError("tiers", "only the last tier may have up_to null")
    if any(a >= b for a, b in itertools.pairwise(bounds)):
        raise PydanticCustomError("tiers", "tier bounds (up_to) must increase")


class PricingPlanRecord(Record):
    id: PricingPlanId
    platform_id: PlatformId
    object_type: Literal["PRICING_PLAN"] = "PRICING_PLAN"
    reference: Reference
    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    status: Literal["DRAFT", "ACTIVE", "ARCHIVED", "DEPRECATED"] = "ACTIVE"
    currency: CurrencyCode
    items: list[PricingItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_items(self) -> PricingPlanRecord:
        ids = [item.id for item in self.items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise PydanticCustomError("duplicate_item", "duplicate item ids {ids}", {"ids": ", ".join(duplicates)})
        return self


class DueDateConfiguration(Record):
    type: Literal["PERIOD_AFTER_INVOICE_DATE", "END_OF_THE_MONTH"] | None = None
    period: Period | None = None


class NextInvoice(Record):
    invoice_date: Instant | None = None
    invoice_id: str | None = None


class SubscriptionRecord(Record):
    id: SubscriptionId
    platform_id: PlatformId
    object_type: Literal["PRICING_PLAN_SUBSCRIPTION"] = "PRICING_PLAN_SUBSCRIPTION"
    reference: Reference
    name: str | None = None
    description: str | None = None
    status: Literal["DRAFT", "ACTIVE", "VOID", "ARCHIVED", "CANCELLED"] = "ACTIVE"
    type: Literal["QUOTE", "BILLING", "TEMPLATE"] = "BILLING"
    variant: Literal["DEFAULT", "FORWARD_BILLING", "SELF_BILLING", "SELLER"] = "DEFAULT"
    created_at: Instant | None = None
    updated_at: Instant | None = None
    activated_at: Instant | None = None
    customer_id: CustomerId
    billing_entity_id: BillingEntityId | None = None
    pricing_plan_id: PricingPlanId
    purchase_order_number: str | None = None
    billing_period: Period = Period(type="MONTH", value=1)
    billing_currency: CurrencyCode | None = None
    due_date_configuration: DueDateConfiguration | None = None
    billing_time: Literal["EXACT", "CALENDAR"] | None = None
    combine: bool | None = None
    payment_acceptor_ids: list[PaymentAcceptorId] = Field(default_factory=list)
    payment_method_id: str | None = None
    init_invoice_on_hold: bool = False
    sales_tax_percentage: Percentage | None = None
    forward_customer_id: CustomerId | None = None
    custom_fields: list[CustomFieldValue] = Field(default_factory=list)
    next_invoice: NextInvoice | None = None
    # Applied in this order, coupon_ids first (docs/importing.md).
    coupon_ids: list[CouponId] = Field(default_factory=list)
    promotion_code_ids: list[PromotionCodeId] = Field(default_factory=list)
