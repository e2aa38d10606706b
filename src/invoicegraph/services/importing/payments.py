"""Payments received, as an import records them: money in, on issued invoices, never rewritten.

- A payment is recorded on a FINAL or EMPTY invoice (an issued one); an OPEN or DRAFT invoice has not
  been sent, and a VOID one expects no payment (docs/importing.md), so their records carry none and are
  not `paid`.
- Its amount is greater than 0: a payment records money received (a refund is a credit invoice).
- Payments are append-only and idempotent by id: a file may repeat a recorded payment exactly as it
  is, add new ones, or leave recorded ones out; a recorded payment never changes and never disappears.
- The payments of an invoice do not exceed its total unless `INVOICEGRAPH_ALLOW_OVERPAYMENT` is on.
- `paid` follows the money: an invoice whose payments cover its total is paid; a file that says `paid`
  without payments that cover a non-zero total is refused.

The first pass checks each record alone (`record_problems`); the second, with the stored payments of a
batch beside it (`PaymentBook`, `settle`). Each problem is at its path and fails the whole file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.billing.instants import format_instant, parse_instant
from invoicegraph.billing.money import amount, exact_sum
from invoicegraph.db import tables
from invoicegraph.ids import new_id
from invoicegraph.records.invoice import InvoiceRecord
from invoicegraph.records.problems import Problem, json_path

PAYABLE = frozenset({"FINAL", "EMPTY"})
CHUNK = 500
Loc = tuple[str | int, ...]
Key = tuple[str, str]


def record_problems(invoice: InvoiceRecord) -> Iterator[tuple[Loc, str]]:
    """What a record's payments break by themselves (pass 1), paths relative to the invoice."""
    if invoice.status not in PAYABLE:
        why = "expects no payment" if invoice.status == "VOID" else "has not been issued"
        if invoice.payments:
            yield ("payments",), f"a {invoice.status} invoice {why}: payments are recorded on FINAL or EMPTY invoices"
        if invoice.paid:
            yield ("paid",), f"a {invoice.status} invoice {why}, so it cannot be paid"
    for index, payment in enumerate(invoice.payments):
        if Decimal(payment.amount.quantity) <= 0:
            yield ("payments", index, "amount"), f"{payment.amount.quantity!r} must be greater than 0: a payment records money received"


@dataclass
class PaymentBook:
    """The stored payments of a batch of invoices: per invoice, and those of its ids recorded elsewhere."""

    of_invoice: dict[Key, dict[str, Any]] = field(default_factory=dict)
    # (platform, payment id) -> the other invoice it is recorded on.
    elsewhere: dict[Key, str] = field(default_factory=dict)


async def load_payments(session: AsyncSession, records: Sequence[InvoiceRecord]) -> PaymentBook:
    book = PaymentBook()
    table: Any = tables.InvoicePayment
    invoices = list(dict.fromkeys((r.platform_id, r.id) for r in records))
    for start in range(0, len(invoices), CHUNK):
        rows = await session.execute(
            select(table.__table__).where(tuple_(table.platform_id, table.invoice_id).in_(invoices[start : start + CHUNK]))
        )
        for row in rows.mappings():
            book.of_invoice.setdefault((row["platform_id"], row["invoice_id"]), {})[row["id"]] = row
    owners = {(r.platform_id, p.id): r.id for r in records for p in r.payments}
    wanted = list(owners)
    for start in range(0, len(wanted), CHUNK):
        rows = await session.execute(
            select(table.platform_id, table.id, table.invoice_id).where(
                tuple_(table.platform_id, table.id).in_(wanted[start : start + CHUNK])
            )
        )
        for platform_id, payment_id, invoice_id in rows:
            if owners[(platform_id, payment_id)] != invoice_id:
                book.elsewhere[(platform_id, payment_id)] = invoice_id
    return book


@dataclass
class Settled:
    """An invoice's payments after the file: rows to add, and what `paid` and the paid amount become."""

    new_rows: list[dict[str, Any]]
    paid: bool
    paid_amount: Decimal
    # The payments added, as audit changes (path, before, after).
    changes: list[dict[str, Any]]


