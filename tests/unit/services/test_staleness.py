"""What `stale_types` reads of an invoice: only the row's keys and `STALENESS_KEYS`.

Lists and the `stale` filter hand it invoices read with only those keys (db/invoice_reads.py), so a
read of any other key would judge a list's invoice on a value it does not have, silently. Here the
judgement runs over a whole stored invoice that records every key asked of it, on every path: each
copied part current and changed, the customer and the entity gone, acceptors named or not, markers
and stamps present or not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from invoicegraph.db.invoice_reads import COLUMN_FIELDS, STALENESS_KEYS, staleness_invoice
from invoicegraph.services.refresh.sources import Sources
from invoicegraph.services.staleness import Live, Marks, stale_types, stamp_read

from .refresh.support_refresh import invoice, party, refresh, sources

ROW_KEYS = frozenset({"id", "status", "type", "customer_id", "billing_entity_id"})
ACCEPTOR = {"id": "paya_1", "reference": "bank", "type": "BANK_TRANSFER", "details": {"iban": "NL00BANK0123456789"}}


class Recording(dict[str, Any]):
    """A dict that remembers every key asked of it."""

    asked: set[str]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.asked = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


def _stored(found: Sources) -> dict[str, Any]:
    stored = refresh(invoice("EUR", pricing_plan_subscription_ids=["psub_1"]), found)
    return stamp_read(stored, ("FULL",), datetime(2026, 12, 2, tzinfo=UTC))


def _cases() -> list[tuple[str, Live, Marks]]:
    """Each case with its name; `EXPECTED` holds what each is judged (so none passes by judging nothing)."""
    found = sources("NL", "NL", currency="EUR", subscription={"purchase_order_number": "PO-1"})
    later = datetime(2026, 12, 3, tzinfo=UTC)
    changed_customer = party("cust_1", "NL", email="new@example.com", custom_fields=[{"reference": "cc", "value": "1"}])
    return [
        ("current", Live(found.customer, found.billing_entity, list(found.subscriptions)), Marks()),
        ("changed copies", Live(changed_customer, party("enti_1", "DE"), [{"id": "psub_1", "purchase_order_number": "PO-2"}]), Marks()),
        ("records gone", Live(None, None, []), Marks()),
        (
            "acceptors named",
            Live(found.customer, found.billing_entity, [{"id": "psub_1", "payment_acceptor_ids": ["paya_1"]}], {"paya_1": ACCEPTOR}),
            Marks(),
        ),
        (
            "markers later",
            Live(found.customer, found.billing_entity, list(found.subscriptions)),
            Marks(tables={t: later + timedelta(hours=1) for t in ("tax_rate", "payment_acceptor")}, refreshed={"FULL": later}),
        ),
        (
            "markers earlier",
            Live(found.customer, found.billing_entity, list(found.subscriptions)),
            Marks(tables={"tax_rate": later - timedelta(days=9)}, usage=later - timedelta(days=9), refreshed={"TAX_RATES": later}),
        ),
    ]


@pytest.mark.parametrize(("name", "live", "marks"), _cases(), ids=[case[0] for case in _cases()])
def test_the_judgement_reads_only_the_row_and_the_staleness_keys(name: str, live: Live, marks: Marks) -> None:
    stored = Recording(_stored(sources("NL", "NL", currency="EUR", subscription={"purchase_order_number": "PO-1"})))
    stale_types(stored, live, marks)
    assert stored.asked <= ROW_KEYS | set(STALENESS_KEYS), stored.asked - ROW_KEYS - set(STALENESS_KEYS)


EXPECTED = {
    "current": [],
    "changed copies": ["FULL", "CUSTOMER", "BILLING_ENTITY", "CUSTOM_FIELD", "PO_NUMBER"],
    "records gone": ["FULL", "PO_NUMBER"],
    "acceptors named": ["FULL", "PAYMENT_ACCEPTOR", "PO_NUMBER"],
    "markers later": ["FULL", "PAYMENT_ACCEPTOR", "TAX_RATES"],
    "markers earlier": [],
}


@pytest.mark.parametrize(("name", "live", "marks"), _cases(), ids=[case[0] for case in _cases()])
def test_an_invoice_of_only_those_keys_is_judged_as_the_whole_invoice(name: str, live: Live, marks: Marks) -> None:
    stored = _stored(sources("NL", "NL", currency="EUR", subscription={"purchase_order_number": "PO-1"}))
    row = type("Row", (), {key: stored.get(key) for key in ROW_KEYS})()
    row.staleness_values = [stored.get(key) for key in STALENESS_KEYS]  # type: ignore[attr-defined]
    assert stale_types(staleness_invoice(row), live, marks) == stale_types(stored, live, marks) == EXPECTED[name]


def test_the_staleness_keys_are_document_keys_the_columns_never_override() -> None:
    assert not set(STALENESS_KEYS) & COLUMN_FIELDS
    assert ROW_KEYS <= COLUMN_FIELDS
