"""The vendor-shaped dicts of rated content: periods, groups, lines (snake_case GraphQL field names).

Derived keys (tax_categories, the amount the line does not state, totals) are filled in by `derive`.
Lines also carry two engine keys that are not GraphQL fields: `product_id` and `tax_category` (the
product's category, which the tax treatment of every later refresh reads).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from invoicegraph.billing.inputs import BillingPeriod, InvoicePeriodInput
from invoicegraph.billing.instants import format_instant
from invoicegraph.billing.money import Amount, amount, zero_amount


def line_id(*parts: object) -> str:
    """A line id derived from what the line is, so that re-rating the same inputs gives the same id."""
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()
    return f"invl_{digest[:24]}"


def price_details(
    stated: Amount,
    *,
    pricing_currency: str | None = None,
    pricing_amount: Amount | None = None,
    used_exchange_rates: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """PriceDetails. `pricing_currency` is set only when a conversion was needed; with no rate found
    `used_exchange_rates` stays empty, which is how validation finds the missing rate again later."""
    return {
        "amount": stated,
        "pricing_currency": pricing_currency,
        "pricing_amount": pricing_amount,
        "conversion": None,
        "band": None,
        "meter_value": None,
        "tiering_meter_value": None,
        "price_bound": None,
        "meter_values": [],
        "report_meter_values": [],
        "description": description,
        "used_exchange_rates": used_exchange_rates or [],
        "included_volume_details": None,
        "wallet_balance_details": None,
        "split_pricing": None,
        "meter_value_share_of_total": None,
        "meter_value_share_of_processing_only_customer_total": None,
    }


def line(
    *,
    id: str,
    line_order: int,
    kind: str,
    stated: Decimal,
    currency: str,
    description: str | None,
    product_id: str | None,
    tax_category: str,
    details: dict[str, Any],
    pricing_item_id: str | None = None,
    pricing_type: str | None = None,
    discount_type: str | None = None,
    coupon_data: dict[str, Any] | None = None,
    conditions: dict[str, Any] | None = None,
    meter_value: dict[str, Any] | None = None,
) -> dict[str, Any]:
    value = amount(stated, currency)
    return {
        "id": id,
        "line_order": line_order,
        "description": description,
        "pricing_item_id": pricing_item_id,
        "pricing_item_config_id": None,
        "product_items": [],
        "type": kind,
        "pricing_type": pricing_type,
        "commitment_type": None,
        "discount_type": discount_type,
        "coupon_data": coupon_data,
        "tax_categories": [],
        "amount_excluding_tax": value,
        "amount_including_tax": dict(value),
        "conditions": conditions,
        "meter_value": meter_value,
        "details": details,
        "sub_lines": [],
        "product_id": product_id,
        "tax_category": tax_category,
    }


def group(
    *,
    group_order: int,
    currency: str,
    subscription_id: str,
    pricing_id: str,
    pricing_name: str,
    billing_period: BillingPeriod | None,
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "group_order": group_order,
        "amount_excluding_tax": zero_amount(currency),
        "amount_including_tax": zero_amount(currency),
        "billing_period": billing_period.as_dict() if billing_period is not None else None,
        "start_at": None,
        "end_at": None,
        "type": None,
        "product_category": None,
        "products": [],
        "pricing": {"id": pricing_id, "name": pricing_name},
        "description": pricing_name,
        "pricing_plan_subscription_id": subscription_id,
        "pricing_plan_schedule_id": None,
        "billing_customer_id": None,
        "forwarded_from_customer_id": None,
        "tax_categories": [],
        "lines": lines,
    }


def period(
    *, period_order: int, currency: str, source: InvoicePeriodInput, billing_period: BillingPeriod, groups: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "period_order": period_order,
        "amount_excluding_tax": zero_amount(currency),
        "amount_including_tax": zero_amount(currency),
        "billing_period": billing_period.as_dict(),
        "start_at": format_instant(source.start_at),
        "end_at": format_instant(source.end_at),
        "tax_categories": [],
        "groups": groups,
    }
