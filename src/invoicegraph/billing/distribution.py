"""Largest-remainder distribution: split a rounded total over parts so the parts add up exactly.

Each part gets its exact share rounded down to the minor unit; the units still missing go, one each,
to the parts with the largest remainders (earlier parts first on ties). Works for negative shares too,
because rounding down is toward negative infinity and a remainder is always in [0, 1) unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext

from invoicegraph.billing.money import CONTEXT, floor_money, quantum, round_money


def distribute(total: Decimal, exact_shares: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `total` (already rounded to `currency`) into parts close to `exact_shares`.

    `total` must be a rounding of `sum(exact_shares)` (as every caller's is), so that between zero
    and `len(exact_shares)` units are left after rounding every share down.
    """
    if not exact_shares:
        if not total.is_zero():
            raise ValueError(f"cannot distribute {total} over no parts")
        return []
    unit = quantum(currency)
    with localcontext(CONTEXT):
        floors = [floor_money(share, currency) for share in exact_shares]
        missing = (total - sum(floors, Decimal(0))) / unit
        if missing != missing.to_integral_value() or not 0 <= missing <= len(floors):
            raise ValueError(f"{total} is not a rounding of the sum of {list(exact_shares)}")
        remainders = [share - floor for share, floor in zip(exact_shares, floors, strict=True)]
        order = sorted(range(len(floors)), key=lambda index: (-remainders[index], index))
        for index in order[: int(missing)]:
            floors[index] += unit
    return [round_money(part, currency) for part in floors]


def proportional_shares(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Exact (unrounded) shares of `total` in proportion to non-negative `weights`."""
    with localcontext(CONTEXT):
        weight_sum = sum(weights, Decimal(0))
        if weight_sum.is_zero():
            return [Decimal(0) for _ in weights]
        return [total * weight / weight_sum for weight in weights]


def distribute_proportionally(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `total` over `weights` by largest remainder (e.g. a discount over tax categories)."""
    return distribute(total, proportional_shares(total, weights), currency)
