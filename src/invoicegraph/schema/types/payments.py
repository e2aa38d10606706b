"""Dunning and payment actions on the invoice, and live PaymentAcceptor records (credentials never exposed)."""

from __future__ import annotations

import strawberry

from invoicegraph.schema.enums.payments import (
    BankAccountType,
    BankAccountUsage,
    DunningActionStatus,
    PaymentAcceptorStatus,
    PaymentAcceptorType,
    PaymentCollectionType,
    PaymentGatewayVariant,
)
from invoicegraph.schema.enums.resources import ObjectType
from invoicegraph.schema.loading import load_one
from invoicegraph.schema.node import Node
from invoicegraph.schema.scalars import CountryCode
from invoicegraph.schema.types.values import Address, Period


@strawberry.type(
    description="One collection attempt (dunning action) on an invoice.",
)
class InvoiceDunningAction:
    payment_acceptor_id: strawberry.ID = strawberry.field(
        description="Payment acceptor used for the attempt.",
    )
    external_reference: str = strawberry.field(
        description="Id of the attempt at the payment service provider.",
    )
    status: DunningActionStatus = strawberry.field(
        description="State of the attempt.",
    )
    failure_reason: str | None = strawberry.field(
        description="Why the attempt failed; null unless FAILED.",
    )
    first_payment_id: strawberry.ID | None = strawberry.field(
        description="First payment the attempt produced; null when none yet.",
    )


@strawberry.type(
    description="How the customer can pay through one payment acceptor. Exactly one of bankAccount, paymentGateway, customRedirect is set, matching type.",
)
class InvoicePaymentAction:
    payment_acceptor_id: strawberry.ID = strawberry.field(
        description="Payment acceptor offering this way to pay.",
    )
    payment_acceptor: PaymentAcceptor | None = strawberry.field(
        resolver=load_one("payment_acceptor_by_id", "payment_acceptor_id"),
        description="That payment acceptor as it is now; null when it no longer exists.",
    )
    type: PaymentAcceptorType = strawberry.field(
        description="Way to pay: the type of the payment acceptor behind it.",
    )
    bank_account: PaymentActionBankAccount | None = strawberry.field(
        description="Bank transfer details; null unless paying by transfer.",
    )
    payment_gateway: PaymentActionPaymentGateway | None = strawberry.field(
        description="Payment-provider session details; null unless paying through a gateway.",
    )
    custom_redirect: CustomRedirect | None = strawberry.field(
        description="External payment page; null unless redirected.",
    )


@strawberry.type(
    description="Bank transfer details printed on the invoice. Fields that do not apply to the account's country or scheme are null.",
)
class PaymentActionBankAccount:
    legal_name: str | None = strawberry.field(
        description="Account holder's legal name.",
    )
    country_code: CountryCode | None = strawberry.field(
        description="Country of the account.",
    )
    iban: str | None = strawberry.field(
        description="IBAN; null outside IBAN schemes.",
    )
    bic: str | None = strawberry.field(
        description="BIC (ISO 9362); null when not used.",
    )
    bank_name: str | None = strawberry.field(
        description="Name of the bank.",
    )
    account_number: str | None = strawberry.field(
        description="Account number when no IBAN is used.",
    )
    bank_code: str | None = strawberry.field(
        description="Bank code identifying the bank.",
    )
    sort_code: str | None = strawberry.field(
        description="UK sort code.",
    )
    reference: str | None = strawberry.field(
        description="Payment reference the customer must quote.",
    )
    routing_number: str | None = strawberry.field(
        description="US ABA routing number (9 digits).",
    )
    account_type: BankAccountUsage | None = strawberry.field(
        description="Account kind (CHECKING or SAVINGS); null when not given.",
    )
    type: BankAccountType | None = strawberry.field(
        description="Account scheme (IBAN, UK_LOCAL…); null when not given.",
    )
    bank_address: Address | None = strawberry.field(
        description="Address of the bank.",
    )
    branch: str | None = strawberry.field(
        description="Brazilian branch number (agência).",
    )
    cbu: str | None = strawberry.field(
        description="Argentine CBU.",
    )
    clabe: str | None = strawberry.field(
        description="Mexican CLABE.",
    )


@strawberry.type(
    description=(
        "Payment-provider session for paying the invoice online. The session data and\n"
        "client secret are meant for the paying customer's browser only."
    ),
)
class PaymentActionPaymentGateway:
    variant: PaymentGatewayVariant | None = strawberry.field(
        description="Provider as a vendor string, e.g. ADYEN or STRIPE.",
    )
    collection_type: PaymentCollectionType | None = strawberry.field(
        description="How payment is collected as a vendor string, e.g. LINK.",
    )
    adyen: AdyenPaymentAction | None = strawberry.field(
        description="Adyen session; null unless variant is ADYEN.",
    )
    stripe: StripePaymentAction | None = strawberry.field(
        description="Stripe payment intent; null unless variant is STRIPE.",
    )


@strawberry.type(
    description="Adyen payment session.",
)
class AdyenPaymentAction:
    id: str = strawberry.field(
        name="sessionId",
        description="Adyen session id.",
    )
    session_data: str = strawberry.field(
        description="Opaque session data for Adyen's client component.",
    )


