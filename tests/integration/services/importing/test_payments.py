"""Payments in import files: money in, on issued invoices, append-only and idempotent by id, audited."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.services.importing import import_files
from tests.integration.services.importing.conftest import final_of, write

pytestmark = pytest.mark.asyncio

PAID = {"id": "paym_1", "amount": "143.50", "received_at": "2026-11-20T09:00:00Z"}


async def stored(db: Database) -> tuple[Any, list[Any], list[Any]]:
    async with db.read() as session:
        invoice = (await session.execute(select(tables.Invoice))).scalar_one()
        payments = list((await session.execute(select(tables.InvoicePayment).order_by(tables.InvoicePayment.id))).scalars())  # type: ignore[arg-type]
        audits = list((await session.execute(select(tables.InvoiceAuditRecord))).scalars())
    return invoice, payments, audits


async def problems(db: Database, tmp_path: Path, data: dict[str, Any], name: str, **options: Any) -> list[str]:
    report = await import_files(db, [write(tmp_path, data, name)], progress=False, **options)
    return [str(p) for f in report.files for p in f.problems]


def with_invoice(example: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(example)
    data["invoices"] = [final_of(example["invoices"][0], "143.50", **changes)]
    return data


async def test_a_recorded_payment_never_changes_or_disappears(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    assert await problems(db, tmp_path, with_invoice(example, payments=[PAID], paid=True), "paid.json") == []
    before, _, _ = await stored(db)

    # The case: `payments: []` used to delete the payment and leave paid=true with 0 paid.
    assert await problems(db, tmp_path, with_invoice(example, payments=[], paid=True), "forgotten.json") == []
    changed = {**PAID, "amount": "100.00"}
    assert await problems(db, tmp_path, with_invoice(example, payments=[changed]), "changed.json") == [
        "invoices[0].payments[0]: payment 'paym_1' is recorded (143.50 EUR received 2026-11-20T09:00:00Z) and never changes"
    ]
    later = {**PAID, "received_at": "2026-12-01T00:00:00Z"}
    assert await problems(db, tmp_path, with_invoice(example, payments=[later]), "later.json") == [
        "invoices[0].payments[0]: payment 'paym_1' is recorded (143.50 EUR received 2026-11-20T09:00:00Z) and never changes"
    ]

    invoice, payments, audits = await stored(db)
    assert [(p.id, p.amount) for p in payments] == [("paym_1", Decimal("143.50"))]
    assert (invoice.paid, invoice.paid_invoice_amount, invoice.version) == (True, Decimal("143.50"), before.version)
    assert invoice_row_to_dict(invoice)["payment_status"] == "PAID"
    assert audits == []  # stored with the invoice in one file: not a change to a locked invoice


@pytest.mark.parametrize("quantity", ["-5.00", "0.00", "0"])
async def test_a_payment_is_money_received(db: Database, example: dict[str, Any], tmp_path: Path, quantity: str) -> None:
    data = with_invoice(example, payments=[{**PAID, "amount": quantity}])
    shown = format(Decimal(quantity).quantize(Decimal("0.01")), "f")  # as the record normalizes it
    assert await problems(db, tmp_path, data, "negative.json") == [
        f"invoices[0].payments[0].amount: '{shown}' must be greater than 0: a payment records money received"
    ]


async def test_an_overpayment_needs_the_setting(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    huge = {**PAID, "amount": "999999999999999.99"}
    assert await problems(db, tmp_path, with_invoice(example, payments=[huge]), "huge.json") == [
        "invoices[0].payments: the payments would come to 999999999999999.99 EUR, more than the invoice total of 143.50 EUR; "
        "overpayments are accepted only with INVOICEGRAPH_ALLOW_OVERPAYMENT=true"
    ]
    async with db.read() as session:
        assert (await session.execute(select(tables.Invoice))).first() is None

    assert await problems(db, tmp_path, with_invoice(example, payments=[huge]), "allowed.json", allow_overpayment=True) == []
    invoice, _, _ = await stored(db)
    assert (invoice.paid, invoice_row_to_dict(invoice)["payment_status"]) == (True, "OVERPAID")


async def test_paid_follows_the_payments(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    assert await problems(db, tmp_path, with_invoice(example, paid=True), "claimed.json") == [
        "invoices[0].paid: is true, but the payments received (0.00 EUR) do not cover the total (143.50 EUR)"
    ]
    # Payments that cover the total make the invoice paid, whatever the file says.
    assert await problems(db, tmp_path, with_invoice(example, payments=[PAID], paid=False), "settled.json") == []
    invoice, _, _ = await stored(db)
    assert invoice.paid is True


@pytest.mark.parametrize("status", ["VOID", "DRAFT", "OPEN"])
async def test_an_invoice_that_is_not_issued_or_void_takes_no_payment(
    db: Database, example: dict[str, Any], tmp_path: Path, status: str
) -> None:
    data = with_invoice(example, status=status, invoice_number=None, payments=[PAID], paid=True)
    why = "expects no payment" if status == "VOID" else "has not been issued"
    found = await problems(db, tmp_path, data, "void.json")
    assert f"invoices[0].payments: a {status} invoice {why}: payments are recorded on FINAL or EMPTY invoices" in found
    assert f"invoices[0].paid: a {status} invoice {why}, so it cannot be paid" in found


async def test_payments_added_to_a_locked_invoice_are_audited_once(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    assert await problems(db, tmp_path, with_invoice(example), "final.json") == []
    before, _, _ = await stored(db)
    part = {**PAID, "id": "paym_part", "amount": "50.00"}
    rest = {**PAID, "id": "paym_rest", "amount": "93.50", "received_at": "2026-12-01T00:00:00Z"}

    assert await problems(db, tmp_path, with_invoice(example, payments=[part]), "part.json") == []
    assert await problems(db, tmp_path, with_invoice(example, payments=[part]), "part-again.json") == []  # idempotent
    assert await problems(db, tmp_path, with_invoice(example, payments=[rest]), "rest.json") == []  # the first one stays

    invoice, payments, audits = await stored(db)
    assert [p.id for p in payments] == ["paym_part", "paym_rest"]
    assert (invoice.paid, invoice.paid_invoice_amount, invoice.version) == (True, Decimal("143.50"), before.version + 2)
    audits.sort(key=lambda a: a.version_before)
    assert [(a.action, a.actor, a.status, a.version_before, a.version_after) for a in audits] == [
        ("PAYMENTS_RECORDED", "import:part.json", "FINAL", before.version, before.version + 1),
        ("PAYMENTS_RECORDED", "import:rest.json", "FINAL", before.version + 1, before.version + 2),
    ]
    assert audits[1].changes == [
        {"path": "payments.paym_rest", "before": None, "after": {**rest, "amount": {"quantity": "93.50", "currency": "EUR"},
                                                                 "payment_acceptor_id": None, "reference": None}},
        {"path": "paid_invoice_amount.quantity", "before": "50.00", "after": "143.50"},
        {"path": "paid", "before": False, "after": True},
    ]  # fmt: skip


async def test_a_payment_id_recorded_on_another_invoice_is_refused(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    assert await problems(db, tmp_path, with_invoice(example, payments=[PAID]), "first.json") == []
    other = with_invoice(example, id="invo_other", invoice_number="INV-8", payments=[PAID])

    assert await problems(db, tmp_path, other, "other.json") == [
        "invoices[0].payments[0].id: payment 'paym_1' is recorded on invoice 'invo_globex_2026_11'"
    ]
