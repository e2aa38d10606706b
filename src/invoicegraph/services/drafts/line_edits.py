"""Line edits of an OPEN or DRAFT invoice (docs/drafts.md): adjust, remove, revert.

Given the caller's unit of work, like the refresh: the invoice row is locked as a refresh locks it,
the edit is stored with the invoice (`line_adjustments`, apart from the computed lines, keyed to what
the line stands for), the invoice's derived values are recomputed without re-reading any source (the
edit is the only change), and the invoice, an audit record and its `INVOICE.UPDATED` event are
written. Nothing here commits; an edit that leaves the invoice as it was writes only the audit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.auth.principal import Principal
from invoicegraph.billing.adjustments import ADD, ADJUST, REMOVE, Adjustment, LineKey, added_key, line_key, put_back, restore
from invoicegraph.billing.instants import format_instant
from invoicegraph.billing.shapes import line_id
from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.db.tables import LineEditRecord, table_of
from invoicegraph.errors import InvalidField, InvalidOperation, MissingField, ResourceNotFound, reflected
from invoicegraph.ids import new_id
from invoicegraph.services.drafts.line_input import LineValues, check_amount_scale, snake
from invoicegraph.services.refresh.compute import compute, stored_adjustments
from invoicegraph.services.refresh.diff import Change, differs, vendor_changes
from invoicegraph.services.refresh.service import (
    change_entries,
    check_storable,
    emit_invoice_updated,
    lock_refreshable,
    save_invoice,
)
from invoicegraph.services.refresh.sources import Sources, read_sources
from invoicegraph.services.refresh.types import checked_id_length, checked_invoice_id

REVERT = "REVERT"


@dataclass(frozen=True)
class Addition:
    """Where a line a person adds goes, and what it charges for (addInvoiceLine)."""

    product_id: str
    subscription_id: str | None = None  # absent: the invoice's first subscription
    period_order: int = 0


Document = dict[str, Any]


@dataclass(frozen=True)
class LineEditCommand:
    invoice_id: str
    line_id: str
    action: str  # ADD, ADJUST, REMOVE or REVERT
    values: LineValues | None = None  # ADD and ADJUST
    addition: Addition | None = None  # ADD only
    idempotency_key: str | None = None
    lock_timeout: float = 5.0

    def __post_init__(self) -> None:
        checked_invoice_id(self.invoice_id)
        checked_id_length(self.line_id, "lineId")


@dataclass
class LineEditResult:
    invoice: Document
    changed: bool
    changes: list[Change] = field(default_factory=list)
    sources: Sources | None = None


async def edit_line(
    unit: AsyncSession, principal: Principal, command: LineEditCommand, *, field_prefix: str = "", spell: Callable[[str], str] = snake
) -> LineEditResult:
    """Apply one line edit in the caller's unit of work (docs/drafts.md); the caller commits.

    `field_prefix` and `spell` name a refused amount as the caller wrote it (`input.amount`, `amount`).
    """
    row = await lock_refreshable(unit, principal.platform_id, command.invoice_id, command.lock_timeout)
    before = invoice_row_to_dict(row)
    if command.values is not None:
        check_amount_scale(command.values, before["billing_currency"], prefix=field_prefix, spell=spell)
    now = format_instant(datetime.now(UTC))
    # The sources depend on the invoice's parties and subscriptions, never on its lines.
    sources = await read_sources(unit, principal.platform_id, before, full=False, payment_acceptors=False)
    kept = list(stored_adjustments(before))
    existing = next((a for a in kept if a.line_id == command.line_id), None) if command.action != ADD else None
    adjustment: Adjustment | None
    if command.action == ADD:
        adjustment = _addition(command, before, sources, principal, now, lambda name: f"{field_prefix}{spell(name)}")
    elif command.action == REVERT:
        if existing is None:
            _line_or_missing(before, command.line_id)
            raise InvalidOperation(
                f"Line {reflected(command.line_id)} has no adjustment to revert.", resource_id=command.line_id, resource_type="INVOICE_LINE"
            )
        adjustment = None
    elif existing is not None and existing.action == ADD:
        # An added line is its adjustment: editing it changes its values, removing it drops it.
        adjustment = None if command.action == REMOVE else _edited_addition(existing, command.values or LineValues(), principal, now)
    else:
        key = existing.key if existing is not None else _adjustable_key(before, command.line_id)
        adjustment = _new_adjustment(command, key, principal, now, existing, _removed_line(before, command, existing))
    remaining = [a for a in kept if a is not existing and (adjustment is None or a.key != adjustment.key)]
    adjustments = [*remaining, *([adjustment] if adjustment is not None else [])]
    edited = {**before, "line_adjustments": [a.as_fields() for a in adjustments]}
    if existing is not None and existing.action == REMOVE and (adjustment is None or adjustment.action != REMOVE):
        edited["periods"] = put_back(before.get("periods") or [], existing)  # the removal undone: the line is back now
    # No refresh type: nothing is re-read, the derived values are recomputed around the edit.
    after = compute(edited, sources, (), now)
    check_storable(after)
    changed = differs(before, after)
    found = vendor_changes(before, after) if changed else []
    at = datetime.now(UTC)
    if changed:
        after = await save_invoice(unit, principal.platform_id, row, after)
    else:
        after = before
    await _audit(unit, principal, command, existing, adjustment, before, after, found, at)
    if changed:
        await emit_invoice_updated(unit, principal.platform_id, after, found, at)
    return LineEditResult(invoice=after, changed=changed, changes=found, sources=sources)


def _lines(invoice: Document) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    return [
        (period, group, line)
        for period in invoice.get("periods") or []
        for group in period.get("groups") or []
        for line in group.get("lines") or []
    ]


def _line_or_missing(invoice: Document, line_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    for found in _lines(invoice):
        if found[2].get("id") == line_id:
            return found
    raise ResourceNotFound(
        f"Invoice {reflected(str(invoice['id']))} has no line {reflected(line_id)}.", resource_id=line_id, resource_type="INVOICE_LINE"
    )


def _adjustable_key(invoice: Document, line_id: str) -> LineKey:
    period, group, line = _line_or_missing(invoice, line_id)
    key = line_key(period, group, line)
    if key is None:
        raise InvalidOperation(
            f"Line {reflected(line_id)} is not rated from a pricing item (a {line.get('type')} line); only those lines can be edited.",
            resource_id=line_id,
            resource_type="INVOICE_LINE",
        )
    return key


def _addition(
    command: LineEditCommand, invoice: Document, sources: Sources, principal: Principal, now: str, named: Callable[[str], str]
) -> Adjustment:
    """The adjustment that adds a line; `named` names a refused field as the caller wrote it."""
    addition = command.addition
    values = command.values or LineValues()
    if addition is None:
        raise ValueError("an ADD command carries its addition")
    product = sources.products.get(addition.product_id)
    if product is None:  # another platform's product looks exactly like a missing one
        raise InvalidField(f"There is no product {reflected(addition.product_id)}.", field=named("product_id"))
    if values.amount is None and values.quantity is None:
        raise MissingField("An added line needs an amount, or a quantity with a unit price.", field=named("amount"))
    subscriptions = list(invoice.get("pricing_plan_subscription_ids") or [])
    subscription_id = addition.subscription_id or (subscriptions[0] if subscriptions else None)
    groups = {
        (int(period.get("period_order", 0)), group.get("pricing_plan_subscription_id"))
        for period in invoice.get("periods") or []
        for group in period.get("groups") or []
    }
    if subscription_id is None or (addition.period_order, subscription_id) not in groups:
        raise InvalidField(
            f"The invoice has no group of subscription {reflected(str(subscription_id))} in period {addition.period_order}.",
            field=named("subscription_id" if addition.subscription_id else "period_order"),
        )
    adjustment_id = new_id("ladj")
    return Adjustment(
        id=adjustment_id,
        key=added_key(addition.period_order, subscription_id, adjustment_id),
        line_id=line_id(invoice["id"], "added", adjustment_id),
        action=ADD,
        by=principal.credential_id,
        at=now,
        amount=values.amount,
        quantity=values.quantity,
        unit_price=values.unit_price,
        description=values.description or product.get("name"),
        product_id=addition.product_id,
        tax_category=product.get("tax_category") or "STANDARD",
    )


def _edited_addition(existing: Adjustment, values: LineValues, principal: Principal, now: str) -> Adjustment:
    priced = values.amount is not None or values.quantity is not None
    return replace(
        existing,
        by=principal.credential_id,
        at=now,
        amount=values.amount if priced else existing.amount,
        quantity=values.quantity if priced else existing.quantity,
        unit_price=values.unit_price if priced else existing.unit_price,
        description=values.description if values.description is not None else existing.description,
    )


def _removed_line(invoice: Document, command: LineEditCommand, existing: Adjustment | None) -> dict[str, Any] | None:
    """For a removal, the line as computed (without any edit), kept to put it back if the removal is undone."""
    if command.action != REMOVE:
        return None
    if existing is not None and existing.action == REMOVE:
        return None if existing.removed is None else dict(existing.removed)
    found = next((line for _, _, line in _lines(invoice) if line.get("id") == command.line_id), None)
    if found is None:  # an orphaned adjustment's line: nothing to keep
        return None
    stated = (
        "amount_excluding_tax" if (invoice.get("pricing_amount_type") or "EXCLUDING_TAX") == "EXCLUDING_TAX" else "amount_including_tax"
    )
    return restore(found, stated)


def _new_adjustment(
    command: LineEditCommand, key: LineKey, principal: Principal, now: str, existing: Adjustment | None, removed: dict[str, Any] | None
) -> Adjustment:
    values = command.values or LineValues()
    return Adjustment(
        id=existing.id if existing is not None else new_id("ladj"),
        key=key,
        line_id=command.line_id,
        action=REMOVE if command.action == REMOVE else ADJUST,
        by=principal.credential_id,
        at=now,
        amount=values.amount,
        quantity=values.quantity,
        unit_price=values.unit_price,
        description=values.description,
        orphaned=existing.orphaned if existing is not None else False,
        removed=removed,
    )


async def _audit(
    unit: AsyncSession,
    principal: Principal,
    command: LineEditCommand,
    replaced: Adjustment | None,
    adjustment: Adjustment | None,
    before: Document,
    after: Document,
    found: list[Change],
    at: datetime,
) -> None:
    await unit.execute(
        insert(table_of(LineEditRecord)).values(
            platform_id=principal.platform_id,
            id=new_id("ledt"),
            invoice_id=before["id"],
            line_id=adjustment.line_id if adjustment is not None else command.line_id,
            action=command.action,
            credential_id=principal.credential_id,
            request_id=principal.request_id,
            idempotency_key=command.idempotency_key,
            adjustment=adjustment.as_fields() if adjustment is not None else None,
            replaced=replaced.as_fields() if replaced is not None else None,
            version_before=before["version"],
            version_after=after["version"],
            changes=change_entries(found),
            created_at=at,
        )
    )