def settle(
    book: PaymentBook, index: int, record: InvoiceRecord, received: list[dict[str, Any]], *, allow_overpayment: bool
) -> tuple[Settled, list[Problem]]:
    """The payments of one invoice record against the stored ones (pass 2)."""
    where = ("invoices", index)
    platform = record.platform_id
    stored = book.of_invoice.get((platform, record.id), {})
    before = exact_sum(Decimal(row["amount"]) for row in stored.values())
    if record.status not in PAYABLE:  # it carries none (pass 1); what an older release recorded stays
        return Settled(new_rows=[], paid=record.paid, paid_amount=before, changes=[]), []
    problems: list[Problem] = []
    new_rows: list[dict[str, Any]] = []
    for position, payment in enumerate(received):
        row = _payment_row(platform, record.id, payment)
        other = book.elsewhere.get((platform, payment["id"]))
        if other is not None:
            problems.append(
                Problem(json_path((*where, "payments", position, "id")), f"payment {payment['id']!r} is recorded on invoice {other!r}")
            )
        elif payment["id"] in stored:
            old = stored[payment["id"]]
            if any(old[name] != value for name, value in row.items()):
                said = f"{_shown(old['amount'], old['currency'])} {old['currency']} received {format_instant(old['received_at'])}"
                problems.append(
                    Problem(json_path((*where, "payments", position)), f"payment {payment['id']!r} is recorded ({said}) and never changes")
                )
        else:
            new_rows.append(row)
    after = before + exact_sum(row["amount"] for row in new_rows)
    total = abs(Decimal(record.invoice_amount_including_tax.quantity)) if record.invoice_amount_including_tax else Decimal(0)
    currency = record.billing_currency
    if new_rows and after > total and not allow_overpayment:
        problems.append(
            Problem(
                json_path((*where, "payments")),
                f"the payments would come to {_shown(after, currency)} {currency}, more than the invoice total of "
                f"{_shown(total, currency)} {currency}; "
                "overpayments are accepted only with INVOICEGRAPH_ALLOW_OVERPAYMENT=true",
            )
        )
    covered = after >= total and total != 0
    if record.paid and not covered and total != 0:
        problems.append(
            Problem(
                json_path((*where, "paid")),
                f"is true, but the payments received ({_shown(after, currency)} {currency}) "
                f"do not cover the total ({_shown(total, currency)} {currency})",
            )
        )
    paid = record.paid or covered
    changes = [{"path": f"payments.{row['id']}", "before": None, "after": row["data"]} for row in new_rows]
    return Settled(new_rows=new_rows, paid=paid, paid_amount=after, changes=changes), problems


def _payment_row(platform: str, invoice_id: str, payment: dict[str, Any]) -> dict[str, Any]:
    return {
        "platform_id": platform,
        "id": payment["id"],
        "invoice_id": invoice_id,
        "amount": Decimal(payment["amount"]["quantity"]),
        "currency": payment["amount"]["currency"],
        "received_at": parse_instant(payment["received_at"]),
        "data": payment,
    }


async def write_payments(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(tables.table_of(tables.InvoicePayment)), rows)


def _shown(value: Decimal, currency: str) -> str:
    """An amount as invoices print it: the currency's minor-unit decimals (payments carry no more)."""
    return amount(value, currency)["quantity"]


def changes_locked(old: Any, settled: Settled) -> list[dict[str, Any]]:
    """What the file changes on a stored locked invoice: payments added, the paid amount, `paid`."""
    changes = list(settled.changes)
    if old["paid_invoice_amount"] != settled.paid_amount:
        currency = old["billing_currency"]
        before, after = _shown(old["paid_invoice_amount"], currency), _shown(settled.paid_amount, currency)
        changes.append({"path": "paid_invoice_amount.quantity", "before": before, "after": after})
    if old["paid"] != settled.paid:
        changes.append({"path": "paid", "before": old["paid"], "after": settled.paid})
    return changes


async def audit_locked(session: AsyncSession, locked: dict[Key, tuple[Any, list[dict[str, Any]]]], actor: str, now: datetime) -> None:
    """One audit record per locked invoice the file changed (its payments: nothing else may change).

    The upsert moved its version by one (services/importing/upsert.py), in the same transaction."""
    records = [
        {
            "platform_id": key[0],
            "id": new_id("audt"),
            "invoice_id": key[1],
            "action": "PAYMENTS_RECORDED",
            "actor": actor[:255],
            "status": old["status"],
            "version_before": old["version"],
            "version_after": old["version"] + 1,
            "changes": changes,
            "created_at": now,
        }
        for key, (old, changes) in locked.items()
    ]
    if records:
        await session.execute(insert(tables.table_of(tables.InvoiceAuditRecord)), records)
