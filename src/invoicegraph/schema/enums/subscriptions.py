"""Enums of pricing-plan subscriptions."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Lifecycle state of a subscription.")
class PricingPlanSubscriptionStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="Billing.")
    VOID = strawberry.enum_value("VOID", description="Invalidated.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="Ended.")


@strawberry.enum(description="Purpose of a subscription.")
class PricingPlanSubscriptionType(Enum):
    QUOTE = strawberry.enum_value("QUOTE", description="Part of a quote, not billing.")
    BILLING = strawberry.enum_value("BILLING", description="Billing subscription.")
    TEMPLATE = strawberry.enum_value("TEMPLATE", description="Template for new subscriptions.")


@strawberry.enum(description="Billing arrangement of a subscription.")
class PricingPlanSubscriptionVariant(Enum):
    DEFAULT = strawberry.enum_value("DEFAULT", description="Billed to the subscribed customer.")
    FORWARD_BILLING = strawberry.enum_value("FORWARD_BILLING", description="Usage is forwarded to and billed to another customer.")
    SELF_BILLING = strawberry.enum_value("SELF_BILLING", description="The customer self-bills.")
    SELLER = strawberry.enum_value("SELLER", description="Subscription of a seller.")


@strawberry.enum(description="How billing periods are aligned.")
class BillingTime(Enum):
    EXACT = strawberry.enum_value("EXACT", description="Periods start at the subscription's start moment.")
    CALENDAR = strawberry.enum_value("CALENDAR", description="Periods follow calendar boundaries.")


@strawberry.enum(description="Kind of due-date rule.")
class DueDateType(Enum):
    PERIOD_AFTER_INVOICE_DATE = strawberry.enum_value("PERIOD_AFTER_INVOICE_DATE", description="A fixed term after the invoice date.")
    END_OF_THE_MONTH = strawberry.enum_value("END_OF_THE_MONTH", description="The end of the month of the invoice date.")
