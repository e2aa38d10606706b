"""The invoice record: the vendor's Invoice object as an import file carries it.

`STANDARD` invoices that are `OPEN` or `DRAFT` carry inputs (customer, subscriptions, periods); the
billing engine computes them after the import. `ONE_OFF`, `CREDIT` and `ONE_OFF_CREDIT` invoices carry
explicit lines (`description`, `product_id`, `amount`). `FINAL`, `EMPTY` and `VOID` invoices are stored
as given and must carry their computed amounts, which must add up (`problems`).

Fields the schema computes at read time from the stored row (open/closed amounts, payment status,
…) are accepted, so that a vendor export can be imported, but not stored: `exclude=True`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from invoicegraph.billing.money import exact_sum
from invoicegraph.billing.shapes import line_id
from invoicegraph.records.invoice_lines import InvoiceGroup, InvoicePeriod
from invoicegraph.records.invoice_parts import (
    EInvoice,
    InvoiceCoupon,
    InvoiceCreditDetail,
    InvoiceDunningAction,
    InvoicePaymentAction,
    InvoicePromotionCode,
    InvoiceReprocess,
    InvoiceTaxCategorySummary,
    InvoiceTaxTotalSummary,
    InvoiceValidationResult,
    LinkedInvoiceDetail,
    OtherCustomFieldValue,
    PartyDetails,
    Payment,
    PortalUrlLink,
)
from invoicegraph.records.parties import CustomFieldValue, LinkedIntegration, TaxRegistration
from invoicegraph.records.price_details import UsedExchangeRate
from invoicegraph.records.values import (
    Amount,
    BillingEntityId,
    CalendarDate,
    CreditTypeId,
    CurrencyCode,
    CustomerId,
    Instant,
    InvoiceId,
    MeterValueId,
    Money,
    PaymentAcceptorId,
    Percentage,
    Period,
    PlatformId,
    Record,
    SubscriptionId,
    currency_exponent,
)

InvoiceStatus = Literal["OPEN", "DRAFT", "FINAL", "EMPTY", "VOID"]
InvoiceType = Literal["STANDARD", "CREDIT", "ONE_OFF", "ONE_OFF_CREDIT"]
COMPUTED_STATUSES = frozenset({"FINAL", "EMPTY", "VOID"})
EXPLICIT_LINE_TYPES = frozenset({"ONE_OFF", "CREDIT", "ONE_OFF_CREDIT"})
CREDIT_TYPES = frozenset({"CREDIT", "ONE_OFF_CREDIT"})

Loc = tuple[str | int, ...]


def _read_only() -> Any:
    return Field(default=None, exclude=True)


class InvoiceRecord(Record):
    id: InvoiceId
    platform_id: PlatformId
    object_type: Literal["INVOICE"] | None = _read_only()
    invoice_number: str | None = None
    purchase_order_number: str | None = None
    customer_id: CustomerId
    customer_reference: str | None = None
    sales_tax_percentage: Percentage | None = None
    # Snapshots; copied from the live records at import when absent (GraphQL: non-null).
    customer_details: PartyDetails | None = None
    billing_entity_id: BillingEntityId
    billing_entity_details: PartyDetails | None = None
    status: InvoiceStatus
    on_hold: bool = False
    paid: bool = False
    type: InvoiceType = "STANDARD"
    created_at: Instant | None = None
    updated_at: Instant | None = None
    invoice_date: Instant
    delivery_date: Instant | None = None
    due_date: Instant | None = None
    billing_period_date: CalendarDate | None = None
    billing_currency: CurrencyCode
    invoice_amount_including_tax: Money | None = None
    open_invoice_amount: Amount | None = _read_only()
    closed_invoice_amount: Amount | None = _read_only()
    paid_invoice_amount: Amount | None = _read_only()
    timezone: str | None = None
    billing_period: Period | None = None
    pricing_plan_subscription_ids: list[SubscriptionId] = Field(default_factory=list)
    pricing_amount_type: Literal["EXCLUDING_TAX", "INCLUDING_TAX"] = "EXCLUDING_TAX"
    periods: list[InvoicePeriod] = Field(default_factory=list)
    closed_periods: list[InvoicePeriod] = Field(default_factory=list)
    tax_categories: list[InvoiceTaxCategorySummary] = Field(default_factory=list)
    tax_summary: InvoiceTaxTotalSummary | None = None
    auto_rescues: list[InvoiceDunningAction] = Field(default_factory=list)
    dunning_actions: list[InvoiceDunningAction] = Field(default_factory=list)
    payment_acceptor_ids: list[PaymentAcceptorId] = Field(default_factory=list)
    payment_actions: list[InvoicePaymentAction] = Field(default_factory=list)
    pay_invoice_link: PortalUrlLink | None = None
    notes: list[str] = Field(default_factory=list)
    linked_invoices: list[LinkedInvoiceDetail] = Field(default_factory=list)
    linked_invoices_ids: list[str] | None = _read_only()
    custom_fields: list[CustomFieldValue] = Field(default_factory=list)
    other_custom_fields: list[OtherCustomFieldValue] = Field(default_factory=list)
    credit: InvoiceCreditDetail | None = None
    e_invoices: list[EInvoice] = Field(default_factory=list)
    used_exchange_rates: list[UsedExchangeRate] = Field(default_factory=list)
    processing_only_customer_ids: list[CustomerId] = Field(default_factory=list)
    meter_value_ids: list[MeterValueId] = Field(default_factory=list)
    credit_type_ids: list[CreditTypeId] = Field(default_factory=list)
    display_invoice_sub_lines_per_processing_only_customer: bool = False
    forwarded_from_customer_ids: list[CustomerId] = Field(default_factory=list)
    validation_result: list[InvoiceValidationResult] = Field(default_factory=list)
    to_be_reprocessed: bool | None = _read_only()
    to_be_reprocessed_at: Instant | None = _read_only()
    reprocess: InvoiceReprocess | None = None
    used_tax_registration: TaxRegistration | None = None
    footnote: str | None = None
    approval_status: Literal["PENDING_REVIEW", "APPROVED", "DECLINED", "CANCELLED"] | None = None
    updated_to_final_at: Instant | None = None
    has_usage_based_pricing: bool | None = _read_only()
    coupons: list[InvoiceCoupon] = Field(default_factory=list)
    promotion_codes: list[InvoicePromotionCode] = Field(default_factory=list)
    linked_integrations: list[LinkedIntegration] = Field(default_factory=list)
    billing_type: Literal["DEFAULT", "SELF_BILLING"] = "DEFAULT"
    payment_status: Literal["UNPAID", "PARTIALLY_PAID", "PAID", "OVERPAID"] | None = _read_only()
    payments: list[Payment] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_payment_amounts(cls, data: Any) -> Any:
        # A payment amount given as "100.00" is read in the invoice's billing currency.
        if not isinstance(data, dict) or not isinstance(data.get("payments"), list):
            return data
        currency = data.get("billing_currency")
        payments = [
            {**p, "amount": {"quantity": p["amount"], "currency": currency}}
            if isinstance(p, dict) and isinstance(p.get("amount"), str) and isinstance(currency, str)
            else p
            for p in data["payments"]
        ]
        return {**data, "payments": payments}

    @model_validator(mode="after")
    def _fill_defaults(self) -> InvoiceRecord:
        computed = self.status in COMPUTED_STATUSES
        for p_index, period in enumerate(self.periods):
            _fill_period(period, p_index, self.billing_period)
            for g_index, group in enumerate(period.groups):
                if group.group_order is None:
                    group.group_order = g_index
                for l_index, line in enumerate(group.lines):
                    if line.line_order is None:
                        line.line_order = l_index
                    if line.id is None:
                        # Unique on the platform, and the same on every import of the file (docs/frontend.md).
                        line.id = line_id(self.id, "imported", p_index, g_index, l_index)
                    if not computed and line.amount is not None:
                        # Placeholders until the billing engine computes tax (compute_open_invoices).
                        line.amount_excluding_tax = line.amount_excluding_tax or line.amount
                        line.amount_including_tax = line.amount_including_tax or line.amount
                if not computed:
                    _fill_sum(group, group.lines, self.billing_currency)
            if not computed:
                _fill_sum(period, period.groups, self.billing_currency)
        for index, period in enumerate(self.closed_periods):
            _fill_period(period, index, self.billing_period)
        if self.invoice_amount_including_tax is None and not computed:
            total = exact_sum(_q(p.amount_including_tax) for p in self.periods)
            self.invoice_amount_including_tax = _money(total, self.billing_currency)
        return self

    def problems(self) -> Iterator[tuple[Loc, str]]:
        """Rules across fields, reported with their paths (relative to the invoice)."""
        yield from _explicit_line_problems(self)
        if self.type in CREDIT_TYPES and self.credit is None:
            yield ("credit",), f"a {self.type} invoice needs credit.original_invoice_id"
        if self.type not in CREDIT_TYPES and self.credit is not None:
            yield ("credit",), f"only credit invoices carry 'credit' (type is {self.type})"
        if self.credit is not None and self.credit.original_invoice_id == self.id:
            yield ("credit", "original_invoice_id"), "a credit invoice cannot credit itself"
        for index, period in enumerate(self.periods):
            if period.end_at <= period.start_at:
                yield ("periods", index, "end_at"), "must be after start_at"
        for index, payment in enumerate(self.payments):
            if payment.amount.currency != self.billing_currency:
                yield (
                    ("payments", index, "amount", "currency"),
                    f"{payment.amount.currency!r} differs from billing_currency {self.billing_currency!r}",
                )
        if self.status in COMPUTED_STATUSES:
            yield from _computed_problems(self)


def _fill_period(period: InvoicePeriod, index: int, default: Period | None) -> None:
    if period.period_order is None:
        period.period_order = index
    if period.billing_period is None:
        # A one-off invoice may have no billing period: describe the span in days.
        days = max((period.end_at - period.start_at) // timedelta(days=1), 1)
        period.billing_period = default or Period(type="DAY", value=days)


def _q(amount: Amount | None) -> Decimal:
    return Decimal(amount.quantity) if amount is not None else Decimal(0)


def _money(quantity: Decimal, currency: CurrencyCode) -> Amount:
    exponent = currency_exponent(currency)
    if exponent is not None:
        quantity = quantity.quantize(Decimal(1).scaleb(-exponent))
    return Amount(quantity=format(quantity, "f"), currency=currency)


def _fill_sum(parent: InvoicePeriod | InvoiceGroup, children: list[Any], currency: str) -> None:
    for field in ("amount_excluding_tax", "amount_including_tax"):
        if getattr(parent, field) is None:
            total = exact_sum(_q(getattr(child, field)) for child in children)
            setattr(parent, field, _money(total, currency))


def _explicit_line_problems(invoice: InvoiceRecord) -> Iterator[tuple[Loc, str]]:
    explicit = invoice.type in EXPLICIT_LINE_TYPES
    has_line = False
    for p, period in enumerate(invoice.periods):
        for g, group in enumerate(period.groups):
            for i, line in enumerate(group.lines):
                has_line = True
                loc: Loc = ("periods", p, "groups", g, "lines", i)
                if not explicit:
                    continue
                for name in ("description", "product_id", "amount"):
                    if getattr(line, name) is None:
                        yield (*loc, name), f"required on the lines of a {invoice.type} invoice"
                if line.amount is not None and line.amount.currency != invoice.billing_currency:
                    yield (*loc, "amount", "currency"), "differs from the invoice's billing_currency"
    if explicit and not has_line and invoice.status not in ("EMPTY", "VOID"):
        yield ("periods",), f"a {invoice.type} invoice carries its lines in periods[].groups[].lines[]"


def _computed_problems(invoice: InvoiceRecord) -> Iterator[tuple[Loc, str]]:
    status, currency = invoice.status, invoice.billing_currency
    if invoice.invoice_amount_including_tax is None:
        yield ("invoice_amount_including_tax",), f"required on a {status} invoice (its computed total)"
    total = invoice.invoice_amount_including_tax
    if invoice.tax_summary is not None and total is not None and invoice.tax_summary.total_amount != total:
        yield ("tax_summary", "total_amount"), "differs from invoice_amount_including_tax"
    nodes: list[tuple[Loc, Any, list[tuple[Loc, Any]]]] = []
    for p, period in enumerate(invoice.periods):
        p_loc: Loc = ("periods", p)
        nodes.append((p_loc, period, [((*p_loc, "groups", g), grp) for g, grp in enumerate(period.groups)]))
        for g, group in enumerate(period.groups):
            g_loc: Loc = (*p_loc, "groups", g)
            nodes.append((g_loc, group, [((*g_loc, "lines", i), ln) for i, ln in enumerate(group.lines)]))
            for i, line in enumerate(group.lines):
                nodes.append(((*g_loc, "lines", i), line, []))
    for loc, node, children in nodes:
        for field in ("amount_excluding_tax", "amount_including_tax"):
            value: Amount | None = getattr(node, field)
            if value is None:
                yield (*loc, field), f"required on a {status} invoice (a computed amount)"
                continue
            if value.currency != currency:
                yield (*loc, field, "currency"), f"{value.currency!r} differs from billing_currency {currency!r}"
            if children and all(getattr(c, field) is not None for _, c in children):
                child_sum = exact_sum(_q(getattr(c, field)) for _, c in children)
                if child_sum != _q(value):
                    yield (*loc, field), f"{value.quantity} is not the sum of its parts ({child_sum})"
    if total is not None and invoice.periods and all(p.amount_including_tax for p in invoice.periods):
        period_sum = exact_sum(_q(p.amount_including_tax) for p in invoice.periods)
        if period_sum != _q(total):
            yield (
                ("invoice_amount_including_tax",),
                f"{total.quantity} is not the sum of the periods' amount_including_tax ({period_sum})",
            )
    if total is not None and total.currency != currency:
        yield ("invoice_amount_including_tax", "currency"), f"differs from billing_currency {currency!r}"
