"""Totals and payment status (docs/billing-decisions.md)."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicegraph.billing.totals import balance, payment_status

from .factories import derive, examples, q, tax_facts


@pytest.mark.parametrize(
    ("total", "paid", "status"),
    [
        ("0.00", "0.00", "PAID"),
        ("0.00", "5.00", "PAID"),
        ("121.00", "0.00", "UNPAID"),
        ("121.00", "21.00", "PARTIALLY_PAID"),
        ("121.00", "121.00", "PAID"),
        ("121.00", "200.00", "OVERPAID"),
        ("-100.00", "0.00", "UNPAID"),
        ("-100.00", "40.00", "PARTIALLY_PAID"),
        ("-100.00", "-100.00", "PAID"),
        ("-100.00", "100.00", "PAID"),
        ("-100.00", "150.00", "OVERPAID"),
    ],
)
def test_payment_status_table(total: str, paid: str, status: str) -> None:
    assert payment_status(D(total), D(paid)) == status


def test_open_and_closed_amounts() -> None:
    result = balance(D("121.00"), D("21.00"), "EUR")
    assert (result.open, result.closed) == (D("100.00"), D("21.00"))
    overpaid = balance(D("121.00"), D("200.00"), "EUR")
    assert (overpaid.open, overpaid.closed) == (D("0.00"), D("121.00"))


def test_credit_invoice_status_uses_absolute_values_and_nothing_stays_open() -> None:
    untouched = balance(D("-100.00"), D("0"), "EUR")
    assert (untouched.open, untouched.closed, untouched.payment_status) == (D("0.00"), D("-100.00"), "UNPAID")
    refunded = balance(D("-100.00"), D("40.00"), "EUR")
    assert (refunded.open, refunded.closed, refunded.payment_status) == (D("0.00"), D("-100.00"), "PARTIALLY_PAID")


def test_invoice_totals_follow_the_tax_summary() -> None:
    invoice = derive(["100.00"], paid="21.00")
    assert q(invoice.invoice_amount_including_tax) == q(invoice.tax_summary["total_amount"]) == "121.00"
    assert (q(invoice.paid_invoice_amount), q(invoice.open_invoice_amount), q(invoice.closed_invoice_amount)) == (
        "21.00",
        "100.00",
        "21.00",
    )
    assert invoice.payment_status == "PARTIALLY_PAID"


def test_credit_invoice_lines_keep_their_sign_through_tax() -> None:
    invoice = derive(["-100.00", "-0.05"], tax=tax_facts())
    assert (q(invoice.tax_summary["base_amount"]), q(invoice.tax_summary["tax_amount"])) == ("-100.05", "-21.01")
    assert invoice.payment_status == "UNPAID"
    assert (q(invoice.open_invoice_amount), q(invoice.closed_invoice_amount)) == ("0.00", "-121.06")  # max(total - paid, 0)


def test_jpy_and_bhd_invoices_print_their_minor_units() -> None:
    jpy = derive(["1000", "333"], currency="JPY")
    assert jpy.tax_summary["total_amount"] == {"quantity": "1613", "currency": "JPY"}  # 1333 + round(279.93)
    bhd = derive(["10.005"], currency="BHD", tax=tax_facts("US", "US", invoice_pct="10"))
    assert bhd.tax_summary["tax_amount"] == {"quantity": "1.001", "currency": "BHD"}  # 1.0005 half-up
    assert bhd.tax_summary["total_amount"]["quantity"] == "11.006"


# Amounts the NUMERIC(38, 12) columns hold: up to 26 digits before the point. Minor units as integers,
# so the expected values are exact whatever the decimal context of the test.
_STORABLE_CENTS = st.integers(min_value=-(10**28) + 1, max_value=10**28 - 1)


def cents(count: int) -> D:
    return D(f"{count}e-2")  # the constructor is exact in any context (scaleb would round)


@settings(max_examples=examples(300), deadline=None)
@given(_STORABLE_CENTS, _STORABLE_CENTS)
def test_open_and_closed_are_exact_for_every_storable_amount(total_cents: int, paid_cents: int) -> None:
    # balance() is also called outside the engine (reading a stored invoice), in the default
    # 28-digit context: it must not round there.
    result = balance(cents(total_cents), cents(paid_cents), "EUR")
    open_cents = max(total_cents - paid_cents, 0)
    assert (result.open, result.closed) == (cents(open_cents), cents(total_cents - open_cents))


def test_a_total_beyond_28_digits_keeps_its_last_cents_when_read() -> None:
    total = D("1000000000000000000000000003.63")  # 30 significant digits
    result = balance(total, D("0.00"), "EUR")
    assert (result.open, result.closed, result.payment_status) == (total, D("0.00"), "UNPAID")


def test_payment_status_compares_large_amounts_exactly() -> None:
    # abs() rounds to the context's 28 digits: these two would compare equal (PAID) there.
    assert payment_status(D("-1000000000000000000000000003.63"), D("1000000000000000000000000003.62")) == "PARTIALLY_PAID"
