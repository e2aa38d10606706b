"""Builds `data/demo.json`, the demo data set. The JSON is committed; rerun after changing this file:

    python -m invoicegraph.demo.build

Two platforms: Acme Cloud (EUR; billing entities in NL and DE) and Initech (billing entities in the US
and GB). Customers are organizations and individuals across NL, DE, BE, FR, GB and the US, one of them
tax exempt. Plans use every pricing model and aggregation; invoices cover every status and type.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from invoicegraph.demo.invoices import ACME, INITECH, invoices
from invoicegraph.demo.keys import DEMO_API_KEY, DEMO_PLATFORM_KEYS
from invoicegraph.demo.parties import billing_entities, customers, payment_acceptors
from invoicegraph.demo.plans import coupons, meters, pricing_plans, products, promotion_codes, subscriptions, usage_events

OUT = Path(__file__).with_name("data") / "demo.json"
PERMISSIONS = ["INVOICE.VIEW", "INVOICE.REFRESH", "INVOICE.PREVIEW"]


def _rates() -> list[dict[str, Any]]:
    table = [
        ("nl_std", "NL", "STANDARD", "21", "BTW hoog"),
        ("nl_red", "NL", "REDUCED", "9", "BTW laag"),
        ("de_std", "DE", "STANDARD", "19", "MwSt"),
        ("de_red", "DE", "REDUCED", "7", "MwSt ermäßigt"),
        ("gb_std", "GB", "STANDARD", "20", "VAT"),
        ("be_std", "BE", "STANDARD", "21", "TVA/BTW"),
        ("fr_std", "FR", "STANDARD", "20", "TVA"),
    ]
    return [
        {
            "id": f"txrt_{key}",
            "platform_id": p,
            "country": country,
            "category": category,
            "percentage": pct,
            "name": name,
            "valid_from": "2000-01-01T00:00:00Z",
        }
        for p in (ACME, INITECH)
        for key, country, category, pct, name in table
    ]


def _exchange_rates() -> list[dict[str, Any]]:
    pairs = [
        ("usd_eur", "USD", "EUR", "0.9200"),
        ("eur_usd", "EUR", "USD", "1.0870"),
        ("gbp_eur", "GBP", "EUR", "1.1650"),
        ("eur_gbp", "EUR", "GBP", "0.8584"),
        ("usd_gbp", "USD", "GBP", "0.7900"),
        ("gbp_usd", "GBP", "USD", "1.2660"),
    ]
    return [
        {
            "id": f"fxrt_{key}_{month}",
            "platform_id": p,
            "base_currency": base,
            "currency": quote,
            "rate": rate,
            "rate_timestamp": f"2026-{month}-01T00:00:00Z",
            "source": "ECB",
        }
        for p in (ACME, INITECH)
        for key, base, quote, rate in pairs
        for month in ("10", "11")
    ]


def build() -> dict[str, Any]:
    keys = [
        {
            "id": "akey_demo_all",
            "name": "demo (all platforms)",
            "key": DEMO_API_KEY,
            "platform_ids": [ACME, INITECH],
            "permissions": PERMISSIONS,
        }
    ]
    keys += [
        {"id": f"akey_demo_{p.removeprefix('plat_')}", "name": f"demo ({p})", "key": key, "platform_ids": [p], "permissions": PERMISSIONS}
        for p, key in DEMO_PLATFORM_KEYS.items()
    ]
    return {
        "format": "invoicegraph/v1",
        "platforms": [
            {
                "id": ACME,
                "name": "Acme Cloud",
                "default_billing_entity_id": "enti_nl",
                "settings": {"add_zero_meter_value_invoice_lines": False},
            },
            {
                "id": INITECH,
                "name": "Initech",
                "default_billing_entity_id": "enti_us",
                "settings": {"add_zero_meter_value_invoice_lines": True, "footnote": "Thank you for your business."},
            },
        ],
        "api_keys": keys,
        "billing_entities": billing_entities(),
        "customers": customers(),
        "payment_acceptors": payment_acceptors(),
        "products": products(),
        "meters": meters(),
        "credit_types": [
            {
                "id": "ctyp_tokens",
                "platform_id": ACME,
                "reference": "tokens",
                "name": "AI tokens",
                "unit_name": {"singular": "token", "plural": "tokens"},
            }
        ],
        "pricing_plans": pricing_plans(),
        "coupons": coupons(),
        "promotion_codes": promotion_codes(),
        "subscriptions": subscriptions(),
        "tax_rates": _rates(),
        "exchange_rates": _exchange_rates(),
        "usage_events": usage_events(),
        "invoices": invoices(),
    }


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
