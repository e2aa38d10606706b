"""Computed parts of a closed (FINAL/EMPTY/VOID) invoice for demo and synthetic files.

A small, self-contained version of the tax and total arithmetic of docs/billing-decisions.md (EXCLUDING_TAX:
tax per (category, percentage) on the group sum, spread over the lines by largest remainder), so that
generated closed invoices carry amounts that add up. It is not the billing engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


@dataclass(frozen=True)
class Line:
    product_id: str
    description: str
    net: Decimal
    category: str  # tax treatment written on the invoice: STANDARD, REDUCED, REVERSE_CHARGE, …
    percentage: Decimal
    tax_name: str


def _amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"quantity": format(value.quantize(Decimal("0.01")), "f"), "currency": currency}


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def closed_parts(lines: list[Line], *, currency: str, country: str, start_at: str, end_at: str, explicit: bool) -> dict[str, Any]:
    """periods, tax_categories, tax_summary and invoice_amount_including_tax for the given lines
    (one period, one group; EUR-like currencies with 2 decimals)."""
    taxes: dict[tuple[str, Decimal], list[int]] = {}
    for index, line in enumerate(lines):
        taxes.setdefault((line.category, line.percentage), []).append(index)
    line_tax = [Decimal(0)] * len(lines)
    summaries = []
    for (category, percentage), members in taxes.items():
        base = sum((lines[i].net for i in members), Decimal(0))
        tax = _round(base * percentage / 100)
        exact = [lines[i].net * percentage / 100 for i in members]
        floors = [e.quantize(Decimal("0.01"), rounding="ROUND_FLOOR") for e in exact]
        rest = int((tax - sum(floors, Decimal(0))) / Decimal("0.01"))
        order = sorted(range(len(members)), key=lambda k: (floors[k] - exact[k], k))
        for rank, k in enumerate(order):
            line_tax[members[k]] = floors[k] + (Decimal("0.01") if rank < rest else Decimal(0))
        summaries.append(
            {
                "base_amount": _amount(base, currency),
                "tax_amount": _amount(tax, currency),
                "total_amount": _amount(base + tax, currency),
                "percentage": format(percentage, "f"),
                "name": lines[members[0]].tax_name,
                "category": category,
                "notes": [],
                "rates": [],
            }
        )
    base_total = sum((line.net for line in lines), Decimal(0))
    tax_total = sum(line_tax, Decimal(0))
    invoice_lines = []
    for index, line in enumerate(lines):
        entry: dict[str, Any] = {
            "line_order": index,
            "description": line.description,
            "type": "REVENUE",
            "amount_excluding_tax": _amount(line.net, currency),
            "amount_including_tax": _amount(line.net + line_tax[index], currency),
        }
        if explicit:
            entry |= {"product_id": line.product_id, "amount": _amount(line.net, currency)}
        invoice_lines.append(entry)
    excl, incl = _amount(base_total, currency), _amount(base_total + tax_total, currency)
    group = {
        "group_order": 0,
        "amount_excluding_tax": excl,
        "amount_including_tax": incl,
        "tax_categories": summaries,
        "lines": invoice_lines,
    }
    period = {
        "period_order": 0,
        "start_at": start_at,
        "end_at": end_at,
        "amount_excluding_tax": excl,
        "amount_including_tax": incl,
        "tax_categories": summaries,
        "groups": [group] if lines else [],
    }
    return {
        "periods": [period],
        "tax_categories": summaries,
        "tax_summary": {
            "base_amount": excl,
            "tax_amount": _amount(tax_total, currency),
            "total_amount": incl,
            "notes": [],
            "country_code": country,
        },
        "invoice_amount_including_tax": incl,
    }
