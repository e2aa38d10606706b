"""The import file as a whole: its sections, in the order they are written, and their models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from invoicegraph.records.catalog import CreditTypeRecord, MeterRecord, PaymentAcceptorRecord, ProductRecord
from invoicegraph.records.discounts import CouponRecord, PromotionCodeRecord
from invoicegraph.records.invoice import InvoiceRecord
from invoicegraph.records.parties import ApiKeyRecord, BillingEntityRecord, CustomerRecord, PlatformRecord
from invoicegraph.records.pricing import PricingPlanRecord, SubscriptionRecord
from invoicegraph.records.rates import ExchangeRateRecord, TaxRateRecord, UsageEventRecord
from invoicegraph.records.values import Record

FORMAT = "invoicegraph/v1"

# Section name → record model, in dependency order (a record's references come earlier).
SECTIONS: dict[str, type[Record]] = {
    "platforms": PlatformRecord,
    "api_keys": ApiKeyRecord,
    "billing_entities": BillingEntityRecord,
    "customers": CustomerRecord,
    "payment_acceptors": PaymentAcceptorRecord,
    "products": ProductRecord,
    "meters": MeterRecord,
    "credit_types": CreditTypeRecord,
    "pricing_plans": PricingPlanRecord,
    "coupons": CouponRecord,
    "promotion_codes": PromotionCodeRecord,
    "subscriptions": SubscriptionRecord,
    "tax_rates": TaxRateRecord,
    "exchange_rates": ExchangeRateRecord,
    "usage_events": UsageEventRecord,
    "invoices": InvoiceRecord,
}


class ImportFile(BaseModel):
    """An import file (`invoicegraph import FILE.json`); every section is optional."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        title="invoicegraph import file",
        json_schema_extra={"$id": "https://invoicegraph.example/schemas/import-v1.json"},
    )

    format: Literal["invoicegraph/v1"] = Field(description='Always "invoicegraph/v1".')
    platforms: list[PlatformRecord] = []
    api_keys: list[ApiKeyRecord] = []
    billing_entities: list[BillingEntityRecord] = []
    customers: list[CustomerRecord] = []
    payment_acceptors: list[PaymentAcceptorRecord] = []
    products: list[ProductRecord] = []
    meters: list[MeterRecord] = []
    credit_types: list[CreditTypeRecord] = []
    pricing_plans: list[PricingPlanRecord] = []
    subscriptions: list[SubscriptionRecord] = []
    coupons: list[CouponRecord] = []
    promotion_codes: list[PromotionCodeRecord] = []
    tax_rates: list[TaxRateRecord] = []
    exchange_rates: list[ExchangeRateRecord] = []
    usage_events: list[UsageEventRecord] = []
    invoices: list[InvoiceRecord] = []
