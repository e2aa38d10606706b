"""Plain records for the refresh computation (`services.refresh.compute`), which is pure: the invoice as
stored and its sources in, the invoice to store out. Shapes are the import format's."""

from __future__ import annotations

import copy
from typing import Any

from invoicegraph.services.refresh.compute import compute
from invoicegraph.services.refresh.sources import Sources

NOW = "2026-12-02T00:00:00Z"


def party(record_id: str, country: str, **extra: Any) -> dict[str, Any]:
    address = {"line1": "1 Main St", "city": "City", "postal_code": "1000", "country": country}
    if record_id.startswith("cust_"):
        return {"id": record_id, "type": "ORGANIZATION", "organization": {"legal_name": "Customer", "registered_address": address}, **extra}
    return {"id": record_id, "legal_name": "Entity", "registered_address": address, **extra}


def plan(currency: str, price: str) -> dict[str, Any]:
    item = {"id": "pitm_base", "product_id": "prod_base", "description": "Base fee", "model": "FLAT", "price": price}
    return {"id": "ppln_1", "name": "Plan", "currency": currency, "items": [item]}


def invoice(currency: str, *, periods: int = 1, **extra: Any) -> dict[str, Any]:
    bounds = ["2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"]
    return {
        "id": "invo_1",
        "platform_id": "plat_1",
        "customer_id": "cust_1",
        "billing_entity_id": "enti_1",
        "type": "STANDARD",
        "status": "DRAFT",
        "billing_currency": currency,
        "pricing_amount_type": "EXCLUDING_TAX",
        "pricing_plan_subscription_ids": ["psub_1"],
        "periods": [{"start_at": bounds[i], "end_at": bounds[i + 1]} for i in range(periods)],
        "paid_invoice_amount": {"quantity": "0", "currency": currency},
        **extra,
    }


def sources(
    entity_country: str,
    customer_country: str,
    *,
    currency: str,
    price: str = "100.00",
    subscription: dict[str, Any] | None = None,
    tax_rates: list[dict[str, Any]] | None = None,
    exchange_rates: list[dict[str, Any]] | None = None,
    platform_settings: dict[str, Any] | None = None,
    entity: dict[str, Any] | None = None,
    customer: dict[str, Any] | None = None,
) -> Sources:
    return Sources(
        platform={"id": "plat_1", "settings": platform_settings or {}},
        customer=customer or party("cust_1", customer_country),
        billing_entity=entity or party("enti_1", entity_country),
        subscriptions=[{"id": "psub_1", "pricing_plan_id": "ppln_1", **(subscription or {})}],
        products={"prod_base": {"id": "prod_base", "name": "Base fee", "tax_category": "STANDARD"}},
        tax_rates=list(tax_rates or []),
        pricing_plans={"ppln_1": plan(currency, price)},
        exchange_rates=list(exchange_rates or []),
    )


def refresh(stored: dict[str, Any], found: Sources, *types: str) -> dict[str, Any]:
    """The invoice a refresh of `types` stores (FULL when none), as the refresh service would."""
    return compute(copy.deepcopy(stored), found, types or ("FULL",), NOW)


def total(stored: dict[str, Any]) -> str:
    return str(stored["invoice_amount_including_tax"]["quantity"])
