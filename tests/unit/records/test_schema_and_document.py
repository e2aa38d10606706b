"""The shipped JSON Schema and the invoice row ↔ dict mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.records.invoice import InvoiceRecord
from invoicegraph.records.invoice_document import invoice_dict_to_row_values
from invoicegraph.records.jsonschema import SCHEMA_PATH, import_schema, render

EXAMPLE = Path(__file__).parents[2] / "integration" / "services" / "importing" / "fixtures" / "example.json"
DEMO = Path(__file__).parents[3] / "src" / "invoicegraph" / "demo" / "data" / "demo.json"


def test_the_shipped_schema_is_the_generated_one() -> None:
    # Regenerate with: python -m invoicegraph.records.jsonschema > src/invoicegraph/records/import-schema.json
    assert SCHEMA_PATH.read_text() == render()


def test_the_example_and_the_demo_data_match_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(import_schema())
    for path in (EXAMPLE, DEMO):
        assert list(validator.iter_errors(json.loads(path.read_text()))) == []


def test_the_schema_refuses_what_the_import_refuses() -> None:
    validator = jsonschema.Draft202012Validator(import_schema())
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    data["pricing_plans"][0]["items"][0]["price"] = 49.0
    data["pricing_plans"][0]["items"][1]["model"] = "PACKAGE"
    del data["format"]
    errors = {e.json_path for e in validator.iter_errors(data)}
    assert errors == {"$", "$.pricing_plans[0].items[0].price", "$.pricing_plans[0].items[1]"}


def test_an_invoice_survives_the_row_and_back() -> None:
    record = InvoiceRecord.model_validate(json.loads(EXAMPLE.read_text())["invoices"][0])
    invoice = record.model_dump(mode="json")
    del invoice["payments"]
    invoice |= {"created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-02T00:00:00Z", "version": 3}
    values = invoice_dict_to_row_values(invoice)
    assert values["invoice_date"] == datetime(2026, 12, 1, tzinfo=UTC)
    assert "periods" in values["document"]
    assert "status" not in values["document"]
    row = SimpleNamespace(**(values | {"paid_invoice_amount": Decimal("0")}))

    again = invoice_row_to_dict(row)

    derived = {
        "object_type",
        "paid_invoice_amount",
        "open_invoice_amount",
        "closed_invoice_amount",
        "payment_status",
        "has_usage_based_pricing",
        "linked_invoices_ids",
        "to_be_reprocessed",
        "to_be_reprocessed_at",
    }
    assert {k: v for k, v in again.items() if k not in derived} == invoice
    assert again["payment_status"] == "PAID"  # a zero total counts as paid (docs/billing-decisions.md)
    assert again["open_invoice_amount"] == {"quantity": "0.00", "currency": "EUR"}
