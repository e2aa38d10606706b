"""Tax in the currency of the country of taxation through GraphQL and REST (docs/billing-decisions.md).

The worked examples, on the import-format example reduced to one base fee:
- EUR, a Dutch entity registered in Sweden, a Swedish customer: Swedish 25 %. 100.00, tax 25.00,
  total 125.00; at EUR→SEK 11.2345: 1123.45, 280.86 (280.8625), 1404.31 (1404.3125) SEK.
- USD, a German entity and a German customer: German 19 %. 200.00, tax 38.00, total 238.00; at
  USD→EUR 0.9215: 184.30, 35.02 (35.017), 219.32 (219.317) EUR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record

KEY = {"X-API-KEY": EXAMPLE_KEY}
AMOUNTS = "baseAmount { quantity currency } taxAmount { quantity currency } totalAmount { quantity currency }"
QUERY = f"""
query($id: ID!) {{
  invoice(id: $id) {{
    onHold
    validationResult {{ status details }}
    taxSummary {{ {AMOUNTS} localAmounts {{ {AMOUNTS} display usedExchangeRate {{ baseCurrency currency rate rateTimestamp }} }} }}
    taxCategories {{ category percentage rates {{ name percentage taxAmount {{ quantity currency }} }} localAmounts {{ {AMOUNTS} }} }}
    usedExchangeRates {{ currency }}
  }}
}}
"""
NOV_28 = "2026-11-28T00:00:00Z"


def one_base_fee(data: dict[str, Any], currency: str, price: str) -> None:
    plan = data["pricing_plans"][0]
    plan["currency"] = currency
    plan["items"] = [{**plan["items"][0], "price": price}]
    subscription = data["subscriptions"][0]
    subscription["coupon_ids"] = []
    subscription["billing_currency"] = currency
    data["invoices"][0]["billing_currency"] = currency
    data["usage_events"] = []


def move(party: dict[str, Any], country: str) -> None:
    party["registered_address"] = {"line1": "Main street 1", "city": "Capital", "postal_code": "10000", "country": country}


def swedish(with_rate: bool) -> dict[str, Any]:
    data = example()
    one_base_fee(data, "EUR", "100.00")
    entity = record(data, "billing_entities", "enti_nl")
    entity["tax_registrations"].append(
        {"id": "txrg_se", "description": "SE VAT", "tax_id": "SE556677889901", "registered_address": {"city": "Stockholm", "country": "SE"}}
    )
    move(record(data, "customers", "cust_globex")["organization"], "SE")
    data["tax_rates"].append(
        {"id": "txrt_se_std", "platform_id": "plat_acme", "country": "SE", "category": "STANDARD", "percentage": "25", "name": "Moms", "valid_from": "1990-07-01T00:00:00Z"}
    )  # fmt: skip
    if with_rate:
        data["exchange_rates"].append(
            {"id": "fxrt_eur_sek", "platform_id": "plat_acme", "base_currency": "EUR", "currency": "SEK", "rate": "11.2345", "rate_timestamp": NOV_28, "source": "ECB"}
        )  # fmt: skip
    return data


def german_in_usd() -> dict[str, Any]:
    data = example()
    one_base_fee(data, "USD", "200.00")
    entity = record(data, "billing_entities", "enti_nl")
    move(entity, "DE")
    entity["tax_registrations"] = []
    move(record(data, "customers", "cust_globex")["organization"], "DE")
    data["tax_rates"].append(
        {"id": "txrt_de_std", "platform_id": "plat_acme", "country": "DE", "category": "STANDARD", "percentage": "19", "name": "MwSt", "valid_from": "2007-01-01T00:00:00Z"}
    )  # fmt: skip
    data["exchange_rates"].append(
        {"id": "fxrt_usd_eur", "platform_id": "plat_acme", "base_currency": "USD", "currency": "EUR", "rate": "0.9215", "rate_timestamp": NOV_28, "source": "ECB"}
    )  # fmt: skip
    return data


async def graphql(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": QUERY, "variables": {"id": INVOICE_ID}}, headers=KEY)
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    invoice: dict[str, Any] = body["data"]["invoice"]
    return invoice


async def rest(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(f"/v1/invoices/{INVOICE_ID}", headers=KEY)
    assert response.status_code == 200, response.text
    invoice: dict[str, Any] = response.json()
    return invoice


def quantities(amounts: dict[str, Any], *keys: str) -> tuple[str, ...]:
    return tuple(amounts[key]["quantity"] for key in keys)


@pytest.mark.parametrize(
    ("build", "currency", "billed", "local", "rate", "tax_rate"),
    [
        (
            lambda: swedish(with_rate=True),
            "SEK",
            ("100.00", "25.00", "125.00"),
            ("1123.45", "280.86", "1404.31"),
            "11.2345",
            ("Moms", "25"),
        ),
        (german_in_usd, "EUR", ("200.00", "38.00", "238.00"), ("184.30", "35.02", "219.32"), "0.9215", ("MwSt", "19")),
    ],
    ids=["eur-taxed-in-sweden", "usd-taxed-in-germany"],
)
async def test_local_amounts_in_graphql_and_rest(
    client: httpx.AsyncClient,
    database: Database,
    tmp_path: Path,
    build: Any,
    currency: str,
    billed: tuple[str, str, str],
    local: tuple[str, str, str],
    rate: str,
    tax_rate: tuple[str, str],
) -> None:
    await load(database, tmp_path, build())

    invoice = await graphql(client)
    summary = invoice["taxSummary"]
    assert quantities(summary, "baseAmount", "taxAmount", "totalAmount") == billed
    shown = summary["localAmounts"]
    assert quantities(shown, "baseAmount", "taxAmount", "totalAmount") == local
    assert {shown[key]["currency"] for key in ("baseAmount", "taxAmount", "totalAmount")} == {currency}
    assert shown["display"] is True
    assert (shown["usedExchangeRate"]["currency"], shown["usedExchangeRate"]["rate"]) == (currency, rate)
    category = invoice["taxCategories"][0]
    assert quantities(category["localAmounts"], "baseAmount", "taxAmount", "totalAmount") == local
    assert [(r["name"], r["percentage"], r["taxAmount"]["quantity"]) for r in category["rates"]] == [(*tax_rate, billed[1])]
    assert invoice["usedExchangeRates"] == []
    assert invoice["onHold"] is False

    body = await rest(client)
    vendor = body["tax_summary"]["local_amounts"]
    assert quantities(vendor, "base_amount", "tax_amount", "total_amount") == local
    assert vendor["used_exchange_rate"]["rate"] == rate
    assert vendor["display"] is True
    assert body["tax_categories"][0]["rates"] == [
        {"name": tax_rate[0], "percentage": tax_rate[1], "tax_amount": {"quantity": billed[1], "currency": body["billing_currency"]}}
    ]
    assert quantities(body["tax_categories"][0]["local_amounts"], "base_amount", "tax_amount", "total_amount") == local


async def test_a_missing_rate_for_the_local_amounts_holds_the_invoice(
    client: httpx.AsyncClient, database: Database, tmp_path: Path
) -> None:
    await load(database, tmp_path, swedish(with_rate=False))
    invoice = await graphql(client)
    assert invoice["onHold"] is True
    assert invoice["taxSummary"]["localAmounts"] is None
    assert invoice["validationResult"] == [
        {
            "status": "ERROR",
            "details": "No exchange rate from EUR to SEK at or before 2026-12-01T00:00:00Z; the tax amounts cannot be shown in SEK",
        }
    ]
