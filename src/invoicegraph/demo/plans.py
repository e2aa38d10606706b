"""Demo products, meters, pricing plans (every model and aggregation), coupons, promotion codes,
subscriptions and usage events."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from invoicegraph.billing.instants import format_instant

ACME, INITECH = "plat_acme", "plat_initech"


def products() -> list[dict[str, Any]]:
    acme = [
        ("base", "Base fee", "STANDARD"),
        ("api", "API calls", "STANDARD"),
        ("seats", "Seats", "STANDARD"),
        ("storage", "Storage", "STANDARD"),
        ("ebooks", "E-books", "REDUCED"),
        ("onboarding", "Onboarding", "STANDARD"),
        ("users", "Active users", "STANDARD"),
        ("exports", "Exports", "ZERO"),
    ]
    initech = [("platform", "Platform fee", "STANDARD"), ("events", "Events", "STANDARD"), ("gb", "Data (GB)", "STANDARD")]
    return [{"id": f"prod_{ref}", "platform_id": ACME, "reference": ref, "name": name, "tax_category": cat} for ref, name, cat in acme] + [
        {"id": f"prod_i_{ref}", "platform_id": INITECH, "reference": ref, "name": name, "tax_category": cat} for ref, name, cat in initech
    ]


def meters() -> list[dict[str, Any]]:
    return [
        {
            "id": "metr_api",
            "platform_id": ACME,
            "reference": "api",
            "name": "API",
            "meter_values": [
                {"id": "metv_calls", "reference": "calls", "name": "Calls", "type": "NUMBER"},
                {"id": "metv_storage_gb", "reference": "storage_gb", "name": "Storage (GB)", "type": "NUMBER"},
                {"id": "metv_seats", "reference": "seats", "name": "Seats", "type": "NUMBER"},
                {"id": "metv_logins", "reference": "logins", "name": "Logins", "type": "NUMBER"},
                {"id": "metv_exports", "reference": "exports", "name": "Exports", "type": "NUMBER"},
            ],
        },
        {
            "id": "metr_events",
            "platform_id": INITECH,
            "reference": "events",
            "name": "Events",
            "meter_values": [
                {"id": "metv_i_events", "reference": "events", "name": "Events", "type": "NUMBER"},
                {"id": "metv_i_gb", "reference": "gb", "name": "Data transferred", "type": "NUMBER"},
            ],
        },
    ]


def _tiers() -> list[dict[str, Any]]:
    return [
        {"up_to": "100", "unit_price": "0.10"},
        {"up_to": "1000", "unit_price": "0.08"},
        {"up_to": None, "unit_price": "0.05", "flat_price": "0"},
    ]


def pricing_plans() -> list[dict[str, Any]]:
    usage = {"aggregation": "SUM"}
    return [
        {
            "id": "ppln_std",
            "platform_id": ACME,
            "reference": "standard",
            "name": "Standard",
            "currency": "EUR",
            "items": [
                {"id": "pitm_base", "product_id": "prod_base", "description": "Base fee", "model": "FLAT", "price": "49.00"},
                {
                    "id": "pitm_calls",
                    "product_id": "prod_api",
                    "description": "API calls",
                    "model": "GRADUATED",
                    "meter_value_id": "metv_calls",
                    **usage,
                    "included_quantity": "0",
                    "conditions": [{"property": "region", "comparator": "IN", "values": ["eu", "us"]}],
                    "tiers": _tiers(),
                },
                {
                    "id": "pitm_storage",
                    "product_id": "prod_storage",
                    "description": "Storage",
                    "model": "PER_UNIT",
                    "meter_value_id": "metv_storage_gb",
                    "aggregation": "MAX",
                    "unit_price": "0.02",
                    "included_quantity": "100",
                },
            ],
        },
        {
            "id": "ppln_team",
            "platform_id": ACME,
            "reference": "team",
            "name": "Team",
            "currency": "EUR",
            "items": [
                {
                    "id": "pitm_seats",
                    "product_id": "prod_seats",
                    "description": "Seats",
                    "model": "VOLUME",
                    "meter_value_id": "metv_seats",
                    "aggregation": "LATEST",
                    "tiers": [
                        {"up_to": "10", "unit_price": "12.00"},
                        {"up_to": "50", "unit_price": "10.00"},
                        {"up_to": None, "unit_price": "8.00", "flat_price": "25.00"},
                    ],
                },
                {
                    "id": "pitm_users",
                    "product_id": "prod_users",
                    "description": "Active users",
                    "model": "PER_UNIT",
                    "meter_value_id": "metv_logins",
                    "aggregation": "UNIQUE_COUNT",
                    "aggregation_property": "user_id",
                    "unit_price": "1.50",
                },
                {
                    "id": "pitm_exports",
                    "product_id": "prod_exports",
                    "description": "Exports",
                    "model": "PACKAGE",
                    "meter_value_id": "metv_exports",
                    "aggregation": "COUNT",
                    "package_size": "1000",
                    "package_price": "5.00",
                    "conditions": [{"property": "format", "comparator": "NOT_EQUALS", "value": "csv"}],
                },
                {"id": "pitm_ebooks", "product_id": "prod_ebooks", "description": "E-book library", "model": "FLAT", "price": "9.99"},
            ],
        },
        {
            "id": "ppln_i_usd",
            "platform_id": INITECH,
            "reference": "usage-usd",
            "name": "Usage (USD)",
            "currency": "USD",
            "items": [
                {
                    "id": "pitm_i_platform",
                    "product_id": "prod_i_platform",
                    "description": "Platform fee",
                    "model": "FLAT",
                    "price": "199.00",
                },
                {
                    "id": "pitm_i_events",
                    "product_id": "prod_i_events",
                    "description": "Events",
                    "model": "GRADUATED",
                    "meter_value_id": "metv_i_events",
                    "aggregation": "SUM",
                    "included_quantity": "1000",
                    "tiers": _tiers(),
                },
            ],
        },
        {
            "id": "ppln_i_gbp",
            "platform_id": INITECH,
            "reference": "data-gbp",
            "name": "Data (GBP)",
            "currency": "GBP",
            "items": [
                {"id": "pitm_i_base", "product_id": "prod_i_platform", "description": "Platform fee", "model": "FLAT", "price": "100.00"},
                {
                    "id": "pitm_i_gb",
                    "product_id": "prod_i_gb",
                    "description": "Data transferred",
                    "model": "PACKAGE",
                    "meter_value_id": "metv_i_gb",
                    "aggregation": "SUM",
                    "package_size": "100",
                    "package_price": "4.00",
                },
            ],
        },
    ]


def coupons() -> list[dict[str, Any]]:
    return [
        {
            "id": "coup_launch",
            "platform_id": ACME,
            "reference": "launch",
            "name": "Launch 20%",
            "status": "ACTIVE",
            "discount": {"type": "PERCENTAGE", "percentage": "20"},
            "duration": {"type": "FOREVER"},
            "limited_to": {"product_ids": ["prod_api"]},
        },
        {
            "id": "coup_welcome",
            "platform_id": ACME,
            "reference": "welcome",
            "name": "Welcome €10",
            "status": "ACTIVE",
            "discount": {"type": "AMOUNT", "amount": {"quantity": "10.00", "currency": "EUR"}},
            "duration": {"type": "ONE_TIME"},
        },
        {
            "id": "coup_quarter",
            "platform_id": ACME,
            "reference": "quarter",
            "name": "15% for 3 months",
            "status": "ACTIVE",
            "discount": {"type": "PERCENTAGE", "percentage": "15"},
            "duration": {"type": "PERIOD", "period": {"type": "MONTH", "value": 3}},
            "start_at": "2026-01-01T00:00:00Z",
            "end_at": "2027-01-01T00:00:00Z",
            "maximum_redemptions": 100,
        },
        {
            "id": "coup_i_usd25",
            "platform_id": INITECH,
            "reference": "usd25",
            "name": "$25 off",
            "status": "ACTIVE",
            "discount": {"type": "AMOUNT", "amount": {"quantity": "25.00", "currency": "USD"}},
            "duration": {"type": "FOREVER"},
        },
    ]


def promotion_codes() -> list[dict[str, Any]]:
    return [
        {"id": "prom_ten", "platform_id": ACME, "code": "TENOFF", "coupon_id": "coup_welcome", "status": "ACTIVE"},
        {
            "id": "prom_hooli",
            "platform_id": ACME,
            "code": "HOOLI15",
            "coupon_id": "coup_quarter",
            "status": "ACTIVE",
            "limited_to": {"customer_ids": ["cust_hooli"]},
        },
        {"id": "prom_i_spring", "platform_id": INITECH, "code": "SPRING", "coupon_id": "coup_i_usd25", "status": "INACTIVE"},
    ]


def _sub(sid: str, platform: str, customer: str, entity: str, plan: str, currency: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "platform_id": platform,
        "reference": sid.removeprefix("psub_"),
        "customer_id": customer,
        "billing_entity_id": entity,
        "pricing_plan_id": plan,
        "status": "ACTIVE",
        "billing_period": {"type": "MONTH", "value": 1},
        "billing_currency": currency,
    } | extra


def subscriptions() -> list[dict[str, Any]]:
    return [
        _sub(
            "psub_globex",
            ACME,
            "cust_globex",
            "enti_nl",
            "ppln_std",
            "EUR",
            purchase_order_number="PO-7781",
            payment_acceptor_ids=["paya_acme_bank", "paya_acme_card"],
            coupon_ids=["coup_launch"],
            promotion_code_ids=["prom_ten"],
        ),
        _sub(
            "psub_hooli",
            ACME,
            "cust_hooli",
            "enti_nl",
            "ppln_team",
            "EUR",
            payment_acceptor_ids=["paya_acme_card"],
            promotion_code_ids=["prom_hooli"],
        ),
        _sub("psub_jan", ACME, "cust_jan", "enti_nl", "ppln_std", "EUR"),
        _sub("psub_umbrella", ACME, "cust_umbrella", "enti_de", "ppln_std", "EUR"),
        _sub("psub_stark", ACME, "cust_stark", "enti_nl", "ppln_team", "EUR"),
        _sub(
            "psub_dunder",
            INITECH,
            "cust_dunder",
            "enti_us",
            "ppln_i_usd",
            "USD",
            sales_tax_percentage="8.875",
            payment_acceptor_ids=["paya_initech_ach"],
            coupon_ids=["coup_i_usd25"],
            due_date_configuration={"type": "PERIOD_AFTER_INVOICE_DATE", "period": {"type": "DAY", "value": 30}},
        ),
        _sub("psub_pat", INITECH, "cust_pat", "enti_us", "ppln_i_usd", "USD", sales_tax_percentage="7.25"),
        # Priced in USD, billed in GBP: converted with the exchange rates.
        _sub("psub_wayne", INITECH, "cust_wayne", "enti_gb", "ppln_i_usd", "GBP", payment_acceptor_ids=["paya_initech_portal"]),
    ]


_USAGE: list[
    tuple[str, str, str, int, tuple[int, int], Callable[[random.Random], dict[str, str]]]
] = [  # platform, customer, meter value, events per month, value range, property makers
    (ACME, "cust_globex", "metv_calls", 40, (10, 60), lambda r: {"region": r.choice(["eu", "us", "apac"])}),
    (ACME, "cust_globex", "metv_storage_gb", 10, (80, 400), lambda r: {}),
    (ACME, "cust_jan", "metv_calls", 15, (1, 20), lambda r: {"region": "eu"}),
    (ACME, "cust_hooli", "metv_seats", 5, (8, 14), lambda r: {}),
    (ACME, "cust_hooli", "metv_logins", 30, (1, 1), lambda r: {"user_id": f"u{r.randint(1, 12)}"}),
    (ACME, "cust_hooli", "metv_exports", 25, (1, 1), lambda r: {"format": r.choice(["csv", "pdf", "xlsx"])}),
    (INITECH, "cust_dunder", "metv_i_events", 30, (50, 200), lambda r: {}),
    (INITECH, "cust_wayne", "metv_i_events", 20, (10, 100), lambda r: {}),
    (INITECH, "cust_pat", "metv_i_gb", 10, (5, 40), lambda r: {}),
]


def usage_events() -> list[dict[str, Any]]:
    rng = random.Random(2026)
    events = []
    for month_start in (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)):
        for platform, customer, meter_value, count, (low, high), props in _USAGE:
            for n in range(count):
                moment = month_start + timedelta(seconds=rng.randrange(30 * 24 * 3600))
                events.append(
                    {
                        "platform_id": platform,
                        "reference": f"evt-{customer.removeprefix('cust_')}-{meter_value}-{moment:%Y%m}-{n:03d}",
                        "customer_id": customer,
                        "meter_value_id": meter_value,
                        "timestamp": format_instant(moment),
                        "value": str(rng.randint(low, high)),
                        "properties": props(rng),
                    }
                )
    return events
