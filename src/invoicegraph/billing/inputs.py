"""The engine's inputs: frozen dataclasses, each with a `from_fields` that reads an import-format record.

The data layer reads stored records (docs/importing.md shapes) and builds these; the engine never sees
a database row. Aggregated usage comes in already summed per (period index, pricing item id): the
aggregation itself runs as one grouped SQL query (see `usage` for its reference semantics).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from invoicegraph.billing.catalog import BillingPeriod, MeterValue, PricingItem, PricingPlan, Product, Tier
from invoicegraph.billing.fields import (
    Fields,
    opt_decimal,
    opt_instant,
    opt_int,
    opt_str,
    req_decimal,
    req_str,
    str_tuple,
    sub,
)
from invoicegraph.billing.instants import format_instant, parse_instant
from invoicegraph.billing.money import format_decimal, parse_decimal
from invoicegraph.billing.tax_facts import CustomerTaxFacts, EntityTaxFacts, TaxFacts, TaxIdFact, TaxRegistrationFact
from invoicegraph.billing.usage import Condition, UsageEvent

__all__ = [
    "BillingPeriod",
    "Condition",
    "Coupon",
    "CustomerTaxFacts",
    "DerivationInputs",
    "EntityTaxFacts",
    "ExchangeRate",
    "InvoicePeriodInput",
    "MeterValue",
    "PricingItem",
    "PricingPlan",
    "Product",
    "PromotionCode",
    "RatingInputs",
    "StoredTaxRate",
    "Subscription",
    "TaxFacts",
    "TaxIdFact",
    "TaxRate",
    "TaxRegistrationFact",
    "Tier",
    "UsageEvent",
]


@dataclass(frozen=True)
class Subscription:
    """A subscription as rating needs it, plus the facts about its first (non-VOID) invoice."""

    id: str
    pricing_plan_id: str
    coupon_ids: tuple[str, ...] = ()
    promotion_code_ids: tuple[str, ...] = ()
    sales_tax_percentage: Decimal | None = None
    billing_period: BillingPeriod | None = None
    # The subscription's first invoice that is not VOID (None: the invoice being rated is the first),
    # and the start of that invoice's first period: where ONE_TIME and PERIOD coupon durations count from.
    first_invoice_id: str | None = None
    first_invoice_start_at: datetime | None = None

    @classmethod
    def from_fields(
        cls, record: Fields, *, first_invoice_id: str | None = None, first_invoice_start_at: datetime | None = None
    ) -> Subscription:
        return cls(
            id=req_str(record, "id"),
            pricing_plan_id=req_str(record, "pricing_plan_id"),
            coupon_ids=str_tuple(record.get("coupon_ids")),
            promotion_code_ids=str_tuple(record.get("promotion_code_ids")),
            sales_tax_percentage=opt_decimal(record, "sales_tax_percentage"),
            billing_period=BillingPeriod.optional(record, "billing_period"),
            first_invoice_id=first_invoice_id,
            first_invoice_start_at=first_invoice_start_at,
        )


@dataclass(frozen=True)
class Coupon:
    id: str
    name: str
    status: str
    discount_type: str
    percentage: Decimal | None = None
    amount: Decimal | None = None
    amount_currency: str | None = None
    duration_type: str = "ONE_TIME"
    duration_period: BillingPeriod | None = None
    limited_to_product_ids: tuple[str, ...] = ()
    limited_to_product_item_ids: tuple[str, ...] = ()
    limited_to_product_category_ids: tuple[str, ...] = ()
    start_at: datetime | None = None
    end_at: datetime | None = None
    maximum_redemptions: int | None = None
    number_of_redemptions: int = 0

    @classmethod
    def from_fields(cls, record: Fields) -> Coupon:
        discount = sub(record, "discount")
        duration = sub(record, "duration")
        limited = sub(record, "limited_to")
        money = sub(discount, "amount")
        return cls(
            id=req_str(record, "id"),
            name=opt_str(record, "name") or req_str(record, "id"),
            status=opt_str(record, "status") or "ACTIVE",
            discount_type=req_str(discount, "type"),
            percentage=opt_decimal(discount, "percentage"),
            amount=req_decimal(money, "quantity") if money else None,
            amount_currency=req_str(money, "currency") if money else None,
            # The schema: "null means once".
            duration_type=opt_str(duration, "type") or "ONE_TIME",
            duration_period=BillingPeriod.optional(duration, "period"),
            limited_to_product_ids=str_tuple(limited.get("product_ids")),
            limited_to_product_item_ids=str_tuple(limited.get("product_item_ids")),
            limited_to_product_category_ids=str_tuple(limited.get("product_category_ids")),
            start_at=opt_instant(record, "start_at"),
            end_at=opt_instant(record, "end_at"),
            maximum_redemptions=opt_int(record, "maximum_redemptions"),
            number_of_redemptions=opt_int(record, "number_of_redemptions") or 0,
        )


@dataclass(frozen=True)
class PromotionCode:
    id: str
    code: str
    coupon_id: str
    status: str = "ACTIVE"
    limited_to_customer_ids: tuple[str, ...] = ()
    start_at: datetime | None = None
    end_at: datetime | None = None
    maximum_redemptions: int | None = None
    number_of_redemptions: int = 0

    @classmethod
    def from_fields(cls, record: Fields) -> PromotionCode:
        return cls(
            id=req_str(record, "id"),
            code=req_str(record, "code"),
            coupon_id=req_str(record, "coupon_id"),
            status=opt_str(record, "status") or "ACTIVE",
            limited_to_customer_ids=str_tuple(sub(record, "limited_to").get("customer_ids")),
            start_at=opt_instant(record, "start_at"),
            end_at=opt_instant(record, "end_at"),
            maximum_redemptions=opt_int(record, "maximum_redemptions"),
            number_of_redemptions=opt_int(record, "number_of_redemptions") or 0,
        )


@dataclass(frozen=True)
class TaxRate:
    """A row of the platform's tax rate table, valid in `[valid_from, valid_to)`."""

    id: str
    country: str
    category: str
    percentage: Decimal
    name: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    @classmethod
    def from_fields(cls, record: Fields) -> TaxRate:
        return cls(
            id=req_str(record, "id"),
            country=req_str(record, "country"),
            category=req_str(record, "category"),
            percentage=req_decimal(record, "percentage"),
            name=opt_str(record, "name") or req_str(record, "category"),
            valid_from=opt_instant(record, "valid_from"),
            valid_to=opt_instant(record, "valid_to"),
        )


