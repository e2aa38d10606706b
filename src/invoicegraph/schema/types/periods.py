"""Billing periods and groups on an invoice (snapshot JSON in `periods`).

Like lines (lines.py), each has an interface for its content and two types: the stored invoice's
(`InvoicePeriod`, `InvoiceGroup`, down to `InvoiceLine`) and the preview's (`InvoiceRefreshPreview…`),
so that a preview's lines never share a cache identity with stored ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry

from invoicegraph.schema.types.lines import InvoiceLine, InvoiceLineContent, InvoiceRefreshPreviewLine
from invoicegraph.schema.types.products import Product, ProductCategory
from invoicegraph.schema.types.tax import InvoiceTaxCategorySummary
from invoicegraph.schema.types.values import Amount, Period


@strawberry.interface(
    description="One billing period on an invoice, with its groups of lines: what stored and previewed periods share.",
)
class InvoicePeriodContent:
    period_order: int = strawberry.field(
        description="Position of the period on the invoice; lower values come first.",
    )
    amount_excluding_tax: Amount = strawberry.field(
        description="Period total before tax, rounded to the currency's minor unit.",
    )
    amount_including_tax: Amount = strawberry.field(
        description="Period total with tax, rounded to the currency's minor unit.",
    )
    billing_period: Period = strawberry.field(
        description="Length of the period.",
    )
    start_at: datetime = strawberry.field(
        description="Start of the period (inclusive).",
    )
    end_at: datetime = strawberry.field(
        description="End of the period (exclusive).",
    )
    tax_categories: list[InvoiceTaxCategorySummary] = strawberry.field(
        description="Tax per category for this period.",
    )
    groups: Sequence[InvoiceGroupContent] = strawberry.field(
        description="Groups of lines in this period, ordered by groupOrder.",
    )


@strawberry.interface(
    description=(
        "A group of lines inside a period, typically one per subscription and product category: what stored\nand previewed groups share."
    ),
)
class InvoiceGroupContent:
    group_order: int = strawberry.field(
        description="Position of the group within its period.",
    )
    amount_excluding_tax: Amount = strawberry.field(
        description="Group total before tax.",
    )
    amount_including_tax: Amount = strawberry.field(
        description="Group total with tax.",
    )
    billing_period: Period | None = strawberry.field(
        description="Billing period of the group when it differs from the enclosing period; null otherwise.",
    )
    start_at: datetime | None = strawberry.field(
        description="Start of the group's span (inclusive); null when not set (the period's start applies).",
    )
    end_at: datetime | None = strawberry.field(
        description="End of the group's span (exclusive); null when not set (the period's end applies).",
    )
    type: str | None = strawberry.field(
        description="Kind of group as a vendor string (values not documented); null when unset.",
    )
    product_category: ProductCategory | None = strawberry.field(
        description="Product category of the group (copy at rating time); null when the group is not per category.",
    )
    products: list[Product] = strawberry.field(
        description="Products billed in this group (copies at rating time).",
    )
    pricing: InvoicePricing | None = strawberry.field(
        description="The pricing the group was rated with; null when none.",
    )
    description: str | None = strawberry.field(
        description="Heading printed for the group; null when none.",
    )
    pricing_plan_subscription_id: strawberry.ID | None = strawberry.field(
        description="Subscription the group bills; null for one-off content.",
    )
    pricing_plan_schedule_id: strawberry.ID | None = strawberry.field(
        description="Pricing-plan schedule (plan version in force) used; null when none.",
    )
    billing_customer_id: strawberry.ID | None = strawberry.field(
        description="Customer billed for the group when it differs from the invoice customer; null otherwise.",
    )
    forwarded_from_customer_id: strawberry.ID | None = strawberry.field(
        description="Customer whose usage was forwarded into this group; null unless forward billing applies.",
    )
    tax_categories: list[InvoiceTaxCategorySummary] = strawberry.field(
        description="Tax per category for this group.",
    )
    lines: Sequence[InvoiceLineContent] = strawberry.field(
        description="Lines of the group, ordered by lineOrder.",
    )


@strawberry.type(
    description="A group of lines inside a period of a stored invoice.",
)
class InvoiceGroup(InvoiceGroupContent):
    lines: list[InvoiceLine] = strawberry.field(
        description="Lines of the group, ordered by lineOrder.",
    )


@strawberry.type(
    description="A group of lines inside a period of a refresh preview (not saved).",
)
class InvoiceRefreshPreviewGroup(InvoiceGroupContent):
    lines: list[InvoiceRefreshPreviewLine] = strawberry.field(
        description="Lines of the group as the refresh would save them, ordered by lineOrder.",
    )


@strawberry.type(
    description="One billing period of a stored invoice, with its groups of lines.",
)
class InvoicePeriod(InvoicePeriodContent):
    groups: list[InvoiceGroup] = strawberry.field(
        description="Groups of lines in this period, ordered by groupOrder.",
    )


@strawberry.type(
    description="One billing period of a refresh preview (not saved), with its groups of lines.",
)
class InvoiceRefreshPreviewPeriod(InvoicePeriodContent):
    groups: list[InvoiceRefreshPreviewGroup] = strawberry.field(
        description="Groups of lines in this period as the refresh would save them, ordered by groupOrder.",
    )


@strawberry.type(
    description="Reference to the pricing a group was rated with.",
)
class InvoicePricing:
    id: strawberry.ID = strawberry.field(
        name="pricingId",
        description="Pricing id.",
    )
    name: str = strawberry.field(
        description="Pricing name.",
    )
