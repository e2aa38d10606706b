"""Reading invoices: the columns to select and how a row becomes the vendor-shaped Invoice dict."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import col

from invoicegraph.billing.instants import format_instant
from invoicegraph.billing.totals import balance, balance_fields
from invoicegraph.db.tables import Invoice
from invoicegraph.db.types import JsonType
from invoicegraph.records.served import served_form

# The columns a read needs (Core rows, not ORM objects: no identity map, no change tracking).
INVOICE_COLUMNS = (
    col(Invoice.id),
    col(Invoice.platform_id),
    col(Invoice.version),
    col(Invoice.invoice_number),
    col(Invoice.status),
    col(Invoice.type),
    col(Invoice.customer_id),
    col(Invoice.billing_entity_id),
    col(Invoice.billing_currency),
    col(Invoice.invoice_date),
    col(Invoice.due_date),
    col(Invoice.on_hold),
    col(Invoice.paid),
    col(Invoice.invoice_amount_including_tax),
    col(Invoice.paid_invoice_amount),
    col(Invoice.created_at),
    col(Invoice.updated_at),
    col(Invoice.document),
)

# How much of an invoice a read needs (a GraphQL selection decides, see resolvers/invoice_shape.py):
# - "document": the whole vendor Invoice (the stored document with the columns authoritative);
# - "stale": the lifted columns and the document's `STALENESS_KEYS`, which the database extracts, so
#   that judging staleness never decodes a whole document (its lines are most of it);
# - "columns": the lifted columns only, without reading or decoding the document;
# - "keys": nothing but what a cursor needs.
InvoiceShape = Literal["document", "stale", "columns", "keys"]
# The shapes that read the document: a page of them sorts and cuts its keys first (db/invoice_queries.py).
READS_DOCUMENT: frozenset[InvoiceShape] = frozenset({"document", "stale"})
COLUMN_ONLY = INVOICE_COLUMNS[:-1]
# What `Invoice.staleSources` and the `stale` filter read of an invoice beyond the lifted columns
# (services/staleness.py): the copies a refresh would take again, and the instants it last read them.
# A test holds the judgement to these keys (tests/unit/services/test_staleness.py).
STALENESS_KEYS = (
    "customer_details",
    "customer_reference",
    "processing_only_customer_ids",
    "forwarded_from_customer_ids",
    "billing_entity_details",
    "custom_fields",
    "other_custom_fields",
    "purchase_order_number",
    "payment_acceptor_ids",
    "payment_actions",
    "pay_invoice_link",
    "pricing_plan_subscription_ids",
    "sources_read_at",
)
# The Invoice keys `invoice_columns_to_dict` fills (Python names of the GraphQL fields).
COLUMN_FIELDS = frozenset(
    {
        "id",
        "object_type",
        "platform_id",
        "version",
        "invoice_number",
        "status",
        "type",
        "customer_id",
        "billing_entity_id",
        "billing_currency",
        "invoice_date",
        "due_date",
        "on_hold",
        "paid",
        "created_at",
        "updated_at",
        "invoice_amount_including_tax",
        "paid_invoice_amount",
        "open_invoice_amount",
        "closed_invoice_amount",
        "payment_status",
    }
)


def select_invoices() -> Select[Any]:
    return select(*INVOICE_COLUMNS)


def _instant(value: datetime | None) -> str | None:
    return format_instant(value) if value is not None else None


def invoice_row_to_dict(row: Any) -> dict[str, Any]:
    """The whole vendor Invoice dict: the stored document, with the columns authoritative."""
    invoice: dict[str, Any] = dict(row.document)
    invoice.update(invoice_columns_to_dict(row))
    reprocess = invoice.get("reprocess") or {}
    invoice["to_be_reprocessed_at"] = reprocess.get("to_be_reprocessed_at")
    invoice["to_be_reprocessed"] = invoice["to_be_reprocessed_at"] is not None
    invoice["linked_invoices_ids"] = [link.get("id") for link in invoice.get("linked_invoices", []) if link.get("id")]
    invoice["has_usage_based_pricing"] = any(
        line.get("meter_value") is not None
        for period in invoice.get("periods") or []
        for group in period.get("groups") or []
        for line in group.get("lines") or []
    )
    return invoice


def served_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """`served` and `served_places` of an invoice row whose other columns are `values` (as written).

    Computed from the row, not from the dict that was saved: the body is what a read of the row gives.
    """
    served, places = served_form(invoice_row_to_dict(SimpleNamespace(**values)))
    return {"served": served, "served_places": places}


def invoice_columns_to_dict(row: Any) -> dict[str, Any]:
    """The Invoice keys that come from the lifted columns alone (`COLUMN_FIELDS`)."""
    currency = row.billing_currency
    invoice = {
        "id": row.id,
        "object_type": "INVOICE",
        "platform_id": row.platform_id,
        "version": row.version,
        "invoice_number": row.invoice_number,
        "status": row.status,
        "type": row.type,
        "customer_id": row.customer_id,
        "billing_entity_id": row.billing_entity_id,
        "billing_currency": currency,
        "invoice_date": _instant(row.invoice_date),
        "due_date": _instant(row.due_date),
        "on_hold": row.on_hold,
        "paid": row.paid,
        "created_at": _instant(row.created_at),
        "updated_at": _instant(row.updated_at),
    }
    invoice.update(balance_fields(balance(row.invoice_amount_including_tax, row.paid_invoice_amount, currency), currency))
    return invoice


def _staleness_values(dialect: str) -> ColumnElement[Any]:
    """The document's `STALENESS_KEYS` as one JSON array, in that order (a missing key is null).

    The database parses the document once and sends only these values: on the bench's drafts about
    1 KB of a 6 KB document.
    """
    document = col(Invoice.document)
    if dialect == "postgresql":
        values = [document.op("->", return_type=JSONB)(key) for key in STALENESS_KEYS]
        return func.jsonb_build_array(*values, type_=JsonType).label("staleness_values")
    # SQLite's json_extract with several paths answers the array of their values.
    return func.json_extract(document, *(f'$."{key}"' for key in STALENESS_KEYS), type_=JsonType).label("staleness_values")


def staleness_columns(dialect: str) -> tuple[Any, ...]:
    """What judging an invoice's staleness reads of its row, and nothing else (`staleness_invoice`)."""
    return (
        col(Invoice.id),
        col(Invoice.status),
        col(Invoice.type),
        col(Invoice.customer_id),
        col(Invoice.billing_entity_id),
        _staleness_values(dialect),
    )


