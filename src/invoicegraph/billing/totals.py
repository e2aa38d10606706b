"""Invoice totals (docs/billing-decisions.md): the tax summary, open / closed amounts, payment status.

Open and closed follow the vendor's formulas as written: open = max(total − paid, 0), closed = total − open,
so a credit invoice (negative total) has nothing open and its whole total closed. Its payment status
compares absolute values, as the vendor's rule says for credit invoices: a credit of -100.00 with 40.00 refunded is
PARTIALLY_PAID.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, localcontext
from typing import Any, NamedTuple

from invoicegraph.billing.money import CONTEXT, amount, printed_amount, round_money
from invoicegraph.billing.tax import TaxedLine

UNPAID = "UNPAID"
PARTIALLY_PAID = "PARTIALLY_PAID"
PAID = "PAID"
OVERPAID = "OVERPAID"


def tax_summary(lines: Iterable[TaxedLine], country_code: str, notes: Sequence[str], currency: str) -> dict[str, Any]:
    """InvoiceTaxTotalSummary: base = Σ net, tax = Σ tax, total = base + tax."""
    base = Decimal(0)
    tax = Decimal(0)
    with localcontext(CONTEXT):
        for line in lines:
            base += line.net
            tax += line.tax
        total = base + tax
    return {
        "base_amount": amount(base, currency),
        "tax_amount": amount(tax, currency),
        "total_amount": amount(total, currency),
        "local_amounts": None,
        "notes": list(notes),
        "country_code": country_code,
    }


def payment_status(total: Decimal, paid: Decimal) -> str:
    """The payment status table, on absolute values so that credit invoices read the same way."""
    total, paid = total.copy_abs(), paid.copy_abs()  # abs() would round to the context's 28 digits
    if total.is_zero():
        return PAID
    if paid.is_zero():
        return UNPAID
    if paid < total:
        return PARTIALLY_PAID
    if paid == total:
        return PAID
    return OVERPAID


class Balance(NamedTuple):
    """An invoice's balance; every amount is rounded to the currency's minor unit (`balance` makes them).

    A named tuple rather than a frozen dataclass: made for every invoice row read, and a frozen
    dataclass's `__init__` costs twice as much."""

    total: Decimal
    paid: Decimal
    open: Decimal
    closed: Decimal
    payment_status: str


def balance(total: Decimal, paid: Decimal, currency: str) -> Balance:
    """open = max(total - paid, 0) and closed = total - open (docs/billing-decisions.md, docs/rest.md).

    Exact for any stored amount: the subtractions run in the engine's wide context, not the default
    28 digits, because this also runs outside the engine (reading a stored invoice)."""
    total = round_money(total, currency)
    paid = round_money(paid, currency)
    # The context's own methods, not `with localcontext(CONTEXT)`: the same arithmetic, without a
    # context switch per call (this runs for every invoice row a list reads).
    open_ = max(CONTEXT.subtract(total, paid), Decimal(0))
    closed = CONTEXT.subtract(total, open_)
    return Balance(total, paid, round_money(open_, currency), round_money(closed, currency), payment_status(total, paid))


def balance_fields(result: Balance, currency: str) -> dict[str, Any]:
    # A Balance's amounts are rounded to the minor unit already (`balance` makes them so): printed as they are.
    return {
        "invoice_amount_including_tax": printed_amount(result.total, currency),
        "paid_invoice_amount": printed_amount(result.paid, currency),
        "open_invoice_amount": printed_amount(result.open, currency),
        "closed_invoice_amount": printed_amount(result.closed, currency),
        "payment_status": result.payment_status,
    }
