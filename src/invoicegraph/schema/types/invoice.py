"""The Invoice entity (docs/rest.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from invoicegraph.execution import hints
from invoicegraph.resolvers.invoices import REFRESH_HISTORY_PLAN
from invoicegraph.schema.arguments import DEFAULT_PAGE_SIZE, page_size
from invoicegraph.schema.enums.invoice import (
    ApprovalStatus,
    BillingType,
    InvoiceRefreshType,
    InvoiceStatus,
    InvoiceType,
    PaymentStatus,
    PricingAmountType,
)
from invoicegraph.schema.federation import load_entity
from invoicegraph.schema.loading import Info, Row, load_many, load_one, returns_rows, unset_to_none
from invoicegraph.schema.permissions import RequireInvoiceView, requires
from invoicegraph.schema.scalars import CurrencyCode
from invoicegraph.schema.types.connections import InvoiceRefreshRecordConnection
from invoicegraph.schema.types.coupons import InvoiceCoupon, InvoicePromotionCode
from invoicegraph.schema.types.meters import CreditType, MeterValue
from invoicegraph.schema.types.misc import (
    CustomFieldValue,
    EInvoice,
    InvoiceCreditDetail,
    InvoiceReprocess,
    InvoiceValidationResult,
    LinkedIntegration,
    LinkedInvoiceDetail,
    OtherCustomFieldValue,
)
from invoicegraph.schema.types.parties import BillingEntity, Customer, PartyDetails
from invoicegraph.schema.types.payments import InvoiceDunningAction, InvoicePaymentAction, PaymentAcceptor, PortalUrlLink
from invoicegraph.schema.types.periods import InvoicePeriod
from invoicegraph.schema.types.subscriptions import PricingPlanSubscription
from invoicegraph.schema.types.tax import InvoiceTaxCategorySummary, InvoiceTaxTotalSummary, TaxRegistration
from invoicegraph.schema.types.values import Amount, Period, UsedExchangeRate


async def refresh_history(
    root: Row,
    info: Info,
    first: Annotated[
        int | None,
        strawberry.argument(
            description=("Page size: 0 to 100, default 25. A value outside that range fails with extensions.code INVALID_FIELD.")
        ),
    ] = DEFAULT_PAGE_SIZE,
    after: Annotated[
        str | None,
        strawberry.argument(description="Opaque cursor (an endCursor of an earlier page); the page starts after it."),
    ] = strawberry.UNSET,
) -> Row:
    from invoicegraph.resolvers.invoices import resolve_refresh_history

    return await resolve_refresh_history(info, root, page_size(first), unset_to_none(after))


hints.page(refresh_history, REFRESH_HISTORY_PLAN)  # compiled plans load it (execution/hints.py)


async def stale_sources(root: Row, info: Info) -> list[str]:
    from invoicegraph.resolvers.stale import resolve_stale_sources

    return await resolve_stale_sources(info, root)


@strawberry.federation.type(
    keys=["id"],
    description=(
        "A bill from one billing entity to one customer, for one or more billing\n"
        "periods. Lifecycle: OPEN (period running) -> DRAFT (grace period) -> FINAL\n"
        "(numbered, locked) or EMPTY (nothing to charge); OPEN and DRAFT invoices can\n"
        "also become VOID. Only OPEN and DRAFT invoices change. All amounts are in\n"
        "billingCurrency unless a field says otherwise. Federation entity keyed by id;\n"
        "references to invoices of another platform resolve to null."
    ),
)
class Invoice:
    id: strawberry.ID = strawberry.field(
        description="Unique, opaque invoice id (vendor style: short type prefix, underscore, random part).",
    )
    version: int = strawberry.field(
        description=(
            "Optimistic-concurrency counter. Starts at 1 and grows by one with every\n"
            "saved change, including a refresh that changed something."
        ),
    )
    object_type: str = strawberry.field(
        description='Resource type tag; always "INVOICE".',
    )
    invoice_number: str | None = strawberry.field(
        description=(
            'Human-facing invoice number, e.g. "INV-2022-01-000001". Null until the\ninvoice becomes FINAL; EMPTY invoices never get one.'
        ),
    )
    purchase_order_number: str | None = strawberry.field(
        description="Purchase-order number shown on the invoice; null when none. Re-copied from the subscription by a PO_NUMBER refresh.",
    )
    platform_id: strawberry.ID = strawberry.field(
        description="Id of the platform (tenant) that owns the invoice.",
    )
    customer_id: strawberry.ID = strawberry.field(
        description="Id of the billed customer. Same value as customer.id and customerDetails.id.",
    )
    customer_reference: str | None = strawberry.field(
        description="The billed customer's own reference (its user-chosen key) at the time of the last customer snapshot; null when it has none.",
    )
    sales_tax_percentage: Decimal | None = strawberry.field(
        description=(
            'US sales-tax rate in percent, e.g. "8.875". Required when both the customer\n'
            "and the billing entity are in the US, optional when only one is; null\n"
            "otherwise."
        ),
    )
    customer: Customer = strawberry.field(
        resolver=load_one("customer_by_id", "customer_id"),
        description=(
            "The customer as it is now (live record). May differ from customerDetails,\nwhich is the copy printed on the invoice."
        ),
    )
    customer_details: PartyDetails = strawberry.field(
        description=(
            "Snapshot of the customer's invoicing details as stored on the invoice.\n"
            "Re-copied from the live customer by a CUSTOMER (or FULL) refresh."
        ),
    )
    billing_entity_id: strawberry.ID = strawberry.field(
        description="Id of the issuing billing entity. Same value as billingEntity.id and billingEntityDetails.id.",
    )
    billing_entity: BillingEntity = strawberry.field(
        resolver=load_one("billing_entity_by_id", "billing_entity_id"),
        description=(
            "The issuing billing entity as it is now (live record). May differ from\n"
            "billingEntityDetails, which is the copy printed on the invoice."
        ),
    )
    billing_entity_details: PartyDetails = strawberry.field(
        description=(
            "Snapshot of the billing entity's details as stored on the invoice.\n"
            "Re-copied from the live billing entity by a BILLING_ENTITY (or FULL) refresh."
        ),
    )
    status: InvoiceStatus = strawberry.field(
        description="Lifecycle status. Only OPEN and DRAFT invoices can be refreshed, put on hold or voided.",
    )
    on_hold: bool = strawberry.field(
        description=(
            "When true, the invoice does not move from DRAFT to FINAL by itself. It waits\n"
            "until someone finalizes it or lifts the hold. Only OPEN or DRAFT invoices can\n"
            "be on hold. A refresh that finds a blocking validation error sets it."
        ),
    )
    paid: bool = strawberry.field(
        description=(
            "True when the invoice is marked as paid, by hand or through its payment\n"
            "link. Normally set on FINAL invoices. See paymentStatus for partial payment."
        ),
    )
    type: InvoiceType = strawberry.field(
        description="Kind of invoice: regular, credit note, or one-off.",
    )
    created_at: datetime = strawberry.field(
        description="When the invoice was created.",
    )
    updated_at: datetime = strawberry.field(
        description="When the invoice was last saved (not changed by a refresh that changed nothing).",
    )
    invoice_date: datetime = strawberry.field(
        description="Invoice date printed on the invoice. Depending on platform settings it is set at or after the end of the billing period, or when the invoice becomes FINAL.",
    )
    delivery_date: datetime | None = strawberry.field(
        description="Delivery (supply) date printed on the invoice; null when none is set.",
    )
    due_date: datetime | None = strawberry.field(
        description="Payment due date; null when no due-date rule applies.",
    )
    billing_period_date: date | None = strawberry.field(
        description=(
            "Calendar date that anchors the invoice's billing period; null when none.\nThe vendor documents no format for this field."
        ),
    )
    billing_currency: CurrencyCode = strawberry.field(
        description="Currency of all invoice amounts (except the local-currency tax amounts).",
    )
    invoice_amount_including_tax: Amount = strawberry.field(
        description=(
            "Total to pay, tax included; equal to taxSummary.totalAmount and to the sum\n"
            "of the periods' amountIncludingTax. Recomputed by every refresh."
        ),
    )
    open_invoice_amount: Amount = strawberry.field(
        description="Part of the total still to be paid: max(invoiceAmountIncludingTax − paidInvoiceAmount, 0).",
    )
    closed_invoice_amount: Amount = strawberry.field(
        description="Part of the total that is settled: invoiceAmountIncludingTax − openInvoiceAmount.",
    )
    paid_invoice_amount: Amount = strawberry.field(
        description="Sum of the payments received. Zero until a payment is recorded; may exceed the total (paymentStatus OVERPAID). Never changed by a refresh.",
    )
    timezone: str | None = strawberry.field(
        description=(
            "Time zone used to cut billing periods and print dates, as given by the\n"
            'vendor: an IANA name ("Europe/Amsterdam"), an offset name ("UTC+1",\n'
            '"GMT+1") or an abbreviation. Null when not set (the platform default applies).'
        ),
    )
    billing_period: Period | None = strawberry.field(
        description="Length of the billing period the invoice covers; null for one-off invoices without a period.",
    )
    pricing_plan_subscription_ids: list[strawberry.ID] = strawberry.field(
        description="Ids of the subscriptions billed on this invoice, in billing order. Empty for one-off invoices.",
    )
    pricing_plan_subscriptions: list[PricingPlanSubscription] = strawberry.field(
        resolver=load_many("subscription_by_id", "pricing_plan_subscription_ids"),
        description="The subscriptions billed on this invoice (live records), in the order of pricingPlanSubscriptionIds; ids that no longer resolve are skipped.",
    )
    pricing_amount_type: PricingAmountType = strawberry.field(
        description="Whether the source prices (e.g. from the pricing plan) already include tax or have tax added on top.",
    )
    periods: list[InvoicePeriod] = strawberry.field(
        description=(
            "Billing periods on the invoice, each with its groups and lines, ordered by\n"
            "periodOrder. This is the structure to sum amounts over."
        ),
    )
    closed_periods: list[InvoicePeriod] = strawberry.field(
        description="Periods that were closed earlier and are kept for reference; same shape as periods.",
    )
    tax_categories: list[InvoiceTaxCategorySummary] = strawberry.field(
        description="Tax per tax category and rate over the whole invoice. Recomputed by every refresh.",
    )
    tax_summary: InvoiceTaxTotalSummary | None = strawberry.field(
        description="Tax totals over the whole invoice; null only on imported FINAL, EMPTY or VOID invoices that lack them.",
    )
    auto_rescues: list[InvoiceDunningAction] = strawberry.field(
        description="Automatic payment retries by the payment service provider (Adyen auto-rescue).",
        deprecation_reason="Adyen-specific; use dunningActions for collection attempts.",
    )
    dunning_actions: list[InvoiceDunningAction] = strawberry.field(
        description="Collection attempts (dunning) started for this invoice, oldest first.",
    )
    payment_acceptor_ids: list[strawberry.ID] = strawberry.field(
        description="Ids of the payment acceptors (ways to pay) offered on this invoice. Re-derived by a PAYMENT_ACCEPTOR refresh.",
    )
    payment_acceptors: list[PaymentAcceptor] = strawberry.field(
        resolver=load_many("payment_acceptor_by_id", "payment_acceptor_ids"),
        description="The payment acceptors offered on this invoice (live records), in the order of paymentAcceptorIds; ids that no longer resolve are skipped.",
    )
    payment_actions: list[InvoicePaymentAction] = strawberry.field(
        description="Instructions for paying this invoice, one per payment acceptor. Re-derived by a PAYMENT_ACCEPTOR refresh.",
    )
    pay_invoice_link: PortalUrlLink | None = strawberry.field(
        description="Hosted page where the customer can pay; null when none was issued. Re-derived by a PAYMENT_ACCEPTOR refresh.",
    )
    notes: list[str] = strawberry.field(
        description="Free-text notes printed on the invoice, in order.",
    )
    linked_invoices: list[LinkedInvoiceDetail] = strawberry.field(
        description="Invoices related to this one (e.g. the originals a credit invoice corrects).",
    )
    linked_invoices_ids: list[strawberry.ID] = strawberry.field(
        description="Ids of the original invoices a ONE_OFF_CREDIT invoice links to; empty for other types.",
        deprecation_reason="Use linkedInvoices[].id, which comes with the link details.",
    )
    custom_fields: list[CustomFieldValue] = strawberry.field(
        description="Values of custom fields set on this invoice. Re-read by a CUSTOM_FIELD refresh.",
    )
    other_custom_fields: list[OtherCustomFieldValue] = strawberry.field(
        description="Custom-field values of related resources (customer, subscription, billing entity...) copied onto the invoice. Re-read by a CUSTOM_FIELD refresh.",
    )
    credit: InvoiceCreditDetail | None = strawberry.field(
        description="What this credit invoice corrects; null unless type is CREDIT or ONE_OFF_CREDIT.",
    )
    e_invoices: list[EInvoice] = strawberry.field(
        description="Electronic invoices (e-invoicing submissions) made for this invoice.",
    )
    used_exchange_rates: list[UsedExchangeRate] = strawberry.field(
        description="Exchange rates used anywhere on the invoice, one per currency pair.",
    )
    processing_only_customers: list[Customer] = strawberry.field(
        resolver=load_many("customer_by_id", "processing_only_customer_ids"),
        description="Processing-only child customers whose usage is billed on this invoice (live records).",
    )
    meter_values: list[MeterValue] = strawberry.field(
        resolver=load_many("meter_value_by_id", "meter_value_ids"),
        description="Meter values (usage metric definitions) used by lines of this invoice (live records).",
    )
    credit_types: list[CreditType] = strawberry.field(
        resolver=load_many("credit_type_by_id", "credit_type_ids"),
        description="Credit types used by lines of this invoice (live records).",
    )
    display_invoice_sub_lines_per_processing_only_customer: bool = strawberry.field(
        description="When true, sub-lines are printed per processing-only customer.",
    )
    forwarded_from_customers: list[Customer] = strawberry.field(
        resolver=load_many("customer_by_id", "forwarded_from_customer_ids"),
        description="Customers whose usage was forwarded to this invoice's customer (forward billing), as live records.",
    )
    validation_result: list[InvoiceValidationResult] = strawberry.field(
        description="Problems found by the checks that run on every refresh, e.g. a missing tax rate or exchange rate; empty when there are none.",
    )
    to_be_reprocessed: bool | None = strawberry.field(
        description="Whether the invoice is scheduled to be reprocessed.",
        deprecation_reason="Use reprocess.toBeReprocessedAt (non-null means scheduled).",
    )
    to_be_reprocessed_at: datetime | None = strawberry.field(
        description="When the invoice will be reprocessed; null when not scheduled.",
        deprecation_reason="Use reprocess.toBeReprocessedAt.",
    )
    reprocess: InvoiceReprocess | None = strawberry.field(
        description="Pending or last reprocess run of the invoice; null when none was ever scheduled.",
    )
    used_tax_registration: TaxRegistration | None = strawberry.field(
        description=(
            "Snapshot of the tax registration used to calculate tax. Null means the\n"
            "billing entity's own registration was used. Re-copied by a BILLING_ENTITY\n"
            "(or FULL) refresh."
        ),
    )
    footnote: str | None = strawberry.field(
        description="Footnote printed at the bottom of the invoice; null when none.",
    )
    approval_status: ApprovalStatus | None = strawberry.field(
        description="Outcome of the approval request tied to this invoice; null when it has none.",
    )
    updated_to_final_at: datetime | None = strawberry.field(
        description="When the invoice became FINAL; null before that.",
    )
    has_usage_based_pricing: bool = strawberry.field(
        description="True when at least one line is priced on metered usage.",
    )
    coupons: list[InvoiceCoupon] = strawberry.field(
        description="Coupons applied to this invoice.",
    )
    promotion_codes: list[InvoicePromotionCode] = strawberry.field(
        description="Promotion codes applied to this invoice.",
    )
    linked_integrations: list[LinkedIntegration] = strawberry.field(
        description="Links to this invoice in external systems (CRM, ERP...).",
    )
    billing_type: BillingType = strawberry.field(
        description="Whether the billing entity or the customer issues the invoice (self-billing).",
    )
    payment_status: PaymentStatus = strawberry.field(
        description=(
            "Payment state from paidInvoiceAmount against invoiceAmountIncludingTax. A\n"
            "zero total counts as PAID. Credit invoices (negative totals) compare\n"
            "absolute values."
        ),
    )
    stale_sources: list[InvoiceRefreshType] = strawberry.field(
        resolver=returns_rows(stale_sources),
        description=(
            "The refresh types that would change this invoice if run now (FULL first, then\n"
            "the parts), without running them: the copied parts (customer, billing entity,\n"
            "custom fields, PO number, the acceptors the subscriptions name) are compared\n"
            "with the live records; pricing, products, coupons, exchange rates, meters, usage\n"
            "and tax rates by change markers (a change after the invoice last read them),\n"
            "which may report a change that turns out not to matter, never miss one. FULL\n"
            "is listed whenever any part is. Empty for FINAL, EMPTY and VOID invoices.\n"
            "Cheap on a list: a page reads it in a constant number of statements."
        ),
    )
    refresh_history: InvoiceRefreshRecordConnection = strawberry.field(
        resolver=returns_rows(refresh_history),
        extensions=requires(RequireInvoiceView),
        description=(
            "Audit trail of the refreshes of this invoice, newest first. Each refresh is\n"
            "recorded, including those that changed nothing. Requires the INVOICE.VIEW\n"
            "permission."
        ),
    )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Row | None:
        return await load_entity(cls, "invoice_by_id", info, id)
