"""Table rows of a normalized configuration record (everything but usage events and invoices)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import SQLModel

from invoicegraph.auth.keys import hash_key, key_prefix
from invoicegraph.billing.instants import parse_instant
from invoicegraph.db import tables

TENANT_KEY = ("platform_id", "id")


@dataclass(frozen=True)
class Row:
    table: type[SQLModel]
    key: tuple[str, ...]
    values: dict[str, Any]


_TENANT_TABLES: dict[str, type[SQLModel]] = {
    "billing_entities": tables.BillingEntity,
    "customers": tables.Customer,
    "payment_acceptors": tables.PaymentAcceptor,
    "products": tables.Product,
    "meters": tables.Meter,
    "credit_types": tables.CreditType,
    "pricing_plans": tables.PricingPlan,
    "subscriptions": tables.Subscription,
    "coupons": tables.Coupon,
    "promotion_codes": tables.PromotionCode,
    "tax_rates": tables.TaxRate,
    "exchange_rates": tables.ExchangeRate,
}

# Columns lifted out of `data` for filtering and joins (db/tables.py).
_LIFTED: dict[str, tuple[str, ...]] = {
    "payment_acceptors": ("billing_entity_id",),
    "subscriptions": ("customer_id",),
    "promotion_codes": ("coupon_id",),
    "tax_rates": ("country", "category"),
    "exchange_rates": ("base_currency", "currency", "rate_timestamp"),
}
_INSTANT_COLUMNS = frozenset({"rate_timestamp", "created_at", "expires_at"})


def _instant(value: Any) -> Any:
    return parse_instant(value) if isinstance(value, str) else value


def record_rows(section: str, data: dict[str, Any]) -> list[Row]:
    """The rows one record is stored as."""
    if section == "platforms":
        values = {
            "id": data["id"],
            "name": data["name"],
            "default_billing_entity_id": data["default_billing_entity_id"],
            "settings": data["settings"],
            "created_at": _instant(data["created_at"]),
        }
        return [Row(tables.Platform, ("id",), values)]
    if section == "api_keys":
        # Only the hash and the public prefix are stored, never the key (auth/keys.py).
        key = {
            "id": data["id"],
            "name": data["name"],
            "key_prefix": key_prefix(data["key"]),
            "key_hash": hash_key(data["key"]),
            "status": data["status"],
            "permissions": data["permissions"],
            "expires_at": _instant(data["expires_at"]),
            "created_at": None,
        }
        return [Row(tables.ApiKey, ("id",), key)]
    values = {"platform_id": data["platform_id"], "id": data["id"], "data": data}
    for column in _LIFTED.get(section, ()):
        value = data[column]
        values[column] = _instant(value) if column in _INSTANT_COLUMNS else value
    rows = [Row(_TENANT_TABLES[section], TENANT_KEY, values)]
    if section == "meters":
        for meter_value in data["meter_values"]:
            rows.append(
                Row(
                    tables.MeterValue,
                    TENANT_KEY,
                    {"platform_id": data["platform_id"], "id": meter_value["id"], "meter_id": data["id"], "data": meter_value},
                )
            )
    return rows
