"""A synthetic, valid import file of any size, written as a stream (benchmarks, memory tests).

Nothing but one record is held in memory at a time, so 10,000 invoices with 1,000,000 usage events
are written with flat memory. The same arguments and seed give the same bytes.

    python -m invoicegraph.demo.generate --invoices 10000 --events-per-invoice 100 > big.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

from invoicegraph.billing.instants import format_instant
from invoicegraph.demo.finals import Line, closed_parts

COUNTRIES = (
    ("NL", "21", "BTW"),
    ("DE", "19", "MwSt"),
    ("BE", "21", "TVA/BTW"),
    ("FR", "20", "TVA"),
    ("GB", "20", "VAT"),
    ("US", None, None),
)
START = datetime(2026, 1, 1, tzinfo=UTC)


def _instant(moment: datetime) -> str:
    return format_instant(moment)


def _month(index: int) -> tuple[datetime, datetime]:
    year, month = divmod(index, 12)
    start = START.replace(year=START.year + year, month=month + 1)
    year2, month2 = divmod(index + 1, 12)
    return start, START.replace(year=START.year + year2, month=month2 + 1)


class _Writer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def section(self, name: str, records: Iterator[dict[str, Any]]) -> None:
        self.out.write(f',\n"{name}": [')
        for index, record in enumerate(records):
            self.out.write(("," if index else "") + "\n" + json.dumps(record, separators=(",", ":")))
        self.out.write("\n]")


def generate(out: TextIO, *, platforms: int, customers: int, invoices: int, events_per_invoice: int, seed: int) -> None:
    """Write an import file: `customers` and `invoices` are spread over the platforms round-robin."""
    rng = random.Random(seed)
    plats = [f"plat_gen{p}" for p in range(platforms)]
    writer = _Writer(out)
    out.write('{"format": "invoicegraph/v1"')
    writer.section("platforms", ({"id": p, "name": f"Generated {p}", "default_billing_entity_id": "enti_nl"} for p in plats))
    writer.section(
        "api_keys",
        iter(
            [
                {
                    "id": "akey_gen",
                    "name": "generated",
                    "key": f"igk_gen_{seed:08d}{'x' * 32}",
                    "platform_ids": plats,
                    "permissions": ["INVOICE.VIEW", "INVOICE.REFRESH", "INVOICE.PREVIEW"],
                }
            ]
        ),
    )
    writer.section(
        "billing_entities",
        (
            {
                "id": "enti_nl",
                "platform_id": p,
                "reference": "nl",
                "legal_name": "Generated B.V.",
                "email": "billing@gen.example",
                "timezone": "Europe/Amsterdam",
                "tax_id": "NL001234567B01",
                "registered_address": {"line1": "Dam 1", "city": "Amsterdam", "postal_code": "1012 JS", "country": "NL"},
            }
            for p in plats
        ),
    )
    writer.section("customers", (_customer(c, plats) for c in range(customers)))
    writer.section(
        "products",
        ({"id": f"prod_{name}", "platform_id": p, "reference": name, "name": name.title()} for p in plats for name in ("base", "api")),
    )
    writer.section(
        "meters",
        (
            {
                "id": "metr_api",
                "platform_id": p,
                "reference": "api",
                "name": "API",
                "meter_values": [{"id": "metv_calls", "reference": "calls", "name": "Calls"}],
            }
            for p in plats
        ),
    )
    writer.section(
        "pricing_plans",
        (
            {
                "id": "ppln_std",
                "platform_id": p,
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
                        "aggregation": "SUM",
                        "tiers": [{"up_to": "100", "unit_price": "0.10"}, {"up_to": None, "unit_price": "0.05"}],
                    },
                ],
            }
            for p in plats
        ),
    )
    writer.section(
        "subscriptions",
        (
            {
                "id": f"psub_{c}",
                "platform_id": plats[c % platforms],
                "reference": f"sub-{c}",
                "customer_id": f"cust_{c}",
                "billing_entity_id": "enti_nl",
                "pricing_plan_id": "ppln_std",
                "billing_currency": "EUR",
            }
            for c in range(customers)
        ),
    )
    writer.section(
        "tax_rates",
        (
            {
                "id": f"txrt_{country.lower()}",
                "platform_id": p,
                "country": country,
                "category": "STANDARD",
                "percentage": pct,
                "name": name,
                "valid_from": "2000-01-01T00:00:00Z",
            }
            for p in plats
            for country, pct, name in COUNTRIES
            if pct
        ),
    )
    writer.section("usage_events", _events(rng, invoices, customers, platforms, plats, events_per_invoice))
    writer.section("invoices", (_invoice(i, customers, plats) for i in range(invoices)))
    out.write("\n}\n")


def _customer(c: int, plats: list[str]) -> dict[str, Any]:
    country = COUNTRIES[c % len(COUNTRIES)][0]
    return {
        "id": f"cust_{c}",
        "platform_id": plats[c % len(plats)],
        "reference": f"customer-{c}",
        "type": "ORGANIZATION",
        "email": f"ap{c}@customer.example",
        "locale": "en-GB",
        "organization": {
            "legal_name": f"Customer {c} Ltd",
            "tax_id": f"{country}{c:09d}",
            "registered_address": {"line1": f"Street {c}", "city": "City", "postal_code": "1000", "country": country},
        },
    }


def _events(rng: random.Random, invoices: int, customers: int, platforms: int, plats: list[str], per: int) -> Iterator[dict[str, Any]]:
    for i in range(invoices):
        c = i % customers
        start, end = _month(i // customers)
        seconds = int((end - start).total_seconds())
        for e in range(per):
            yield {
                "platform_id": plats[c % platforms],
                "reference": f"evt-{i}-{e}",
                "customer_id": f"cust_{c}",
                "meter_value_id": "metv_calls",
                "timestamp": _instant(start + timedelta(seconds=rng.randrange(seconds))),
                "value": str(rng.randint(1, 500)),
                "properties": {"region": rng.choice(("eu", "us"))},
            }


def _invoice(i: int, customers: int, plats: list[str]) -> dict[str, Any]:
    c = i % customers
    start, end = _month(i // customers)
    invoice: dict[str, Any] = {
        "id": f"invo_{i}",
        "platform_id": plats[c % len(plats)],
        "customer_id": f"cust_{c}",
        "billing_entity_id": "enti_nl",
        "type": "STANDARD",
        "billing_currency": "EUR",
        "invoice_date": _instant(end),
        "due_date": _instant(end + timedelta(days=30)),
        "billing_period": {"type": "MONTH", "value": 1},
        "pricing_plan_subscription_ids": [f"psub_{c}"],
    }
    if i % 4:  # three in four are open inputs, one in four is closed and carries its amounts
        invoice |= {"status": "DRAFT", "periods": [{"start_at": _instant(start), "end_at": _instant(end)}]}
        return invoice
    country, pct, name = COUNTRIES[c % len(COUNTRIES)]
    # NL entity: domestic NL rate; EU business customers reverse charge; the rest is outside scope.
    if country == "NL":
        rate, category = Decimal(pct or "0"), "STANDARD"
    else:
        rate, category = Decimal(0), "REVERSE_CHARGE" if country in ("DE", "BE", "FR") else "OUTSIDE_SCOPE"
    lines = [
        Line("prod_base", "Base fee", Decimal("49.00"), category, rate, name or "Tax"),
        Line("prod_api", "API calls", Decimal(10 + i % 90) + Decimal("0.50"), category, rate, name or "Tax"),
    ]
    parts = closed_parts(lines, currency="EUR", country=country, start_at=_instant(start), end_at=_instant(end), explicit=False)
    return invoice | parts | {"status": "FINAL", "invoice_number": f"INV-{i:08d}", "updated_to_final_at": _instant(end)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--platforms", type=int, default=2)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--events-per-invoice", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    generate(
        sys.stdout,
        platforms=args.platforms,
        customers=args.customers,
        invoices=args.invoices,
        events_per_invoice=args.events_per_invoice,
        seed=args.seed,
    )


if __name__ == "__main__":
    main()
