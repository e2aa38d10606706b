"""The subscription's sales tax percentage is a stored rate (docs/billing-decisions.md).

Regression: every refresh type re-read the subscription's `sales_tax_percentage` live, so changing it
from 8.875 to 6 made a PO_NUMBER-only refresh move a US invoice's total from 108.88 to 106.00, and the
invoice's `sales_tax_percentage` stayed null when the rate came from the subscription.
"""

from __future__ import annotations

from .support_refresh import invoice, refresh, sources, total


def test_9_17_a_po_number_refresh_keeps_the_sales_tax_percentage_the_invoice_stored() -> None:
    first = refresh(invoice("USD"), sources("US", "US", currency="USD", subscription={"sales_tax_percentage": "8.875"}))
    assert total(first) == "108.88"  # 100.00 + round(8.875) = 108.88

    lowered = sources("US", "US", currency="USD", subscription={"sales_tax_percentage": "6", "purchase_order_number": "PO-2"})
    after_po = refresh(first, lowered, "PO_NUMBER")
    assert after_po["purchase_order_number"] == "PO-2"
    assert total(after_po) == "108.88"
    assert after_po["sales_tax_percentage"] == "8.875"

    for types in (("TAX_RATES",), ("FULL",)):
        reread = refresh(after_po, lowered, *types)
        assert total(reread) == "106.00", types
        assert reread["sales_tax_percentage"] == "6", types


def test_9_17_the_invoice_shows_the_percentage_taken_from_the_subscription() -> None:
    stored = refresh(invoice("USD"), sources("US", "US", currency="USD", subscription={"sales_tax_percentage": "8.875"}))
    assert stored["sales_tax_percentage"] == "8.875"
    assert stored["tax_categories"][0]["percentage"] == "8.875"


def test_the_invoices_own_sales_tax_percentage_wins_and_is_kept_as_given() -> None:
    found = sources("US", "US", currency="USD", subscription={"sales_tax_percentage": "8.875"})
    stored = refresh(invoice("USD", sales_tax_percentage="7.250"), found)
    assert stored["sales_tax_percentage"] == "7.250"
    assert total(stored) == "107.25"
    assert total(refresh(stored, found, "TAX_RATES")) == "107.25"


def test_a_percentage_copied_from_the_subscription_is_dropped_when_sales_tax_no_longer_applies() -> None:
    found = sources("US", "US", currency="USD", subscription={"sales_tax_percentage": "8.875"})
    stored = refresh(invoice("USD"), found)
    moved = sources("US", "CA", currency="USD", subscription={"sales_tax_percentage": "8.875"})
    after = refresh(stored, moved, "CUSTOMER")
    assert after["tax_categories"][0]["category"] == "OUTSIDE_SCOPE"
    assert after["sales_tax_percentage"] is None
    assert total(after) == "100.00"
