"""Line adjustments (docs/drafts.md): a person's edit of a rated line, re-applied to every computation.

An adjustment is stored apart from the lines (the invoice's `line_adjustments`), keyed to what the
line stands for: the period (`period_order`), the subscription of its group and the pricing item. The
engine rates a line from the live sources and then applies the adjustment on top, so the edit survives
every refresh, FULL included, and what derives from the line (coupons on the adjusted amount, tax,
totals) is computed from the adjusted amount.

A line that carries an adjustment keeps what the computation gave under `adjustment.original_*`;
applying is restore-then-adjust, so running it again on its own output changes nothing. Whether an
adjustment still finds its line is known only when the lines are rebuilt (FULL on a STANDARD
invoice); the answer is kept on the adjustment (`orphaned`) and shown as a WARNING.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from invoicegraph.billing import shapes, validation
from invoicegraph.billing.fields import MutableFields, copied_fields
from invoicegraph.billing.money import amount, parse_amount, parse_decimal, round_money
from invoicegraph.billing.validation import ValidationEntry

ADJUST = "ADJUST"
REMOVE = "REMOVE"
# A line a person added: it stands for itself, in the group of its subscription in its period.
ADD = "ADD"


@dataclass(frozen=True)
class LineKey:
    """What a rated line stands for: the same key finds the same line after any re-rating."""

    period_order: int
    subscription_id: str
    pricing_item_id: str


@dataclass(frozen=True)
class Adjustment:
    """One stored edit. Exactly one way to price: `amount`, or `quantity` × `unit_price`, or neither
    (a description-only edit keeps the computed amount)."""

    id: str
    key: LineKey
    line_id: str  # the line's id when it was edited: how the caller names the edit afterwards
    action: str  # ADJUST or REMOVE
    by: str
    at: str
    amount: Decimal | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    description: str | None = None
    orphaned: bool = False
    # ADD only: the product charged, and its tax category when the line was added (kept if the product goes).
    product_id: str | None = None
    tax_category: str | None = None
    # REMOVE only: the line as computed when it was removed, so that reverting the removal shows it at
    # once (a FULL refresh computes it anew anyway).
    removed: Mapping[str, Any] | None = None

    @classmethod
    def from_fields(cls, record: Mapping[str, Any]) -> Adjustment:
        def number(name: str) -> Decimal | None:
            value = record.get(name)
            return None if value is None else parse_decimal(value)

        return cls(
            id=str(record["id"]),
            key=LineKey(int(record["period_order"]), str(record["subscription_id"]), str(record["pricing_item_id"])),
            line_id=str(record["line_id"]),
            action=str(record.get("action") or ADJUST),
            by=str(record["by"]),
            at=str(record["at"]),
            amount=number("amount"),
            quantity=number("quantity"),
            unit_price=number("unit_price"),
            description=record.get("description"),
            orphaned=bool(record.get("orphaned", False)),
            product_id=record.get("product_id"),
            tax_category=record.get("tax_category"),
            removed=record.get("removed"),
        )

    def as_fields(self) -> MutableFields:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "id": self.id,
            "period_order": self.key.period_order,
            "subscription_id": self.key.subscription_id,
            "pricing_item_id": self.key.pricing_item_id,
            "line_id": self.line_id,
            "action": self.action,
            "by": self.by,
            "at": self.at,
            "amount": text(self.amount),
            "quantity": text(self.quantity),
            "unit_price": text(self.unit_price),
            "description": self.description,
            "orphaned": self.orphaned,
            "product_id": self.product_id,
            "tax_category": self.tax_category,
            "removed": None if self.removed is None else dict(self.removed),
        }


def line_key(period: Mapping[str, Any], group: Mapping[str, Any], line: Mapping[str, Any]) -> LineKey | None:
    """The key of a line a person may adjust: a REVENUE line rated from a pricing item of a subscription."""
    item, subscription = line.get("pricing_item_id"), group.get("pricing_plan_subscription_id")
    if line.get("type") != "REVENUE" or not isinstance(item, str) or not isinstance(subscription, str):
        return None
    return LineKey(int(period.get("period_order", 0)), subscription, item)


def restore(line: MutableFields, stated_key: str) -> MutableFields:
    """The line as its computation gave it (an adjusted stored line carries its originals)."""
    adjustment = line.get("adjustment")
    if not adjustment:
        return line
    result = {k: v for k, v in line.items() if k != "adjustment"}
    result[stated_key] = dict(adjustment["original_amount"])
    result["description"] = adjustment.get("original_description")
    return result


def adjusted(line: MutableFields, adjustment: Adjustment, stated_key: str, currency: str, *, rated: bool = False) -> MutableFields:
    """`line` (as computed) with the edit on top; the original amount and description kept on it.

    A freshly `rated` line states its amount in both amount fields (the coupons read the net one
    before any tax is known), so both take the edit; a stored line's other amount is derived, and is
    left for the derivation to compute again (so applying to a stored line twice changes nothing).
    """
    original = line[stated_key]
    stated = parse_amount(original)
    if adjustment.amount is not None:
        stated = round_money(adjustment.amount, currency)
    elif adjustment.quantity is not None and adjustment.unit_price is not None:
        stated = round_money(adjustment.quantity * adjustment.unit_price, currency)
    value = amount(stated, currency)
    amounts = {"amount_excluding_tax": value, "amount_including_tax": dict(value)} if rated else {stated_key: value}
    return {
        **line,
        **amounts,
        "description": adjustment.description if adjustment.description is not None else line.get("description"),
        "adjustment": _shown(adjustment, dict(original), line.get("description")),
    }


def _shown(adjustment: Adjustment, original_amount: dict[str, str] | None, original_description: str | None) -> MutableFields:
    """The line's `adjustment` (GraphQL InvoiceLineAdjustment): the edit, and what the computation gave."""
    return {
        "id": adjustment.id,
        "by": adjustment.by,
        "at": adjustment.at,
        "quantity": None if adjustment.quantity is None else str(adjustment.quantity),
        "unit_price": None if adjustment.unit_price is None else str(adjustment.unit_price),
        "original_amount": original_amount,
        "original_description": original_description,
    }


