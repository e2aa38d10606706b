"""Invoice lines and sub-lines, their meter-value snapshot and usage conditions (snapshot JSON in `periods`).

A line's content is the interface `InvoiceLineContent`; a stored invoice's line is `InvoiceLine` (with
its platform-wide `id`), a previewed line is `InvoiceRefreshPreviewLine` (the same id as `lineId`), so
that a normalized client cache never files a preview's values under a stored line (docs/frontend.md).

`InvoiceLineMeterValue.definition` loads the live MeterValue by the stored (not exposed) `meter_value_id`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from invoicegraph.schema.enums.catalog import ConditionComparator, MeterConditionOperator, MeterValueType
from invoicegraph.schema.enums.coupons import CouponDiscountType
from invoicegraph.schema.enums.invoice import InvoiceLineType, InvoiceSubLineType, PricingModel
from invoicegraph.schema.loading import load_one
from invoicegraph.schema.types.meters import MeterValue
from invoicegraph.schema.types.price_details import PriceDetails
from invoicegraph.schema.types.products import ProductItem
from invoicegraph.schema.types.tax import InvoiceTaxCategorySummary
from invoicegraph.schema.types.values import Amount


@strawberry.interface(
    description=(
        "One charge, commitment or discount on an invoice: what a stored line (InvoiceLine) and a previewed\n"
        "line (InvoiceRefreshPreviewLine) share."
    ),
)
class InvoiceLineContent:
    line_order: int = strawberry.field(
        description="Position of the line within its group.",
    )
    description: str | None = strawberry.field(
        description="Text printed for the line; null when none.",
    )
    pricing_item_id: strawberry.ID | None = strawberry.field(
        description="Pricing item that produced the line; null for manual lines.",
    )
    pricing_item_config_id: strawberry.ID | None = strawberry.field(
        description="Configuration of that pricing item; null for manual lines.",
    )
    product_items: list[ProductItem] = strawberry.field(
        description="Product items the line charges for (copies at rating time).",
    )
    type: InvoiceLineType = strawberry.field(
        description="Kind of line: REVENUE (from pricing), DISCOUNT (from a coupon) or COMMITMENT (imported only).",
    )
    pricing_type: PricingModel | None = strawberry.field(
        description="Pricing model of a REVENUE line; null for other kinds.",
    )
    commitment_type: str | None = strawberry.field(
        description="Commitment kind of a COMMITMENT line (vendor string); null for other kinds.",
    )
    discount_type: CouponDiscountType | None = strawberry.field(
        description="Discount kind of a DISCOUNT line; null for other kinds.",
    )
    coupon_data: InvoiceLineCouponData | None = strawberry.field(
        description="Coupon and promotion code behind a DISCOUNT line; null otherwise.",
    )
    tax_categories: list[InvoiceTaxCategorySummary] = strawberry.field(
        description="Tax per category for this line.",
    )
    amount_excluding_tax: Amount = strawberry.field(
        description="Line amount before tax, rounded to the currency's minor unit; negative for discounts.",
    )
    amount_including_tax: Amount = strawberry.field(
        description="Line amount with tax, rounded to the currency's minor unit.",
    )
    conditions: MeterConditions | None = strawberry.field(
        description="Usage filter that selected the events counted on this line; null when none.",
    )
    meter_value: InvoiceLineMeterValue | None = strawberry.field(
        description=(
            "Measured usage the line is based on (snapshot); null for lines not based on\n"
            "a meter value. Its `definition` is the live MeterValue, via\n"
            "MeterValueByIdLoader."
        ),
    )
    details: PriceDetails | None = strawberry.field(
        description="How the price was computed; null for lines without a pricing breakdown.",
    )
    sub_lines: list[InvoiceSubLine] = strawberry.field(
        description="Breakdown of the line, e.g. per processing-only customer, ordered by subLineOrder.",
    )
    adjustment: InvoiceLineAdjustment | None = strawberry.field(
        default=None,
        description=(
            "A person's edit of this line (adjustInvoiceLine); null when the line is as computed.\n"
            "Every refresh, FULL included, computes the line again and re-applies the edit."
        ),
    )


@strawberry.type(
    description="A person's edit of a computed line, and what the computation gave before it.",
)
class InvoiceLineAdjustment:
    id: strawberry.ID = strawberry.field(
        description="Id of the adjustment (ladj_…).",
    )
    by: str = strawberry.field(
        description="Who made the edit: the API key id or the token subject.",
    )
    at: datetime = strawberry.field(
        description="When the edit was made.",
    )
    quantity: Decimal | None = strawberry.field(
        description="Quantity set by the edit, when it priced the line as quantity × unit price.",
    )
    unit_price: Decimal | None = strawberry.field(
        description="Unit price set by the edit, with quantity.",
    )
    original_amount: Amount | None = strawberry.field(
        description="The line's stated amount as computed from the sources, before the edit; null for a line a person added.",
    )
    original_description: str | None = strawberry.field(
        description="The line's description as computed, before the edit; null for a line a person added.",
    )


@strawberry.type(
    description="One charge, commitment or discount on a stored invoice.",
)
class InvoiceLine(InvoiceLineContent):
    id: strawberry.ID = strawberry.field(
        description=(
            "Line id, unique across the platform and stable: a line that a refresh re-rates keeps its id, a\n"
            "new line gets a new one (invl_…)."
        ),
    )


@strawberry.type(
    description=(
        "A line as a refresh would save it (not saved). It has no `id` of its own, so that a normalized\n"
        "cache keeps it inside its preview instead of merging it into the stored line."
    ),
)
class InvoiceRefreshPreviewLine(InvoiceLineContent):
    id: strawberry.ID = strawberry.field(
        name="lineId",
        description="Id of the stored line this one would replace, or the id a new line would get.",
    )


@strawberry.type(
    description="Coupon and promotion code behind a discount line.",
)
class InvoiceLineCouponData:
    coupon_id: strawberry.ID = strawberry.field(
        description="Coupon applied.",
    )
    promotion_code_id: strawberry.ID | None = strawberry.field(
        description="Promotion code that brought the coupon in; null when applied directly.",
    )


@strawberry.type(
    description="Measured usage a line is based on.",
)
class InvoiceLineMeterValue:
    reference: str = strawberry.field(
        description="Reference of the meter value (usage metric).",
    )
    type: MeterValueType = strawberry.field(
        description="Kind of measurement: a number of units or a money amount.",
    )
    number: Decimal | None = strawberry.field(
        description="Measured quantity when the metric counts numbers; null otherwise.",
    )
    amount: Amount | None = strawberry.field(
        description="Measured money value when the metric sums amounts; null otherwise.",
    )
    definition: MeterValue | None = strawberry.field(
        resolver=load_one("meter_value_by_id", "meter_value_id"),
        description="The meter value definition as it is now; null when it no longer exists.",
    )


@strawberry.type(
    description="Part of a line, e.g. one processing-only customer's share.",
)
class InvoiceSubLine:
    sub_line_order: int = strawberry.field(
        description="Position within the line.",
    )
    details: PriceDetails | None = strawberry.field(
        description="How this part's price was computed; null when no breakdown.",
    )
    description: str | None = strawberry.field(
        description="Text printed for the sub-line; null when none.",
    )
    processing_only_customer_resource_id: str | None = strawberry.field(
        description="Resource id of the processing-only customer this part belongs to; null when not split per customer.",
    )
    processing_only_customer_id: strawberry.ID | None = strawberry.field(
        description="Customer id of that processing-only customer; null when not split per customer.",
    )
    type: InvoiceSubLineType | None = strawberry.field(
        description="Kind of sub-line; null for an ordinary split.",
    )
    usage_based_conversion: UsageBasedConversion | None = strawberry.field(
        description="Settings when type is USAGE_BASED_CONVERSION; null otherwise.",
    )


@strawberry.type(
    description="Settings of a usage-conversion sub-line.",
)
class UsageBasedConversion:
    conditions: MeterConditions | None = strawberry.field(
        description="Usage filter of the conversion; null when none.",
    )


@strawberry.type(
    description="Filter on usage events, by meter-property values.",
)
class MeterConditions:
    name: str | None = strawberry.field(
        description="Name of the condition set; null when unnamed.",
    )
    meter_properties: list[MeterPropertyCondition] = strawberry.field(
        description="Simple property comparisons, all of which must hold.",
    )
    expression: MeterConditionExpression | None = strawberry.field(
        description="Boolean expression over comparisons; null when not used.",
    )


@strawberry.type(
    description="Comparison of one meter property with a value or values.",
)
class MeterPropertyCondition:
    id: strawberry.ID | None = strawberry.field(
        name="meterPropertyId",
        description="Meter property id; null when given by reference.",
    )
    reference: str | None = strawberry.field(
        description="Meter property reference; null when given by id.",
    )
    value: str | None = strawberry.field(
        description="Single comparison value; null for list or emptiness comparators.",
    )
    values: list[str] = strawberry.field(
        description="Comparison values for IN / NOT_IN.",
    )
    comparator: ConditionComparator = strawberry.field(
        description="Comparison operator.",
    )


@strawberry.type(
    description="Boolean combination of property conditions.",
)
class MeterConditionExpression:
    operator: MeterConditionOperator = strawberry.field(
        description="How the operands combine.",
    )
    operands: list[MeterConditionOperand] = strawberry.field(
        description="Operands, each a comparison or a nested expression.",
    )


@strawberry.type(
    description="One operand: a comparison or a nested expression (exactly one is set).",
)
class MeterConditionOperand:
    meter_property: MeterPropertyCondition | None = strawberry.field(
        description="A comparison; null when expression is set.",
    )
    expression: MeterConditionExpression | None = strawberry.field(
        description="A nested expression; null when meterProperty is set.",
    )
