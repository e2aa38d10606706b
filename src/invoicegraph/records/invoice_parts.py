"""Invoice parts other than periods and lines: tax summaries, payment and dunning actions, links,
credit details, e-invoices, validation, reprocess, coupons, and the import-only payments."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema

from invoicegraph.records.catalog import BankAccount, CustomRedirect
from invoicegraph.records.parties import Address, CustomerTypeLiteral, PersonName, TaxId, TaxRegistration
from invoicegraph.records.price_details import UsedExchangeRate
from invoicegraph.records.values import (
    DECIMAL_PATTERN,
    Amount,
    CountryCode,
    CouponId,
    DecimalStr,
    Instant,
    InvoiceId,
    Money,
    PaymentAcceptorId,
    Period,
    PromotionCodeId,
    Record,
)


class InvoiceTaxAmounts(Record):
    """Tax in the local currency of the tax authority."""

    base_amount: Amount
    tax_amount: Amount
    total_amount: Amount
    used_exchange_rate: UsedExchangeRate | None = None
    display: bool = False


class InvoiceTaxRate(Record):
    name: str
    percentage: DecimalStr
    tax_amount: Money


class InvoiceTaxCategorySummary(Record):
    base_amount: Money
    tax_amount: Money
    total_amount: Money
    percentage: DecimalStr
    name: str
    category: Literal["STANDARD", "REDUCED", "ZERO", "EXEMPT", "NO_TAX", "REVERSE_CHARGE", "OUTSIDE_SCOPE", "SALES_TAX"]
    local_amounts: InvoiceTaxAmounts | None = None
    notes: list[str] = Field(default_factory=list)
    rates: list[InvoiceTaxRate] = Field(default_factory=list)


class InvoiceTaxTotalSummary(Record):
    base_amount: Money
    tax_amount: Money
    total_amount: Money
    local_amounts: InvoiceTaxAmounts | None = None
    notes: list[str] = Field(default_factory=list)
    country_code: CountryCode


class InvoiceDunningAction(Record):
    payment_acceptor_id: PaymentAcceptorId
    external_reference: str
    status: Literal["CANCEL_PENDING", "CANCELLED", "FAILED", "PENDING", "SUCCESSFUL"]
    failure_reason: str | None = None
    first_payment_id: str | None = None


class PaymentActionBankAccount(BankAccount):
    reference: str | None = None


class AdyenPaymentAction(Record):
    id: str
    session_data: str


class StripePaymentAction(Record):
    payment_intent_id: str | None = None
    client_secret: str | None = None


class PaymentActionPaymentGateway(Record):
    variant: Literal["ADYEN", "STRIPE"] | None = None
    collection_type: Literal["LINK"] | None = None
    adyen: AdyenPaymentAction | None = None
    stripe: StripePaymentAction | None = None


class InvoicePaymentAction(Record):
    payment_acceptor_id: PaymentAcceptorId
    type: Literal["BANK_ACCOUNT", "PAYMENT_GATEWAY", "CUSTOM_REDIRECT"]
    bank_account: PaymentActionBankAccount | None = None
    payment_gateway: PaymentActionPaymentGateway | None = None
    custom_redirect: CustomRedirect | None = None


class PortalUrlLink(Record):
    expiry_period: Period | None = None
    portal_url_id: str | None = None
    url: str | None = None


class LinkedInvoiceDetail(Record):
    id: InvoiceId
    link_type: Annotated[str, Field(min_length=1)]
    note: str | None = None
    invoice_number: str | None = None
    amount: Money
    invoice_date: Instant | None = None


class ResourceIdentifier(Record):
    type: str
    id: str


class OtherCustomFieldValue(Record):
    resource: ResourceIdentifier
    id: str
    reference: str
    name: str | None = None
    value: str | None = None
    values: list[str] = Field(default_factory=list)


class OriginalInvoiceInfo(Record):
    id: InvoiceId
    invoice_number: str


class InvoiceCreditDetail(Record):
    original_invoice_id: InvoiceId
    # Filled at import from the original invoice when absent.
    original_invoice_info: OriginalInvoiceInfo | None = None
    note: str | None = None
    credit_details_source: Literal["CURRENT", "ORIGINAL"] = "CURRENT"


class EInvoiceStatus(Record):
    status: str | None = None
    timestamp: Instant | None = None
    message: str | None = None


class EInvoiceFileFormat(Record):
    type: str | None = None
    description: str | None = None


class EInvoice(Record):
    external_reference: str | None = None
    applied_mandate: str
    processor: str
    status: EInvoiceStatus | None = None
    status_history: list[EInvoiceStatus] = Field(default_factory=list)
    supported_file_formats: list[EInvoiceFileFormat] = Field(default_factory=list)


class InvoiceValidationResult(Record):
    status: Literal["ERROR", "WARNING"]
    details: str


class InvoiceReprocess(Record):
    to_be_reprocessed_at: Instant | None = None
    reprocess_status: str
    reprocess_id: str


class InvoiceCoupon(Record):
    coupon_id: CouponId | None = None
    coupon_name: str | None = None


class PromotionCodeDetails(Record):
    promotion_code_id: PromotionCodeId | None = None
    code: str | None = None


class InvoicePromotionCode(Record):
    promotion_code_details: PromotionCodeDetails | None = None
    coupon_id: CouponId | None = None


class PartyDetails(Record):
    """The snapshot of a customer or billing entity printed on the invoice."""

    id: str
    reference: str | None = None
    type: CustomerTypeLiteral = "ORGANIZATION"
    legal_name: str | None = None
    name: PersonName | None = None
    email: str | None = None
    address: Address | None = None
    tax_id: str | None = None
    tax_ids: list[TaxId] = Field(default_factory=list)
    registration_number: str | None = None
    tax_registrations: list[TaxRegistration] = Field(default_factory=list)
    tax_exempt: bool | None = None
    tax_exempt_note: str | None = None
    locale: str | None = None
    timezone: str | None = None
    copied_at: Instant


_PAYMENT_AMOUNT_SCHEMA = {
    "anyOf": [
        {
            "type": "object",
            "properties": {
                "quantity": {"type": "string", "pattern": DECIMAL_PATTERN},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
            "required": ["quantity", "currency"],
            "additionalProperties": False,
        },
        {"type": "string", "pattern": DECIMAL_PATTERN, "description": "in the invoice's billing currency"},
    ]
}


class Payment(Record):
    """A payment received (import only: stored in `invoice_payment`, summed into paid_invoice_amount).

    `amount` may also be a bare decimal string, read in the invoice's billing currency.
    """

    id: Annotated[str, Field(min_length=1, max_length=64)]
    amount: Annotated[Money, WithJsonSchema(_PAYMENT_AMOUNT_SCHEMA)]
    received_at: Instant
    payment_acceptor_id: PaymentAcceptorId | None = None
    reference: str | None = None
