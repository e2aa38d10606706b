"""Live PricingPlanSubscription records (selected fields)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from invoicegraph.schema.enums.resources import ObjectType
from invoicegraph.schema.enums.subscriptions import (
    BillingTime,
    DueDateType,
    PricingPlanSubscriptionStatus,
    PricingPlanSubscriptionType,
    PricingPlanSubscriptionVariant,
)
from invoicegraph.schema.node import Node
from invoicegraph.schema.scalars import CurrencyCode
from invoicegraph.schema.types.misc import CustomFieldValue
from invoicegraph.schema.types.values import Period


@strawberry.type(
    description="A customer's subscription to a pricing plan (live record, selected fields).",
)
class PricingPlanSubscription(Node):
    id: strawberry.ID = strawberry.field(
        description="Subscription id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "PRICING_PLAN_SUBSCRIPTION".',
    )
    reference: str = strawberry.field(
        description="User-chosen unique key.",
    )
    name: str | None = strawberry.field(
        description="Display name; null when unset.",
    )
    description: str | None = strawberry.field(
        description="Free description; null when none.",
    )
    status: PricingPlanSubscriptionStatus | None = strawberry.field(
        description="Lifecycle state; null when unset.",
    )
    type: PricingPlanSubscriptionType | None = strawberry.field(
        description="Purpose of the subscription; null when unset.",
    )
    variant: PricingPlanSubscriptionVariant = strawberry.field(
        description="Billing arrangement.",
    )
    created_at: datetime | None = strawberry.field(
        description="When it was created.",
    )
    updated_at: datetime | None = strawberry.field(
        description="When it was last changed.",
    )
    activated_at: datetime | None = strawberry.field(
        description="When it became active; null until then.",
    )
    customer_id: strawberry.ID = strawberry.field(
        description="Subscribed customer.",
    )
    billing_entity_id: strawberry.ID | None = strawberry.field(
        description="Billing entity that invoices it; null means the platform default.",
    )
    purchase_order_number: str | None = strawberry.field(
        description="Purchase-order number copied onto its invoices by a PO_NUMBER refresh; null when none.",
    )
    billing_period: Period | None = strawberry.field(
        description="Billing period length; null means the platform default.",
    )
    billing_currency: CurrencyCode | None = strawberry.field(
        description="Billing currency; null means the platform default.",
    )
    due_date_configuration: DueDateConfiguration | None = strawberry.field(
        description="Rule for invoice due dates; null means the platform default.",
    )
    billing_time: BillingTime | None = strawberry.field(
        description="Whether periods follow the start date or the calendar; null means the platform default.",
    )
    combine: bool | None = strawberry.field(
        description="Whether invoices of several subscriptions of the customer are combined; null means no.",
    )
    payment_acceptor_ids: list[strawberry.ID] = strawberry.field(
        description="Payment acceptors offered on its invoices.",
    )
    payment_method_id: strawberry.ID | None = strawberry.field(
        description="Stored payment method charged for its invoices; null when none.",
    )
    init_invoice_on_hold: bool = strawberry.field(
        description="Whether its new invoices start on hold.",
    )
    sales_tax_percentage: Decimal | None = strawberry.field(
        description="US sales-tax rate in percent that overrides computed tax on its items; null when not set.",
    )
    forward_customer_id: strawberry.ID | None = strawberry.field(
        description="Customer invoiced instead (forward billing); null otherwise.",
    )
    custom_fields: list[CustomFieldValue] = strawberry.field(
        description="Custom-field values set on the subscription.",
    )
    next_invoice: NextInvoice | None = strawberry.field(
        description="Next invoice the subscription will produce; null when none is planned.",
    )


@strawberry.type(
    description="Rule for computing due dates.",
)
class DueDateConfiguration:
    type: DueDateType | None = strawberry.field(
        description="Kind of rule; null when unset.",
    )
    period: Period | None = strawberry.field(
        description="Payment term when type is PERIOD_AFTER_INVOICE_DATE; null otherwise.",
    )


@strawberry.type(
    description="The next invoice a subscription will produce.",
)
class NextInvoice:
    invoice_date: datetime | None = strawberry.field(
        description="Its expected invoice date; null when unknown.",
    )
    invoice_id: strawberry.ID | None = strawberry.field(
        description="Its id when it already exists (OPEN); null otherwise.",
    )
