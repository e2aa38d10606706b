"""Enums of the invoice, its refresh and its lists.

Like every enum here, values equal names: rows carry plain strings ("DRAFT"), which graphql-core
serializes by value, and arguments arrive as members whose `.value` is that string.
"""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Lifecycle status of an invoice.")
class InvoiceStatus(Enum):
    OPEN = strawberry.enum_value(
        "OPEN", description="Billing period still running; the content keeps changing as usage and charges arrive. Can be refreshed."
    )
    DRAFT = strawberry.enum_value(
        "DRAFT",
        description="Billing period ended (about 2 hours after its end); in the grace period (8 hours by default) for review and late usage. Can be refreshed.",
    )
    FINAL = strawberry.enum_value("FINAL", description="Numbered and locked; corrections go through credit invoices.")
    EMPTY = strawberry.enum_value("EMPTY", description="Closed like FINAL but with nothing to charge; gets no invoice number.")
    VOID = strawberry.enum_value(
        "VOID", description="Cancelled from OPEN or DRAFT; nothing is owed; kept for audit and never changes again."
    )


@strawberry.enum(description="Kind of invoice.")
class InvoiceType(Enum):
    STANDARD = strawberry.enum_value("STANDARD", description="Regular invoice produced from subscriptions.")
    CREDIT = strawberry.enum_value("CREDIT", description="Credit invoice correcting a STANDARD invoice.")
    ONE_OFF = strawberry.enum_value("ONE_OFF", description="Invoice created by hand, outside the subscription cycle.")
    ONE_OFF_CREDIT = strawberry.enum_value("ONE_OFF_CREDIT", description="Credit invoice correcting ONE_OFF invoices.")


@strawberry.enum(description="Whether source prices include tax.")
class PricingAmountType(Enum):
    EXCLUDING_TAX = strawberry.enum_value("EXCLUDING_TAX", description="Prices exclude tax; tax is added on top.")
    INCLUDING_TAX = strawberry.enum_value("INCLUDING_TAX", description="Prices include tax; tax is taken out of them.")


@strawberry.enum(description="State of the approval request attached to an invoice.")
class ApprovalStatus(Enum):
    PENDING_REVIEW = strawberry.enum_value("PENDING_REVIEW", description="Waiting for a reviewer.")
    APPROVED = strawberry.enum_value("APPROVED", description="Approved by a reviewer.")
    DECLINED = strawberry.enum_value("DECLINED", description="Rejected by a reviewer.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="The approval request was withdrawn.")


@strawberry.enum(description="Who issues the invoice.")
class BillingType(Enum):
    DEFAULT = strawberry.enum_value("DEFAULT", description="The billing entity bills the customer.")
    SELF_BILLING = strawberry.enum_value(
        "SELF_BILLING", description="The customer issues the invoice on the supplier's behalf (self-billing)."
    )


@strawberry.enum(description="Payment state of an invoice.")
class PaymentStatus(Enum):
    UNPAID = strawberry.enum_value("UNPAID", description="Nothing paid.")
    PARTIALLY_PAID = strawberry.enum_value("PARTIALLY_PAID", description="Some, but less than the total, paid.")
    PAID = strawberry.enum_value("PAID", description="Exactly the total paid.")
    OVERPAID = strawberry.enum_value("OVERPAID", description="More than the total paid.")


@strawberry.enum(
    description=(
        "Source data that a refresh re-reads. Values can be combined. Whatever is\n"
        "chosen, every derived value (tax amounts, totals, paymentStatus,\n"
        "validationResult) is then recomputed from what the invoice holds. No value\n"
        "changes status, invoiceNumber, type, invoiceDate or payments received."
    )
)
class InvoiceRefreshType(Enum):
    FULL = strawberry.enum_value(
        "FULL",
        description=(
            "All of the values below. It also re-rates STANDARD invoices: periods,\n"
            "groups, lines and sub-lines are rebuilt from current pricing, usage events,\n"
            "coupons, promotion codes and exchange rates, together with meterValues,\n"
            "coupons, promotionCodes, creditTypes, usedExchangeRates and\n"
            "hasUsageBasedPricing. Lines of ONE_OFF, CREDIT and ONE_OFF_CREDIT invoices\n"
            "are kept as stored."
        ),
    )
    CUSTOMER = strawberry.enum_value(
        "CUSTOMER",
        description=(
            "Re-copies the live customer into customerDetails and customerReference\n"
            "(names, e-mail, locale, time zone, address, tax ids, tax exemption). Also\n"
            "refreshes processingOnlyCustomers and forwardedFromCustomers. The tax\n"
            "treatment follows (e.g. a new country), but the stored rates stay unless\n"
            "TAX_RATES is also given."
        ),
    )
    CUSTOM_FIELD = strawberry.enum_value(
        "CUSTOM_FIELD",
        description="Re-reads customFields and otherCustomFields from the current values on the customer, subscriptions and billing entity.",
    )
    BILLING_ENTITY = strawberry.enum_value(
        "BILLING_ENTITY",
        description=(
            "Re-copies the live billing entity into billingEntityDetails, and picks\n"
            "usedTaxRegistration again: the registration for the customer's country, or\n"
            "none, meaning the entity's own."
        ),
    )
    PAYMENT_ACCEPTOR = strawberry.enum_value(
        "PAYMENT_ACCEPTOR",
        description=(
            "Re-derives paymentAcceptorIds, paymentActions and payInvoiceLink. It uses\n"
            "the subscriptions' payment acceptors, else the billing entity's, else the\n"
            "platform default."
        ),
    )
    PO_NUMBER = strawberry.enum_value(
        "PO_NUMBER",
        description="Re-copies purchaseOrderNumber: the first non-empty purchase-order number among the subscriptions, in subscription order.",
    )
    TAX_RATES = strawberry.enum_value(
        "TAX_RATES", description="Looks up again, in the platform's current tax-rate table, the rate of every tax category on the invoice."
    )


@strawberry.enum(description="Sortable invoice fields.")
class InvoiceOrderField(Enum):
    INVOICE_NUMBER = strawberry.enum_value("INVOICE_NUMBER", description="invoiceNumber (invoices without a number sort last).")
    INVOICE_DATE = strawberry.enum_value("INVOICE_DATE", description="invoiceDate.")
    DUE_DATE = strawberry.enum_value("DUE_DATE", description="dueDate (invoices without one sort last).")
    INVOICE_AMOUNT_INCLUDING_TAX = strawberry.enum_value(
        "INVOICE_AMOUNT_INCLUDING_TAX", description="invoiceAmountIncludingTax.quantity, compared numerically regardless of currency."
    )
    STATUS = strawberry.enum_value("STATUS", description="status, in the order OPEN, DRAFT, FINAL, EMPTY, VOID.")
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="createdAt.")


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest or earliest first.")
    DESC = strawberry.enum_value("DESC", description="Largest or latest first.")


