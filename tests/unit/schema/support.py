"""The data set of the schema tests, loaded for real, and a recorder of the statements a request runs.

The example import file (tests/support/data.py) plus a second customer and a FINAL invoice imported
with its stored parts (lines with a usage snapshot, payment actions, coupons, promotion codes, links,
a reprocess) — the parts the billing engine recomputes on a DRAFT, kept as imported on a FINAL one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from invoicegraph.db.engine import Database
from tests.support.data import INVOICE_ID, example, record

FINAL_ID = "invo_globex_2026_10"
# A customer id the FINAL invoice names but no import created: a live record that is gone.
GONE_CUSTOMER = "cust_gone"


def _eur(quantity: str) -> dict[str, str]:
    return {"quantity": quantity, "currency": "EUR"}


def schema_data() -> dict[str, Any]:
    data = example()
    draft = record(data, "invoices", INVOICE_ID)
    data["customers"].append({**data["customers"][0], "id": "cust_initech", "reference": "initech", "custom_fields": []})
    line = {
        "description": "API calls",
        "type": "REVENUE",
        "pricing_type": "PER_UNIT",
        "amount_excluding_tax": _eur("94.50"),
        "amount_including_tax": _eur("114.35"),
        "meter_value": {"reference": "calls", "type": "NUMBER", "number": "9450", "meter_value_id": "metv_calls"},
    }
    final = {
        **draft,
        "id": FINAL_ID,
        "status": "FINAL",
        "invoice_number": "INV-2026-10",
        # Given with an offset; clients get UTC.
        "invoice_date": "2026-11-01T01:00:00+01:00",
        "due_date": None,
        "billing_period_date": "2026-10-01",
        "sales_tax_percentage": "21.00",
        "invoice_amount_including_tax": _eur("114.35"),
        "periods": [
            {
                "start_at": "2026-10-01T00:00:00Z",
                "end_at": "2026-11-01T00:00:00Z",
                "amount_excluding_tax": _eur("94.50"),
                "amount_including_tax": _eur("114.35"),
                "groups": [{"amount_excluding_tax": _eur("94.50"), "amount_including_tax": _eur("114.35"), "lines": [line]}],
            }
        ],
        "notes": ["Thank you"],
        "payment_acceptor_ids": ["paya_bank"],
        "payment_actions": [{"payment_acceptor_id": "paya_bank", "type": "BANK_ACCOUNT", "bank_account": {"iban": "NL91ABNA0417164300"}}],
        "processing_only_customer_ids": ["cust_initech", GONE_CUSTOMER],
        "forwarded_from_customer_ids": ["cust_initech"],
        "meter_value_ids": ["metv_calls"],
        "coupons": [{"coupon_id": "coup_launch", "coupon_name": "Launch 20%"}, {"coupon_id": None, "coupon_name": "Legacy"}],
        "promotion_codes": [{"promotion_code_details": {"promotion_code_id": "prom_ten", "code": "TENOFF"}, "coupon_id": "coup_launch"}],
        "reprocess": {"to_be_reprocessed_at": "2026-11-05T00:00:00Z", "reprocess_status": "PENDING", "reprocess_id": "rp_1"},
        "linked_invoices": [{"id": INVOICE_ID, "link_type": "CREDITS", "amount": _eur("-5.00"), "invoice_number": "INV-0"}],
    }
    data["invoices"].append(final)
    return data


# Any table but the credential's: whether a request checks its key in the database (or in a cache)
# is not what the loader tests count.
DATA_TABLES = r"(?!api_key\b)\w+"


@contextmanager
def reads_of(database: Database, table: str) -> Iterator[list[dict[str, Any]]]:
    """The statement and parameters of every read of `table` (a name or a pattern) while the block
    runs (SQLite: one engine)."""
    seen: list[dict[str, Any]] = []
    pattern = re.compile(rf"\bFROM {table}\b")

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if pattern.search(statement):
            seen.append({"statement": statement, "parameters": parameters})

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def parameter_values(parameters: object) -> list[object]:
    """The values bound to a statement, whatever the driver's parameter style (SQLite: a tuple)."""
    if isinstance(parameters, dict):
        return list(parameters.values())
    if isinstance(parameters, list | tuple):
        return list(parameters)
    return [parameters]
