"""Totals and payment status (billing-engine.md §8)."""

from decimal import Decimal as D

import pytest

from invoicegraph.billing.totals import balance, payment_status

from .factories import derive, q, tax_facts


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
