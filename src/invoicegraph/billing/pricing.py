"""Pricing models (docs/billing-decisions.md): the unrounded amount of one pricing item for a quantity.

Quantities and prices keep full precision; the caller rounds once, when the line amount is formed
(after any currency conversion).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal, localcontext

from invoicegraph.billing.inputs import PricingItem, Tier
from invoicegraph.billing.money import CONTEXT


def billable_quantity(item: PricingItem, quantity: Decimal) -> Decimal:
    """`quantity` less the item's included quantity, never below 0."""
    return max(quantity - item.included_quantity, Decimal(0))


def price(item: PricingItem, quantity: Decimal) -> Decimal:
    """Amount in the pricing currency, full precision, for the raw (aggregated) `quantity`."""
    with localcontext(CONTEXT):
        if item.model == "FLAT":
            return _required(item.price)
        q = billable_quantity(item, quantity)
        if item.model == "PER_UNIT":
            return q * _required(item.unit_price)
        if item.model == "PACKAGE":
            size = _required(item.package_size)
            packages = (q / size).to_integral_value(rounding=ROUND_CEILING)
            return packages * _required(item.package_price)
        if item.model == "GRADUATED":
            return graduated(item.tiers, q) + _flat_if_used(item, q)
        if item.model == "VOLUME":
            return volume(item.tiers, q) + _flat_if_used(item, q)
    raise ValueError(f"unknown pricing model {item.model!r}")


def _required(value: Decimal | None) -> Decimal:
    if value is None:
        raise ValueError("the pricing item lacks the price its model needs")
    return value


def _flat_if_used(item: PricingItem, q: Decimal) -> Decimal:
    # An item-level flat price of a tiered item is charged once when any unit is billed.
    return item.flat_price if item.flat_price is not None and q > 0 else Decimal(0)


def graduated(tiers: tuple[Tier, ...], q: Decimal) -> Decimal:
    """Each tier prices the units inside it (bounds inclusive), plus its flat price if any unit falls in it."""
    total = Decimal(0)
    lower = Decimal(0)
    for tier, up_to in _bounded(tiers):
        upper = q if up_to is None else min(q, up_to)
        units = upper - lower
        if units > 0:
            total += units * tier.unit_price + tier.flat_price
        if up_to is None or q <= up_to:
            break
        lower = up_to
    return total


def volume(tiers: tuple[Tier, ...], q: Decimal) -> Decimal:
    """The single tier `q` falls into prices all `q` units, plus that tier's flat price. q = 0 costs 0."""
    if q <= 0:
        return Decimal(0)
    # The last tier is open-ended (`_bounded`), so some tier always holds q.
    tier = next(tier for tier, up_to in _bounded(tiers) if up_to is None or q <= up_to)
    return q * tier.unit_price + tier.flat_price


def _bounded(tiers: tuple[Tier, ...]) -> list[tuple[Tier, Decimal | None]]:
    """Tiers with their upper bounds; the last tier is open-ended even if it names a bound, so no
    quantity is left unpriced by a table that forgot its `up_to: null` tier."""
    if not tiers:
        raise ValueError("a tiered pricing item needs at least one tier")
    return [(tier, None if index == len(tiers) - 1 else tier.up_to) for index, tier in enumerate(tiers)]