@strawberry.enum(description="Unit of a Period.")
class PeriodType(Enum):
    DAY = strawberry.enum_value("DAY", description="Calendar day.")
    WEEK = strawberry.enum_value("WEEK", description="Seven days.")
    MONTH = strawberry.enum_value("MONTH", description="Calendar month.")
    YEAR = strawberry.enum_value("YEAR", description="Calendar year.")


@strawberry.enum(description="Kind of sub-line.")
class InvoiceSubLineType(Enum):
    USAGE_BASED_CONVERSION = strawberry.enum_value(
        "USAGE_BASED_CONVERSION", description="Usage converted from another meter value (e.g. into credits)."
    )


@strawberry.enum(description="Kind of invoice line.")
class InvoiceLineType(Enum):
    REVENUE = strawberry.enum_value("REVENUE", description="A charge from pricing (recurring, usage-based or one-off).")
    DISCOUNT = strawberry.enum_value("DISCOUNT", description="A reduction from a coupon or promotion code; its amounts are negative.")
    COMMITMENT = strawberry.enum_value("COMMITMENT", description="A minimum-commitment true-up (imported invoices only).")


@strawberry.enum(description="Pricing model of a REVENUE line (docs/billing-decisions.md).")
class PricingModel(Enum):
    FLAT = strawberry.enum_value("FLAT", description="One fixed price per period, whatever the usage.")
    PER_UNIT = strawberry.enum_value("PER_UNIT", description="A price per unit of usage.")
    GRADUATED = strawberry.enum_value("GRADUATED", description="Tiers: each unit is priced by the tier it falls in.")
    VOLUME = strawberry.enum_value("VOLUME", description="Tiers: every unit is priced by the tier the total reaches.")
    PACKAGE = strawberry.enum_value("PACKAGE", description="A price per started package of units.")


@strawberry.enum(description="Severity of a validation result.")
class ValidationStatus(Enum):
    ERROR = strawberry.enum_value("ERROR", description="Blocking: the invoice is put on hold until it is fixed.")
    WARNING = strawberry.enum_value("WARNING", description="Worth a look; does not hold the invoice.")


@strawberry.enum(
    description=(
        "How a tax category entry was taxed: the product tax categories, plus the treatments the tax\n"
        "engine decides (reverse charge, outside scope, US sales tax)."
    )
)
class InvoiceTaxCategory(Enum):
    STANDARD = strawberry.enum_value("STANDARD", description="The country's standard rate.")
    REDUCED = strawberry.enum_value("REDUCED", description="The country's reduced rate.")
    ZERO = strawberry.enum_value("ZERO", description="Zero-rated supply (0 %).")
    EXEMPT = strawberry.enum_value("EXEMPT", description="Exempt: the customer or the supply is exempt from tax.")
    NO_TAX = strawberry.enum_value("NO_TAX", description="No tax applies (rated like ZERO).")
    REVERSE_CHARGE = strawberry.enum_value("REVERSE_CHARGE", description="EU B2B cross-border: the customer accounts for the VAT.")
    OUTSIDE_SCOPE = strawberry.enum_value("OUTSIDE_SCOPE", description="Outside the scope of the billing entity's tax (e.g. exports).")
    SALES_TAX = strawberry.enum_value("SALES_TAX", description="US sales tax at the invoice's salesTaxPercentage.")
