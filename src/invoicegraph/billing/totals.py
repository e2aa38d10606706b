"""Invoice totals (billing-engine.md §8): the tax summary, open / closed amounts, payment status.

Open and closed follow §8's formulas as written: open = max(total − paid, 0), closed = total − open,
so a credit invoice (negative total) has nothing open and its whole total closed. Its payment status
compares absolute values, as §8 says for credit invoices: a credit of -100.00 with 40.00 refunded is
PARTIALLY_PAID.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from invoicegraph.billing.money import amount, round_money
from invoicegraph.billing.tax import TaxedLine

UNPAID = "UNPAID"
PARTIALLY_PAID = "PARTIALLY_PAID"
PAID = "PAID"
OVERPAID = "OVERPAID"


def tax_summary(lines: Iterable[TaxedLine], country_code: str, notes: Sequence[str], currency: str) -> dict[str, Any]:
    """InvoiceTaxTotalSummary: base = Σ net, tax = Σ tax, total = base + tax."""
    base = Decimal(0)
    tax = Decimal(0)
    for line in lines:
        base += line.net
        tax += line.tax
    return {
        "base_amount": amount(base, currency),
        "tax_amount": amount(tax, currency),
        "total_amount": amount(base + tax, currency),
        "local_amounts": None,
        "notes": list(notes),
        "country_code": country_code,
    }


def payment_status(total: Decimal, paid: Decimal) -> str:
    """The §8 table, on absolute values so that credit invoices read the same way."""
    total, paid = abs(total), abs(paid)
    if total.is_zero():
        return PAID
    if paid.is_zero():
        return UNPAID
    if paid < total:
        return PARTIALLY_PAID
    if paid == total:
        return PAID
    return OVERPAID


@dataclass(frozen=True)
class Balance:
    total: Decimal
    paid: Decimal
    open: Decimal
    closed: Decimal
    payment_status: str


def balance(total: Decimal, paid: Decimal, currency: str) -> Balance:
    """open = max(total - paid, 0) and closed = total - open (billing-engine.md §8, field-mapping.md)."""
    total = round_money(total, currency)
    paid = round_money(paid, currency)
    open_ = max(total - paid, Decimal(0))
    return Balance(total, paid, open_, round_money(total - open_, currency), payment_status(total, paid))


def balance_fields(result: Balance, currency: str) -> dict[str, Any]:
    return {
        "invoice_amount_including_tax": amount(result.total, currency),
        "paid_invoice_amount": amount(result.paid, currency),
        "open_invoice_amount": amount(result.open, currency),
        "closed_invoice_amount": amount(result.closed, currency),
        "payment_status": result.payment_status,
    }
