"""Invoice periods, groups, lines and sub-lines, with the catalog copies taken at rating time.

Amounts of periods, groups and lines are optional on input: OPEN and DRAFT invoices carry inputs and
are computed after the import, while FINAL, EMPTY and VOID invoices must carry them (checked in
`invoice.py`, which also fills defaults such as line ids and orders).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from invoicegraph.records.catalog import LifecycleStatus, TaxCategory, UnitName
from invoicegraph.records.discounts import Comparator
from invoicegraph.records.invoice_parts import InvoiceTaxCategorySummary
from invoicegraph.records.price_details import PriceDetails
from invoicegraph.records.pricing import PricingModel
from invoicegraph.records.values import (
    Amount,
    CouponId,
    DecimalStr,
    Instant,
    MeterValueId,
    Money,
    Period,
    ProductId,
    PromotionCodeId,
    Record,
)


class MeterPropertyCondition(Record):
    id: str | None = None
    reference: str | None = None
    value: str | None = None
    values: list[str] = Field(default_factory=list)
    comparator: Comparator


class MeterConditionOperand(Record):
    meter_property: MeterPropertyCondition | None = None
    expression: MeterConditionExpression | None = None


class MeterConditionExpression(Record):
    operator: Literal["AND", "OR", "XOR"]
    operands: list[MeterConditionOperand] = Field(default_factory=list)


class MeterConditions(Record):
    name: str | None = None
    meter_properties: list[MeterPropertyCondition] = Field(default_factory=list)
    expression: MeterConditionExpression | None = None


class InvoiceLineCouponData(Record):
    coupon_id: CouponId
    promotion_code_id: PromotionCodeId | None = None


class InvoiceLineMeterValue(Record):
    """Usage snapshot of a line; `meter_value_id` (ours, not exposed) keys the live definition."""

    reference: str
    type: Literal["NUMBER", "AMOUNT"]
    number: DecimalStr | None = None
    amount: Amount | None = None
    meter_value_id: MeterValueId | None = None


class UsageBasedConversion(Record):
    conditions: MeterConditions | None = None


class InvoiceSubLine(Record):
    sub_line_order: int = 0
    details: PriceDetails | None = None
    description: str | None = None
    processing_only_customer_resource_id: str | None = None
    processing_only_customer_id: str | None = None
    type: Literal["USAGE_BASED_CONVERSION"] | None = None
    usage_based_conversion: UsageBasedConversion | None = None


class ProductItem(Record):
    id: str
    object_type: Literal["PRODUCT_ITEM"] = "PRODUCT_ITEM"
    product_id: str | None = None
    name: str | None = None
    status: LifecycleStatus | None = None
    reference: str
    description: str | None = None
    type: Literal["REVENUE", "DEDUCTION"] | None = None
    model_type: Literal["USAGE_BASED", "USAGE_BASED_CONVERSION", "RECURRING", "ONE_OFF", "PER_SEAT", "CREDITS"] | None = None
    meter_value_calculation_id: str | None = None
    report_meter_value_calculation_ids: list[str] = Field(default_factory=list)
    credit_type_id: str | None = None
    tax_category: TaxCategory | None = None
    display_order: int | None = None
    unit_name: UnitName | None = None
    customer_id: str | None = None


class ProductCategory(Record):
    id: str
    object_type: Literal["PRODUCT_CATEGORY"] = "PRODUCT_CATEGORY"
    name: str
    reference: str
    description: str | None = None
    tax_category: TaxCategory | None = None
    display_order: int | None = None
    customer_id: str | None = None


class ProductCopy(Record):
    id: str
    object_type: Literal["PRODUCT"] = "PRODUCT"
    category_id: str
    parent_product_id: str | None = None
    name: str
    reference: str
    description: str | None = None
    status: LifecycleStatus | None = None
    product_type: Literal["DEFAULT", "ADDON"] | None = None
    tax_category: TaxCategory | None = None
    display_order: int | None = None
    billing_entity_id: str | None = None
    customer_id: str | None = None


class InvoiceLine(Record):
    """A line. `product_id` and `amount` are the import inputs of explicit (one-off, credit) lines;
    they stay in the document beside the vendor fields for the billing engine to read."""

    id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    line_order: int | None = None
    description: str | None = None
    pricing_item_id: str | None = None
    pricing_item_config_id: str | None = None
    product_items: list[ProductItem] = Field(default_factory=list)
    type: Literal["REVENUE", "DISCOUNT", "COMMITMENT"] = "REVENUE"
    pricing_type: PricingModel | None = None
    commitment_type: str | None = None
    discount_type: Literal["PERCENTAGE", "AMOUNT", "USAGE"] | None = None
    coupon_data: InvoiceLineCouponData | None = None
    tax_categories: list[InvoiceTaxCategorySummary] = Field(default_factory=list)
    amount_excluding_tax: Money | None = None
    amount_including_tax: Money | None = None
    conditions: MeterConditions | None = None
    meter_value: InvoiceLineMeterValue | None = None
    details: PriceDetails | None = None
    sub_lines: list[InvoiceSubLine] = Field(default_factory=list)
    product_id: ProductId | None = None
    amount: Money | None = None


class InvoicePricing(Record):
    id: str
    name: str


class InvoiceGroup(Record):
    group_order: int | None = None
    amount_excluding_tax: Money | None = None
    amount_including_tax: Money | None = None
    billing_period: Period | None = None
    start_at: Instant | None = None
    end_at: Instant | None = None
    type: str | None = None
    product_category: ProductCategory | None = None
    products: list[ProductCopy] = Field(default_factory=list)
    pricing: InvoicePricing | None = None
    description: str | None = None
    pricing_plan_subscription_id: str | None = None
    pricing_plan_schedule_id: str | None = None
    billing_customer_id: str | None = None
    forwarded_from_customer_id: str | None = None
    tax_categories: list[InvoiceTaxCategorySummary] = Field(default_factory=list)
    lines: list[InvoiceLine] = Field(default_factory=list)


class InvoicePeriod(Record):
    period_order: int | None = None
    amount_excluding_tax: Money | None = None
    amount_including_tax: Money | None = None
    billing_period: Period | None = None
    start_at: Instant
    end_at: Instant
    tax_categories: list[InvoiceTaxCategorySummary] = Field(default_factory=list)
    groups: list[InvoiceGroup] = Field(default_factory=list)


MeterConditionOperand.model_rebuild()