@dataclass(frozen=True)
class ExchangeRate:
    """1 `base_currency` = `rate` `currency`, from `rate_timestamp` on."""

    id: str
    base_currency: str
    currency: str
    rate: Decimal
    rate_timestamp: datetime
    source: str | None = None

    @classmethod
    def from_fields(cls, record: Fields) -> ExchangeRate:
        return cls(
            id=req_str(record, "id"),
            base_currency=req_str(record, "base_currency"),
            currency=req_str(record, "currency"),
            rate=req_decimal(record, "rate"),
            rate_timestamp=parse_instant(record.get("rate_timestamp")),
            source=opt_str(record, "source"),
        )


@dataclass(frozen=True)
class InvoicePeriodInput:
    """One billing period of the invoice: `[start_at, end_at)`."""

    start_at: datetime
    end_at: datetime
    billing_period: BillingPeriod | None = None

    @classmethod
    def from_fields(cls, record: Fields) -> InvoicePeriodInput:
        return cls(
            start_at=parse_instant(record.get("start_at")),
            end_at=parse_instant(record.get("end_at")),
            billing_period=BillingPeriod.optional(record, "billing_period"),
        )


@dataclass(frozen=True)
class RatingInputs:
    """Everything a FULL re-rating of a STANDARD invoice reads."""

    invoice_id: str
    customer_id: str
    billing_currency: str
    pricing_amount_type: str
    periods: tuple[InvoicePeriodInput, ...]
    subscriptions: tuple[Subscription, ...]  # in the invoice's pricing_plan_subscription_ids order
    pricing_plans: tuple[PricingPlan, ...]
    products: tuple[Product, ...]
    tax: TaxFacts
    billing_period: BillingPeriod | None = None
    meter_values: tuple[MeterValue, ...] = ()
    # (period index, pricing item id) -> aggregated quantity; absent means no events (quantity 0).
    usage: Mapping[tuple[int, str], Decimal] = field(default_factory=dict)
    coupons: tuple[Coupon, ...] = ()
    promotion_codes: tuple[PromotionCode, ...] = ()
    exchange_rates: tuple[ExchangeRate, ...] = ()
    tax_rates: tuple[TaxRate, ...] = ()
    add_zero_meter_value_invoice_lines: bool = False
    # Coupon and promotion code ids whose number_of_redemptions already counts this invoice, so that
    # re-rating the invoice does not lock it out of its own redemption.
    redeemed_by_this_invoice: frozenset[str] = frozenset()
    paid_amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class StoredTaxRate:
    """A rate an invoice used: for a (category, country) and the period ending at `period_end_at`
    (None: every period, as stored before rates were kept per period, and for sales tax). `source`
    says where it came from: the rate table, the invoice's own or the subscription's sales tax."""

    category: str
    country: str
    percentage: Decimal
    name: str
    tax_rate_id: str | None = None
    period_end_at: datetime | None = None
    source: str | None = None

    @classmethod
    def from_fields(cls, record: Fields) -> StoredTaxRate:
        return cls(
            category=req_str(record, "category"),
            country=req_str(record, "country"),
            percentage=parse_decimal(record.get("percentage")),
            name=opt_str(record, "name") or req_str(record, "category"),
            tax_rate_id=opt_str(record, "tax_rate_id"),
            period_end_at=opt_instant(record, "period_end_at"),
            source=opt_str(record, "source"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "country": self.country,
            "percentage": format_decimal(self.percentage),
            "name": self.name,
            "tax_rate_id": self.tax_rate_id,
            "period_end_at": format_instant(self.period_end_at) if self.period_end_at else None,
            "source": self.source,
        }


@dataclass(frozen=True)
class DerivationInputs:
    """What `recompute_derived` needs besides the invoice's periods (groups and lines)."""

    billing_currency: str
    pricing_amount_type: str
    tax: TaxFacts
    stored_tax_rates: tuple[StoredTaxRate, ...] = ()
    tax_rate_table: tuple[TaxRate, ...] = ()
    # True for a TAX_RATES (or FULL) refresh: every rate is looked up again. Otherwise stored rates are
    # kept and only rates the invoice has not stored yet are looked up.
    relookup_tax_rates: bool = False
    paid_amount: Decimal = Decimal(0)
    # Fallback for lines stored without `tax_category` (e.g. imported ONE_OFF lines): product id -> category.
    product_tax_categories: Mapping[str, str] = field(default_factory=dict)
    # The invoice's type: a STANDARD invoice may not total below 0 (docs/billing-decisions.md). None: not checked.
    invoice_type: str | None = None
    # The exchange rate table, for the tax amounts in local currency (docs/billing-decisions.md), and the rates the stored
    # invoice's local amounts show: kept before the table (empty for a FULL refresh, which reads it again).
    exchange_rates: tuple[ExchangeRate, ...] = ()
    shown_exchange_rates: tuple[ExchangeRate, ...] = ()