@strawberry.type(
    description="Stripe payment intent.",
)
class StripePaymentAction:
    payment_intent_id: str | None = strawberry.field(
        description="Stripe payment intent id; null when not created yet.",
    )
    client_secret: str | None = strawberry.field(
        description="Client secret for Stripe's client library; null when not created yet.",
    )


@strawberry.type(
    description="Redirect to an external payment page.",
)
class CustomRedirect:
    url: str | None = strawberry.field(
        description="Page to send the payer to; null when unset.",
    )


@strawberry.type(
    description="Link to a hosted portal page, e.g. to pay the invoice.",
)
class PortalUrlLink:
    expiry_period: Period | None = strawberry.field(
        description="How long the link stays valid after it is issued; null when it does not expire.",
    )
    portal_url_id: strawberry.ID | None = strawberry.field(
        description="Id of the portal URL resource; null when not issued.",
    )
    url: str | None = strawberry.field(
        description="The link; null when not issued.",
    )


@strawberry.type(
    description=(
        "A way to pay (bank account, payment gateway or redirect) as it is now (live\nrecord). Provider credentials are never exposed."
    ),
)
class PaymentAcceptor(Node):
    id: strawberry.ID = strawberry.field(
        description="Payment acceptor id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "PAYMENT_ACCEPTOR".',
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
    type: PaymentAcceptorType | None = strawberry.field(
        description="Way to pay; null when unset.",
    )
    status: PaymentAcceptorStatus | None = strawberry.field(
        description="Lifecycle state; null when unset.",
    )
    billing_entity_id: strawberry.ID | None = strawberry.field(
        description="Billing entity the acceptor belongs to; null when platform-wide.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        description="Customer the acceptor is private to; null when shared.",
    )
    bank_account: BankAccount | None = strawberry.field(
        description="Bank account to pay into; null unless type is BANK_ACCOUNT.",
    )
    payment_gateway: PaymentGatewayAcceptor | None = strawberry.field(
        description="Payment gateway settings; null unless type is PAYMENT_GATEWAY.",
    )
    custom_redirect: CustomRedirect | None = strawberry.field(
        description="Redirect settings; null unless type is CUSTOM_REDIRECT.",
    )


@strawberry.type(
    description="Bank account of a payment acceptor. The vendor's per-country sub-objects are flattened; fields that do not apply are null.",
)
class BankAccount:
    type: BankAccountType | None = strawberry.field(
        description="Account scheme; null when unset.",
    )
    iban: str | None = strawberry.field(
        description="IBAN.",
    )
    country: CountryCode | None = strawberry.field(
        description="Country of the account.",
    )
    bic: str | None = strawberry.field(
        description="BIC (ISO 9362).",
    )
    bank_name: str | None = strawberry.field(
        description="Name of the bank.",
    )
    bank_address: Address | None = strawberry.field(
        description="Address of the bank.",
    )
    account_number: str | None = strawberry.field(
        description="Account number when no IBAN is used.",
    )
    bank_code: str | None = strawberry.field(
        description="Bank code identifying the bank.",
    )
    routing_number: str | None = strawberry.field(
        description="US ABA routing number.",
    )
    account_type: BankAccountUsage | None = strawberry.field(
        description="Checking or savings.",
    )
    sort_code: str | None = strawberry.field(
        description="UK sort code.",
    )
    branch: str | None = strawberry.field(
        description="Brazilian branch number.",
    )
    cbu: str | None = strawberry.field(
        description="Argentine CBU.",
    )
    clabe: str | None = strawberry.field(
        description="Mexican CLABE.",
    )


@strawberry.type(
    description="Payment gateway settings of a payment acceptor (provider credentials excluded).",
)
class PaymentGatewayAcceptor:
    integration_id: strawberry.ID = strawberry.field(
        description="Integration (provider connection) used.",
    )
    collection_type: PaymentCollectionType | None = strawberry.field(
        description="How payment is collected; null when unset.",
    )
    store_payment_method: bool | None = strawberry.field(
        description="Whether the payer's payment method is stored for later charges; null means no.",
    )
    auto_charge_payment_method: bool | None = strawberry.field(
        description="Whether a stored payment method is charged automatically; null means no.",
    )
    link_expiry_period: Period | None = strawberry.field(
        description="How long a payment link stays valid; null when it does not expire.",
    )
    adyen: AdyenAcceptorSettings | None = strawberry.field(
        description="Adyen-specific settings; null for other providers.",
    )


@strawberry.type(
    description="Adyen-specific payment acceptor settings.",
)
class AdyenAcceptorSettings:
    merchant_account: str | None = strawberry.field(
        description="Adyen merchant account; null means the integration default.",
    )
    allowed_payment_methods: list[str] = strawberry.field(
        description="Adyen payment methods offered; empty means all enabled ones.",
    )
    auto_rescue_enabled: bool | None = strawberry.field(
        description="Whether Adyen retries failed payments automatically (auto-rescue); null means no.",
    )
    auto_rescue_period: Period | None = strawberry.field(
        description="How long auto-rescue keeps retrying; null when unset.",
    )
