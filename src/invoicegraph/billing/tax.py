"""Tax amounts (docs/billing-decisions.md): per (category, percentage) group, then back to the lines.

Tax is computed once on the sum of a group's lines and distributed to the lines by largest remainder,
so the lines' amounts add up exactly to the group's. `tax_categories` entries are sums of line parts,
which keeps every level (invoice, period, group, line) consistent with the others.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from invoicegraph.billing.distribution import distribute
from invoicegraph.billing.money import CONTEXT, amount, format_decimal, round_money
from invoicegraph.billing.treatment import Treatment

EXCLUDING_TAX = "EXCLUDING_TAX"
INCLUDING_TAX = "INCLUDING_TAX"

_CATEGORY_RANK = {
    name: rank for rank, name in enumerate(("STANDARD", "REDUCED", "SALES_TAX", "ZERO", "EXEMPT", "REVERSE_CHARGE", "OUTSIDE_SCOPE"))
}


@dataclass(frozen=True)
class TaxedLine:
    treatment: Treatment
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def group_key(treatment: Treatment) -> tuple[str, Decimal]:
    return (treatment.category, treatment.percentage.normalize())


def tax_lines(
    sources: Sequence[Decimal],
    treatments: Sequence[Treatment],
    pricing_amount_type: str,
    currency: str,
    buckets: Sequence[Hashable] | None = None,
) -> list[TaxedLine]:
    """Net and tax of every line. `sources` are the lines' stated amounts: net under EXCLUDING_TAX,
    gross under INCLUDING_TAX. `buckets` names each line's invoice group (period, group): a tax group's
    tax goes first to the buckets, then within each bucket to its lines, each step by largest
    remainder. A bucket whose exact tax is zero (a group discounted to nothing) then gets no rounding
    unit, so no group's net turns negative through another group's rounding."""
    if pricing_amount_type not in (EXCLUDING_TAX, INCLUDING_TAX):
        raise ValueError(f"unknown pricing_amount_type {pricing_amount_type!r}")
    groups: dict[tuple[str, Decimal], list[int]] = {}
    for index, treatment in enumerate(treatments):
        groups.setdefault(group_key(treatment), []).append(index)
    taxes: list[Decimal] = [Decimal(0)] * len(sources)
    with localcontext(CONTEXT):
        for (_, percentage), members in groups.items():
            stated = [sources[i] for i in members]
            total = sum(stated, Decimal(0))
            if pricing_amount_type == EXCLUDING_TAX:
                group_tax = round_money(total * percentage / 100, currency)
                exact = [value * percentage / 100 for value in stated]
            else:
                group_tax = total - round_money(total / (1 + percentage / 100), currency)
                exact = [value * percentage / (100 + percentage) for value in stated]
            keys = [buckets[i] for i in members] if buckets is not None else [None] * len(members)
            for i, share in zip(members, _distribute_by_bucket(group_tax, exact, keys, currency), strict=True):
                taxes[i] = share
    result = []
    for source, treatment, tax in zip(sources, treatments, taxes, strict=True):
        net = source if pricing_amount_type == EXCLUDING_TAX else round_money(source - tax, currency)
        result.append(TaxedLine(treatment, net, tax))
    return result


def _distribute_by_bucket(total: Decimal, exact: Sequence[Decimal], keys: Sequence[Hashable], currency: str) -> list[Decimal]:
    order: dict[Hashable, list[int]] = {}
    for position, key in enumerate(keys):
        order.setdefault(key, []).append(position)
    members = list(order.values())
    bucket_exact = [sum((exact[i] for i in positions), Decimal(0)) for positions in members]
    shares: list[Decimal] = [Decimal(0)] * len(exact)
    for positions, bucket_total in zip(members, distribute(total, bucket_exact, currency), strict=True):
        for i, share in zip(positions, distribute(bucket_total, [exact[i] for i in positions], currency), strict=True):
            shares[i] = share
    return shares


def category_entries(lines: Iterable[TaxedLine], currency: str) -> list[dict[str, Any]]:
    """One InvoiceTaxCategorySummary per (category, percentage) among `lines`, in a fixed order."""
    sums: dict[tuple[str, Decimal], tuple[Treatment, Decimal, Decimal, list[str]]] = {}
    for line in lines:
        key = group_key(line.treatment)
        first, base, tax, notes = sums.get(key, (line.treatment, Decimal(0), Decimal(0), []))
        notes.extend(note for note in line.treatment.notes if note not in notes)
        sums[key] = (first, base + line.net, tax + line.tax, notes)
    ordered = sorted(sums, key=lambda key: (_CATEGORY_RANK.get(key[0], len(_CATEGORY_RANK)), key[0], -key[1]))
    return [category_entry(sums[key][0], sums[key][1], sums[key][2], sums[key][3], currency) for key in ordered]


def category_entry(treatment: Treatment, base: Decimal, tax: Decimal, notes: Sequence[str], currency: str) -> dict[str, Any]:
    return {
        "base_amount": amount(base, currency),
        "tax_amount": amount(tax, currency),
        "total_amount": amount(base + tax, currency),
        "percentage": format_decimal(treatment.percentage),
        "name": treatment.name,
        "category": treatment.category,
        "local_amounts": None,
        "notes": list(notes),
        # The rate that makes up the percentage (one: no tax here is made of several), with its tax.
        "rates": (
            [{"name": treatment.name, "percentage": format_decimal(treatment.percentage), "tax_amount": amount(tax, currency)}]
            if treatment.rated
            else []
        ),
    }