def added_key(period_order: int, subscription_id: str, adjustment_id: str) -> LineKey:
    """An added line's key: its group (period, subscription) and itself."""
    return LineKey(period_order, subscription_id, f"+{adjustment_id}")


def added_lines(adjustments: Sequence[Adjustment], period_order: int, subscription_id: str) -> list[Adjustment]:
    return [a for a in adjustments if a.action == ADD and (a.key.period_order, a.key.subscription_id) == (period_order, subscription_id)]


def added_line(adjustment: Adjustment, currency: str, tax_category: str, line_order: int) -> MutableFields:
    """The line a person added: a REVENUE line of its product, priced as given, without a pricing item."""
    if adjustment.amount is not None:
        stated = round_money(adjustment.amount, currency)
    else:
        stated = round_money((adjustment.quantity or Decimal(0)) * (adjustment.unit_price or Decimal(0)), currency)
    value = amount(stated, currency)
    return {
        **shapes.line(
            id=adjustment.line_id,
            line_order=line_order,
            kind="REVENUE",
            stated=stated,
            currency=currency,
            description=adjustment.description,
            product_id=adjustment.product_id,
            tax_category=tax_category,
            details=shapes.price_details(value),
        ),
        "adjustment": _shown(adjustment, None, None),
    }


def by_key(adjustments: Iterable[Adjustment]) -> dict[LineKey, Adjustment]:
    return {adjustment.key: adjustment for adjustment in adjustments}


def apply_to_stored(
    periods: Sequence[Mapping[str, Any]], adjustments: Sequence[Adjustment], stated_key: str, currency: str
) -> list[MutableFields]:
    """Stored periods with every line restored and the current adjustments applied again.

    A REMOVE adjustment drops its line. Lines are not rebuilt here, so which adjustments are orphaned
    does not change: the caller keeps what the last re-rating found.
    """
    wanted = by_key(adjustments)
    result = [copied_fields(period) for period in periods]
    for period in result:
        for group in period.get("groups") or []:
            lines = []
            for line in group.get("lines") or []:
                if (line.get("adjustment") or {}).get("original_amount", True) is None:
                    continue  # an added line: added again below from its adjustment
                plain = restore(line, stated_key)
                key = line_key(period, group, plain)
                found = wanted.get(key) if key is not None else None
                if found is not None and found.action == REMOVE:
                    continue
                lines.append(adjusted(plain, found, stated_key, currency) if found is not None else plain)
            subscription = group.get("pricing_plan_subscription_id")
            if isinstance(subscription, str):
                order = max((int(line.get("line_order", 0)) for line in lines), default=-1) + 1
                for index, added in enumerate(added_lines(adjustments, int(period.get("period_order", 0)), subscription)):
                    lines.append(added_line(added, currency, added.tax_category or "STANDARD", order + index))
            group["lines"] = lines
    return result


def put_back(periods: Sequence[Mapping[str, Any]], removal: Adjustment) -> list[MutableFields]:
    """Stored periods with a removed line back in its group (when the group is still there)."""
    result = [copied_fields(period) for period in periods]
    if removal.removed is None:
        return result
    for period in result:
        if int(period.get("period_order", 0)) != removal.key.period_order:
            continue
        for group in period.get("groups") or []:
            if group.get("pricing_plan_subscription_id") == removal.key.subscription_id:
                group["lines"] = [*(group.get("lines") or []), copied_fields(removal.removed)]
    return result


def with_orphans(adjustments: Sequence[Adjustment], found: set[LineKey]) -> list[Adjustment]:
    """The adjustments with `orphaned` set from the keys a re-rating produced lines for."""
    return [replace(adjustment, orphaned=adjustment.key not in found) for adjustment in adjustments]


def warnings(adjustments: Sequence[Adjustment]) -> list[ValidationEntry]:
    """One WARNING per orphaned adjustment, naming it: it is kept, never dropped silently."""
    return [
        validation.warning(
            f"Added line {a.id} (line {a.line_id}: subscription {a.key.subscription_id}, period {a.key.period_order}) "
            "has no group on the invoice any more; it is kept and comes back with its group. Revert it to drop it."
            if a.action == ADD
            else f"Line adjustment {a.id} (line {a.line_id}: subscription {a.key.subscription_id}, pricing item "
            f"{a.key.pricing_item_id}, period {a.key.period_order}) no longer matches a line; it is kept "
            "and applies again if the line comes back. Revert it to drop it."
        )
        for a in adjustments
        if a.orphaned
    ]