def staleness_invoice(row: Any) -> dict[str, Any]:
    """The invoice keys of a `staleness_columns` row: enough for services/staleness.py, not for an answer."""
    keys = {
        "id": row.id,
        "status": row.status,
        "type": row.type,
        "customer_id": row.customer_id,
        "billing_entity_id": row.billing_entity_id,
    }
    return _with_staleness_values(keys, row)


def _with_staleness_values(invoice: dict[str, Any], row: Any) -> dict[str, Any]:
    """`invoice` with the row's extracted `staleness_values` under their keys."""
    invoice.update(zip(STALENESS_KEYS, row.staleness_values, strict=True))
    return invoice


def shape_columns(shape: InvoiceShape, dialect: str) -> tuple[Any, ...]:
    if shape == "keys":
        return (col(Invoice.id), col(Invoice.customer_id))
    if shape == "stale":
        return (*COLUMN_ONLY, _staleness_values(dialect))
    return COLUMN_ONLY if shape == "columns" else INVOICE_COLUMNS


def shaped_invoice(row: Any, shape: InvoiceShape) -> dict[str, Any] | None:
    if shape == "keys":
        return None
    if shape == "stale":
        return _with_staleness_values(invoice_columns_to_dict(row), row)
    return invoice_columns_to_dict(row) if shape == "columns" else invoice_row_to_dict(row)


def invoice_rows_to_dicts(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [invoice_row_to_dict(row) for row in rows]
