"""Platforms, API keys, billing entities and customers, with their nested parts.

Field names are the vendor's snake_case JSON names, which are also the snake_case names of the
GraphQL fields (schema.graphql), so the normalized dump is what the schema reads.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from invoicegraph.auth.permissions import GRANTABLE
from invoicegraph.records.values import (
    ApiKeyId,
    BillingEntityId,
    CountryCode,
    CurrencyCode,
    CustomerId,
    Instant,
    PlatformId,
    Record,
    Reference,
)


def _grantable(value: str) -> str:
    # Only what the service checks may be granted: a key with a misspelt permission would look
    # powerful in a listing and grant nothing (or, once the name exists, more than was reviewed).
    if value not in GRANTABLE:
        raise PydanticCustomError(
            "permission", "{value} is not a permission; use one of {known}", {"value": repr(value), "known": ", ".join(sorted(GRANTABLE))}
        )
    return value


Permission = Annotated[str, AfterValidator(_grantable), WithJsonSchema({"type": "string", "enum": sorted(GRANTABLE)})]


class Address(Record):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country: CountryCode | None = None


class TaxIdValidation(Record):
    id: str
    validation_date: Instant
    source: str
    valid: Literal["VALID", "NOT_VALID", "UNKNOWN"]
    message: str | None = None


class TaxId(Record):
    id: str
    type: Literal["GENERIC_TAX_ID", "AU_GST", "CA_GST_HST", "CA_PST", "CA_PST_BC", "CA_PST_MB", "CA_PST_SK", "CA_QST"] | None = None
    display_name: str | None = None
    tax_id_validation_result: TaxIdValidation | None = None


class TaxRegistration(Record):
    id: str | None = None
    description: str | None = None
    tax_id: str | None = None
    tax_ids: list[TaxId] = Field(default_factory=list)
    registration_number: str | None = None
    registered_address: Address | None = None


class AdyenIntegrationDetails(Record):
    recurring_detail_reference: str


class StripeIntegrationDetails(Record):
    payment_method_id: str


class IntegrationDetails(Record):
    id: str | None = None
    reference: str | None = None
    payment_gateway_variant: Literal["ADYEN", "STRIPE"] | None = None
    adyen: AdyenIntegrationDetails | None = None
    stripe: StripeIntegrationDetails | None = None


class CustomFieldValue(Record):
    id: str | None = None
    reference: str | None = None
    value: str | None = None
    values: list[str] = Field(default_factory=list)
    integration_details: IntegrationDetails | None = None
    integration_id: str | None = None


class LinkDetail(Record):
    url: str | None = None
    custom_field_name: str | None = None


class LinkedIntegration(Record):
    id: str
    link_details: list[LinkDetail] = Field(default_factory=list)


class PlatformSettings(Record):
    add_zero_meter_value_invoice_lines: bool = False
    footnote: str | None = None
    # Opt-in: every this many minutes the serving processes refresh the platform's stale drafts (docs/drafts.md).
    auto_refresh_interval_minutes: Annotated[int, Field(ge=1, le=525_600)] | None = None


class PlatformRecord(Record):
    id: PlatformId
    name: Annotated[str, Field(min_length=1)]
    default_billing_entity_id: BillingEntityId | None = None
    settings: PlatformSettings = PlatformSettings()
    created_at: Instant | None = None


class ApiKeyRecord(Record):
    """An API key. The key itself is only read to store its hash and prefix (auth/keys.py)."""

    id: ApiKeyId
    name: Annotated[str, Field(min_length=1)]
    # Keys must be long enough to be unguessable: the stored form is a single fast hash.
    key: Annotated[str, Field(min_length=32, max_length=512, pattern=r"^[A-Za-z0-9_\-]+$")]
    platform_ids: Annotated[list[PlatformId], Field(min_length=1)]
    permissions: list[Permission] = Field(default_factory=list)
    status: Literal["ACTIVE", "INACTIVE"] = "ACTIVE"
    expires_at: Instant | None = None


class TaxSettings(Record):
    apply_local_vat_for_missing_tax_id: bool = False


class BillingEntityRecord(Record):
    id: BillingEntityId
    platform_id: PlatformId
    object_type: Literal["BILLING_ENTITY"] = "BILLING_ENTITY"
    reference: Reference
    status: str | None = None
    # Filled at import when absent (GraphQL createdAt is non-null): kept from the stored row, else now.
    created_at: Instant | None = None
    timezone: str | None = None
    legal_name: str | None = None
    tax_id: str | None = None
    tax_ids: list[TaxId] = Field(default_factory=list)
    registration_number: str | None = None
    registered_address: Address | None = None
    email: str | None = None
    tax_settings: TaxSettings | None = None
    tax_registrations: list[TaxRegistration] = Field(default_factory=list)
    custom_fields: list[CustomFieldValue] = Field(default_factory=list)
    default_customer_country_selector: list[CountryCode] = Field(default_factory=list)
    default_billing_currency_selector: list[CurrencyCode] = Field(default_factory=list)
    linked_integrations: list[LinkedIntegration] = Field(default_factory=list)


class PersonName(Record):
    first_name: str | None = None
    last_name: str | None = None
    infix: str | None = None


class Individual(Record):
    name: PersonName | None = None
    residential_address: Address | None = None


class Organization(Record):
    legal_name: Annotated[str, Field(min_length=1)]
    tax_id: str | None = None
    tax_ids: list[TaxId] = Field(default_factory=list)
    registration_number: str | None = None
    tax_exempt: bool | None = None
    tax_exempt_note: str | None = None
    registered_address: Address | None = None
    tax_registrations: list[TaxRegistration] = Field(default_factory=list)


class SellerDetails(Record):
    default_billing_entity_id: BillingEntityId | None = None


class NotificationChannel(Record):
    type: Literal["EMAIL"]
    enabled: bool | None = None


class NotificationPreference(Record):
    type: Literal["INVOICE"]
    channels: list[NotificationChannel] = Field(default_factory=list)


CustomerTypeLiteral = Literal["ORGANIZATION", "INDIVIDUAL"]
CustomerRole = Literal["DEFAULT", "NON_PROCESSING", "SELF_BILLING", "SELLER", "PROCESSING_ONLY"]


class CustomerRecord(Record):
    id: CustomerId
    platform_id: PlatformId
    object_type: Literal["CUSTOMER"] = "CUSTOMER"
    reference: Reference
    status: Literal["DRAFT", "ACTIVE", "ARCHIVED", "DEPRECATED", "CLOSED"] = "ACTIVE"
    type: CustomerTypeLiteral
    email: Annotated[str, Field(min_length=3)]
    locale: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")] | None = None
    timezone: str | None = None
    created_at: Instant | None = None
    parent_customer_id: CustomerId | None = None
    parent_customer_ids: list[CustomerId] = Field(default_factory=list)
    individual: Individual | None = None
    organization: Organization | None = None
    custom_fields: list[CustomFieldValue] = Field(default_factory=list)
    processing_only: bool = False
    linked_integrations: list[LinkedIntegration] = Field(default_factory=list)
    roles: list[CustomerRole] = Field(default_factory=list)
    seller_details: SellerDetails | None = None
    notification_preferences: list[NotificationPreference] = Field(default_factory=list)

    @model_validator(mode="after")
    def _party_matches_type(self) -> CustomerRecord:
        if self.type == "ORGANIZATION" and self.organization is None:
            raise PydanticCustomError("customer_type", "an ORGANIZATION customer needs 'organization'")
        if self.type == "ORGANIZATION" and self.individual is not None:
            raise PydanticCustomError("customer_type", "an ORGANIZATION customer has no 'individual'")
        if self.type == "INDIVIDUAL" and self.organization is not None:
            raise PydanticCustomError("customer_type", "an INDIVIDUAL customer has no 'organization'")
        return self
