"""An invoice dict (the vendor's Invoice JSON, normalized) → the `invoice` row's values.

The row lifts a few columns for filtering, ordering and locking; `document` keeps everything else.
Fields derived from the row (object_type, open/closed amounts, payment status, usage flag, deprecated
aliases) are not stored: `db.invoice_reads.invoice_row_to_dict` computes them on the way out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from invoicegraph.billing.instants import parse_instant

# Columns of `invoice` that hold a field of the dict, and how the field is written.
_TEXT_COLUMNS = ("id", "platform_id", "invoice_number", "status", "type", "customer_id", "billing_entity_id", "billing_currency")
_BOOL_COLUMNS = ("on_hold", "paid")
_INSTANT_COLUMNS = ("invoice_date", "due_date", "created_at", "updated_at")
_AMOUNT_COLUMNS = ("invoice_amount_including_tax", "paid_invoice_amount")
DERIVED_FIELDS = frozenset(
    {
        "object_type",
        "open_invoice_amount",
        "closed_invoice_amount",
        "payment_status",
        "has_usage_based_pricing",
        "linked_invoices_ids",
        "to_be_reprocessed",
        "to_be_reprocessed_at",
    }
)
LIFTED_FIELDS = frozenset({*_TEXT_COLUMNS, *_BOOL_COLUMNS, *_INSTANT_COLUMNS, *_AMOUNT_COLUMNS, "version"})


def invoice_dict_to_row_values(invoice: dict[str, Any]) -> dict[str, Any]:
    """Column values (Python types) plus `document` for a normalized invoice dict."""
    values: dict[str, Any] = {name: invoice.get(name) for name in _TEXT_COLUMNS}
    for name in _BOOL_COLUMNS:
        values[name] = bool(invoice.get(name, False))
    for name in _INSTANT_COLUMNS:
        raw = invoice.get(name)
        values[name] = parse_instant(raw) if raw is not None else None
    for name in _AMOUNT_COLUMNS:
        amount = invoice.get(name)
        values[name] = Decimal(amount["quantity"]) if amount else Decimal(0)
    if invoice.get("version") is not None:
        values["version"] = invoice["version"]
    values["document"] = {k: v for k, v in invoice.items() if k not in LIFTED_FIELDS and k not in DERIVED_FIELDS}
    return values
