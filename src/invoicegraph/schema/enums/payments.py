"""Enums of payments and payment acceptors."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="State of a collection attempt.")
class DunningActionStatus(Enum):
    CANCEL_PENDING = strawberry.enum_value("CANCEL_PENDING", description="Cancellation requested, not yet confirmed.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="Cancelled.")
    FAILED = strawberry.enum_value("FAILED", description="Failed.")
    PENDING = strawberry.enum_value("PENDING", description="Running.")
    SUCCESSFUL = strawberry.enum_value("SUCCESSFUL", description="Collected.")


@strawberry.enum(description="Way to pay offered by a payment acceptor.")
class PaymentAcceptorType(Enum):
    BANK_ACCOUNT = strawberry.enum_value("BANK_ACCOUNT", description="Bank transfer.")
    PAYMENT_GATEWAY = strawberry.enum_value("PAYMENT_GATEWAY", description="Online payment through a payment service provider.")
    CUSTOM_REDIRECT = strawberry.enum_value("CUSTOM_REDIRECT", description="External payment page.")


@strawberry.enum(description="Lifecycle state of a payment acceptor.")
class PaymentAcceptorStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="In use.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="Deprecated; kept for history.")


@strawberry.enum(description="Bank account scheme.")
class BankAccountType(Enum):
    IBAN = strawberry.enum_value("IBAN", description="International Bank Account Number.")
    BIC_AND_ACCOUNT_NUMBER = strawberry.enum_value("BIC_AND_ACCOUNT_NUMBER", description="BIC plus account number.")
    ACCOUNT_NUMBER_AND_BIC = strawberry.enum_value("ACCOUNT_NUMBER_AND_BIC", description="Account number plus BIC.")
    US_BANK_ACCOUNT = strawberry.enum_value("US_BANK_ACCOUNT", description="US bank account.")
    US_LOCAL = strawberry.enum_value("US_LOCAL", description="US domestic details (routing and account number).")
    UK_LOCAL = strawberry.enum_value("UK_LOCAL", description="UK domestic details (sort code and account number).")
    BR_LOCAL = strawberry.enum_value("BR_LOCAL", description="Brazilian domestic details.")
    AR_LOCAL = strawberry.enum_value("AR_LOCAL", description="Argentine domestic details.")
    MX_LOCAL = strawberry.enum_value("MX_LOCAL", description="Mexican domestic details.")


@strawberry.enum(description="Kind of bank account.")
class BankAccountUsage(Enum):
    CHECKING = strawberry.enum_value("CHECKING", description="Checking (current) account.")
    SAVINGS = strawberry.enum_value("SAVINGS", description="Savings account.")


@strawberry.enum(description="How a gateway collects payment.")
class PaymentCollectionType(Enum):
    LINK = strawberry.enum_value("LINK", description="The payer follows a payment link.")


@strawberry.enum(description="Payment service provider.")
class PaymentGatewayVariant(Enum):
    ADYEN = strawberry.enum_value("ADYEN", description="Adyen.")
    STRIPE = strawberry.enum_value("STRIPE", description="Stripe.")
