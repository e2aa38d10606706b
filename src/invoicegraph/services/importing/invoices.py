"""Writing invoices: the row and its document, snapshots taken when the file gives none, and the
payment, link and subscription rows kept in their own tables.

An invoice that is FINAL, EMPTY or VOID in the database is done (docs/rest.md: FINAL is
"irreversible and unchangeable", VOID "never changes again"; docs/refresh.md refuses all three): a file
may repeat it as it is, and may record new payments on a FINAL or EMPTY one (services/importing/
payments.py: append-only, each such change audited), but any other change is refused with a problem
at the changed field, and the file is then not written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.billing.instants import format_instant
from invoicegraph.db import tables
from invoicegraph.db.invoice_reads import served_columns
from invoicegraph.records.invoice import InvoiceRecord
from invoicegraph.records.invoice_document import invoice_dict_to_row_values
from invoicegraph.records.problems import Problem, json_path
from invoicegraph.services.importing.payments import audit_locked, changes_locked, load_payments, settle, write_payments
from invoicegraph.services.importing.rows import TENANT_KEY
from invoicegraph.services.importing.upsert import Tally, load_existing, replace_children, upsert_rows
from invoicegraph.services.refresh import snapshots
from invoicegraph.services.refresh.service import REFRESHABLE

CREDIT_LINK_TYPE = "CREDITED_INVOICE"
LOCKED_STATUSES = frozenset({"FINAL", "EMPTY", "VOID"})
# What an import may still change on a locked invoice: the payments received (vendor: `paid` is
# normally applied to a FINAL invoice), never its content. updated_at and version follow a change.
_PAYMENT_COLUMNS = frozenset({"paid", "paid_invoice_amount", "updated_at", "version"})
# The copies a file may leave out; a locked invoice keeps the ones it was stored with.
_COPIES = ("customer_reference", "customer_details", "billing_entity_details")


@dataclass(frozen=True)
class Batch:
    """What a batch of invoices is written with, besides the records."""

    invoice_numbers: dict[tuple[str, str], str | None]
    now: datetime
    tally: Tally
    # OPEN/DRAFT invoices as stored before the file (see compute_open_invoices), filled here.
    previous: dict[tuple[str, str], Any] | None = None
    # Who the audit record of a change to a locked invoice names (`import:<file name>`).
    actor: str = "import"
    allow_overpayment: bool = False


async def write_invoices(session: AsyncSession, indexed: list[tuple[int, InvoiceRecord]], batch: Batch) -> list[Problem]:
    """Write a batch of invoices (with their index in the file). Returns the problems of records
    that would change a locked invoice, or whose payments break a rule; those records are not
    written, and the caller must not commit."""
    invoice_numbers, now, tally, previous = batch.invoice_numbers, batch.now, batch.tally, batch.previous
    refused: list[Problem] = []
    records = [record for _, record in indexed]
    keys = [(r.platform_id, r.id) for r in records]
    stored = await load_existing(session, tables.Invoice, TENANT_KEY, keys)
    customers = await load_existing(session, tables.Customer, TENANT_KEY, [(r.platform_id, r.customer_id) for r in records])
    entities = await load_existing(session, tables.BillingEntity, TENANT_KEY, [(r.platform_id, r.billing_entity_id) for r in records])
    numbers = await _original_numbers(session, records, invoice_numbers)
    book = await load_payments(session, records)
    rows: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    changed_locked: dict[tuple[str, str], tuple[Any, list[dict[str, Any]]]] = {}
    links: list[dict[str, Any]] = []
    subscriptions: list[dict[str, Any]] = []
    for index, record in indexed:
        doc = record.model_dump(mode="json")
        platform = record.platform_id
        old = stored.get((platform, record.id))
        locked = old if old is not None and old["status"] in LOCKED_STATUSES else None
        if locked is not None:
            for name in _COPIES:
                if doc[name] is None:
                    doc[name] = locked["document"].get(name)
        if old is not None and previous is not None and record.status in ("OPEN", "DRAFT"):
            # The computation after the write compares with this (see compute_open_invoices).
            previous.setdefault((platform, record.id), old)
        old_doc: dict[str, Any] = old["document"] if old is not None else {}
        customer = customers.get((platform, record.customer_id))
        entity = entities.get((platform, record.billing_entity_id))
        if customer is not None:
            if doc["customer_reference"] is None:
                doc["customer_reference"] = customer["data"].get("reference")
            if doc["customer_details"] is None:
                party = snapshots.customer_snapshot({**customer["data"], "id": record.customer_id})
                doc["customer_details"] = snapshots.keep_copied_at(party, old_doc.get("customer_details"), format_instant(now))
        if entity is not None and doc["billing_entity_details"] is None:
            party = snapshots.billing_entity_snapshot({**entity["data"], "id": record.billing_entity_id})
            doc["billing_entity_details"] = snapshots.keep_copied_at(party, old_doc.get("billing_entity_details"), format_instant(now))
        credit = doc["credit"]
        if credit is not None and credit["original_invoice_info"] is None:
            number = numbers.get((platform, credit["original_invoice_id"]))
            if number:
                credit["original_invoice_info"] = {"id": credit["original_invoice_id"], "invoice_number": number}
        received = doc.pop("payments")
        values = invoice_dict_to_row_values(doc)
        if locked is not None:
            changed = _changed_fields(values, locked)
            if changed:
                field = "status" if "status" in changed else changed[0]
                message = f"invoice {record.id!r} is {locked['status']} and cannot be changed"
                refused.append(Problem(json_path(("invoices", index, field)), message))
                continue
        settled, problems = settle(book, index, record, received, allow_overpayment=batch.allow_overpayment)
        if problems:
            refused += problems
            continue
        values["paid"], values["paid_invoice_amount"] = settled.paid, settled.paid_amount
        changes = changes_locked(locked, settled) if locked is not None else []
        if changes:
            changed_locked[(platform, record.id)] = (locked, changes)
        rows.append(values)
        payments.extend(settled.new_rows)
        links.extend(_link_rows(platform, record.id, doc))
        subscriptions.extend(
            {"platform_id": platform, "invoice_id": record.id, "subscription_id": sub_id}
            for sub_id in dict.fromkeys(doc["pricing_plan_subscription_ids"])
        )
    await upsert_rows(session, tables.Invoice, TENANT_KEY, rows, now, tally.of(tables.Invoice), derived=_served_unless_computed)
    # Payments are only ever added (services/importing/payments.py); the ones already stored stay.
    await write_payments(session, payments)
    await audit_locked(session, changed_locked, batch.actor, now)
    parent = ("platform_id", "invoice_id")
    await replace_children(session, tables.InvoiceLink, parent, keys, ("platform_id", "invoice_id", "linked_invoice_id"), links)
    await replace_children(
        session,
        tables.InvoiceSubscription,
        parent,
        keys,
        ("platform_id", "invoice_id", "subscription_id"),
        subscriptions,
    )
    return refused


_NOT_SERVED_YET: dict[str, Any] = {"served": None, "served_places": None}


def _served_unless_computed(values: Mapping[str, Any]) -> dict[str, Any]:
    """The served form of an invoice row as the file writes it, but for OPEN and DRAFT invoices: the
    computation after the write (compute.py) saves each of them with its own served form, in the
    same transaction, so theirs is left empty until then rather than made twice."""
    return _NOT_SERVED_YET if values["status"] in REFRESHABLE else served_columns(values)


def _changed_fields(values: dict[str, Any], old: Any) -> list[str]:
    """The invoice fields (lifted columns and document keys) a row would change, payments aside."""
    changed = [
        name
        for name, value in values.items()
        if name not in _PAYMENT_COLUMNS
        and name != "document"
        and not (name == "created_at" and value is None)  # not given: the stored one is kept
        and old[name] != value
    ]
    new_doc, old_doc = values["document"], old["document"]
    changed += sorted(key for key in new_doc.keys() | old_doc.keys() if new_doc.get(key) != old_doc.get(key))
    return changed


def _link_rows(platform: str, invoice_id: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
    links = {link["id"]: link["link_type"] for link in doc["linked_invoices"]}
    if doc["credit"] is not None:
        links.setdefault(doc["credit"]["original_invoice_id"], CREDIT_LINK_TYPE)
    return [
        {"platform_id": platform, "invoice_id": invoice_id, "linked_invoice_id": linked, "type": link_type}
        for linked, link_type in links.items()
    ]


async def _original_numbers(
    session: AsyncSession, records: list[InvoiceRecord], in_file: dict[tuple[str, str], str | None]
) -> dict[tuple[str, str], str | None]:
    wanted = [
        (r.platform_id, r.credit.original_invoice_id) for r in records if r.credit is not None and r.credit.original_invoice_info is None
    ]
    numbers = {key: in_file[key] for key in wanted if key in in_file}
    missing = [key for key in wanted if key not in numbers]
    if missing:
        table: Any = tables.Invoice
        result = await session.execute(
            select(table.platform_id, table.id, table.invoice_number).where(tuple_(table.platform_id, table.id).in_(missing))
        )
        numbers.update({(row[0], row[1]): row[2] for row in result})
    return numbers
