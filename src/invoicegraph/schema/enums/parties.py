"""Enums of customers, billing entities and tax ids."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Lifecycle state of a customer.")
class CustomerStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up; hidden from some listings.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="In use.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="Deprecated; kept for history.")
    CLOSED = strawberry.enum_value("CLOSED", description="Closed.")


@strawberry.enum(description="Legal form of a party.")
class CustomerType(Enum):
    ORGANIZATION = strawberry.enum_value("ORGANIZATION", description="A company or other legal entity.")
    INDIVIDUAL = strawberry.enum_value("INDIVIDUAL", description="A natural person.")


@strawberry.enum(description="Role of a customer.")
class CustomerRole(Enum):
    DEFAULT = strawberry.enum_value("DEFAULT", description="Ordinary billed customer.")
    NON_PROCESSING = strawberry.enum_value("NON_PROCESSING", description="Customer that is not processed (not billed directly).")
    SELF_BILLING = strawberry.enum_value("SELF_BILLING", description="Customer that issues self-billed invoices.")
    SELLER = strawberry.enum_value("SELLER", description="Customer that sells through the platform.")
    PROCESSING_ONLY = strawberry.enum_value("PROCESSING_ONLY", description="Child customer whose usage is billed to a parent.")


@strawberry.enum(description="Topic of a notification.")
class NotificationType(Enum):
    INVOICE = strawberry.enum_value("INVOICE", description="Invoice notifications.")


@strawberry.enum(description="Delivery channel kind.")
class NotificationChannelType(Enum):
    EMAIL = strawberry.enum_value("EMAIL", description="E-mail.")


@strawberry.enum(description="Kind of tax number.")
class TaxIdType(Enum):
    GENERIC_TAX_ID = strawberry.enum_value("GENERIC_TAX_ID", description="Any tax number without a more specific kind.")
    AU_GST = strawberry.enum_value("AU_GST", description="Australian GST.")
    CA_GST_HST = strawberry.enum_value("CA_GST_HST", description="Canadian GST/HST.")
    CA_PST = strawberry.enum_value("CA_PST", description="Canadian PST.")
    CA_PST_BC = strawberry.enum_value("CA_PST_BC", description="Canadian PST, British Columbia.")
    CA_PST_MB = strawberry.enum_value("CA_PST_MB", description="Canadian PST, Manitoba.")
    CA_PST_SK = strawberry.enum_value("CA_PST_SK", description="Canadian PST, Saskatchewan.")
    CA_QST = strawberry.enum_value("CA_QST", description="Quebec QST.")


@strawberry.enum(description="Outcome of a tax-number check.")
class TaxIdValidity(Enum):
    VALID = strawberry.enum_value("VALID", description="The number is valid.")
    NOT_VALID = strawberry.enum_value("NOT_VALID", description="The number is not valid.")
    UNKNOWN = strawberry.enum_value("UNKNOWN", description="The check gave no answer.")
