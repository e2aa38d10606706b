"""Payment acceptors, products, meters (with their meter values) and credit types."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from invoicegraph.records.parties import Address
from invoicegraph.records.values import (
    BillingEntityId,
    CountryCode,
    CreditTypeId,
    CustomerId,
    Instant,
    MeterId,
    MeterValueId,
    PaymentAcceptorId,
    Period,
    PlatformId,
    ProductId,
    Record,
    Reference,
)

TaxCategory = Literal["STANDARD", "REDUCED", "ZERO", "EXEMPT", "NO_TAX"]
LifecycleStatus = Literal["DRAFT", "ACTIVE", "ARCHIVED", "DEPRECATED"]


class BankAccount(Record):
    """A bank account. The vendor's `country_code` and the schema's `country` are both accepted
    and both kept, equal (the vendor payload and the GraphQL type name the field differently)."""

    type: (
        Literal[
            "IBAN",
            "BIC_AND_ACCOUNT_NUMBER",
            "ACCOUNT_NUMBER_AND_BIC",
            "US_BANK_ACCOUNT",
            "US_LOCAL",
            "UK_LOCAL",
            "BR_LOCAL",
            "AR_LOCAL",
            "MX_LOCAL",
        ]
        | None
    ) = None
    legal_name: str | None = None
    iban: str | None = None
    country: CountryCode | None = None
    country_code: CountryCode | None = None
    bic: str | None = None
    bank_name: str | None = None
    bank_address: Address | None = None
    account_number: str | None = None
    bank_code: str | None = None
    routing_number: str | None = None
    account_type: Literal["CHECKING", "SAVINGS"] | None = None
    sort_code: str | None = None
    branch: str | None = None
    cbu: str | None = None
    clabe: str | None = None

    @model_validator(mode="after")
    def _one_country(self) -> BankAccount:
        if self.country and self.country_code and self.country != self.country_code:
            raise PydanticCustomError("bank_country", "'country' and 'country_code' differ")
        self.country = self.country_code = self.country or self.country_code
        return self


class AdyenAcceptorSettings(Record):
    merchant_account: str | None = None
    allowed_payment_methods: list[str] = Field(default_factory=list)
    auto_rescue_enabled: bool | None = None
    auto_rescue_period: Period | None = None


class PaymentGatewayAcceptor(Record):
    integration_id: Annotated[str, Field(min_length=1)]
    collection_type: Literal["LINK"] | None = None
    store_payment_method: bool | None = None
    auto_charge_payment_method: bool | None = None
    link_expiry_period: Period | None = None
    adyen: AdyenAcceptorSettings | None = None


class CustomRedirect(Record):
    url: str | None = None


class PaymentAcceptorRecord(Record):
    id: PaymentAcceptorId
    platform_id: PlatformId
    object_type: Literal["PAYMENT_ACCEPTOR"] = "PAYMENT_ACCEPTOR"
    reference: Reference
    name: str | None = None
    description: str | None = None
    type: Literal["BANK_ACCOUNT", "PAYMENT_GATEWAY", "CUSTOM_REDIRECT"]
    status: LifecycleStatus = "ACTIVE"
    billing_entity_id: BillingEntityId | None = None
    customer_id: CustomerId | None = None
    bank_account: BankAccount | None = None
    payment_gateway: PaymentGatewayAcceptor | None = None
    custom_redirect: CustomRedirect | None = None

    @model_validator(mode="after")
    def _details_match_type(self) -> PaymentAcceptorRecord:
        needed = {"BANK_ACCOUNT": "bank_account", "PAYMENT_GATEWAY": "payment_gateway", "CUSTOM_REDIRECT": "custom_redirect"}
        field = needed[self.type]
        if getattr(self, field) is None:
            raise PydanticCustomError("acceptor_type", "a {type} payment acceptor needs '{field}'", {"type": self.type, "field": field})
        return self


class ProductRecord(Record):
    id: ProductId
    platform_id: PlatformId
    object_type: Literal["PRODUCT"] = "PRODUCT"
    reference: Reference
    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    status: LifecycleStatus = "ACTIVE"
    product_type: Literal["DEFAULT", "ADDON"] = "DEFAULT"
    tax_category: TaxCategory = "STANDARD"
    display_order: int | None = None
    category_id: str | None = None
    billing_entity_id: BillingEntityId | None = None
    customer_id: CustomerId | None = None


class MeterValueRecord(Record):
    id: MeterValueId
    object_type: Literal["METER_VALUE"] = "METER_VALUE"
    reference: Reference
    name: str | None = None
    description: str | None = None
    status: LifecycleStatus = "ACTIVE"
    type: Literal["NUMBER", "AMOUNT"] = "NUMBER"


class MeterRecord(Record):
    id: MeterId
    platform_id: PlatformId
    object_type: Literal["METER"] = "METER"
    reference: Reference
    name: str | None = None
    description: str | None = None
    status: LifecycleStatus = "ACTIVE"
    meter_values: list[MeterValueRecord] = Field(default_factory=list)


class UnitName(Record):
    singular: Annotated[str, Field(min_length=1)]
    plural: str | None = None


class CreditTypeRecord(Record):
    id: CreditTypeId
    platform_id: PlatformId
    object_type: Literal["CREDIT_TYPE"] = "CREDIT_TYPE"
    reference: Reference
    status: Literal["DRAFT", "ACTIVE", "INACTIVE", "DEPRECATED", "ARCHIVED"] = "ACTIVE"
    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    unit_name: UnitName | None = None
    created_at: Instant | None = None
    updated_at: Instant | None = None
