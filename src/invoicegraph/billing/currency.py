"""Exchange rates (docs/billing-decisions.md): which rate converts a pricing currency into the billing one.

The rate is the latest one for (base = pricing currency, currency = billing currency) whose
`rate_timestamp` is at or before the period's `end_at`; 1 base = rate currency. Ties on the timestamp
go to the greatest id, so the choice never depends on the order rows were read in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any

from invoicegraph.billing.inputs import ExchangeRate
from invoicegraph.billing.instants import format_instant
from invoicegraph.billing.money import CONTEXT


def select_rate(rates: Iterable[ExchangeRate], base_currency: str, currency: str, at: datetime) -> ExchangeRate | None:
    candidates = [rate for rate in rates if rate.base_currency == base_currency and rate.currency == currency and rate.rate_timestamp <= at]
    if not candidates:
        return None
    return max(candidates, key=lambda rate: (rate.rate_timestamp, rate.id))


@dataclass(frozen=True)
class Conversion:
    """An amount converted into the billing currency; `rate` None when no rate was found (amount 0)."""

    amount: Decimal
    rate: ExchangeRate | None
    needed: bool

    @property
    def missing(self) -> bool:
        return self.needed and self.rate is None


def convert(value: Decimal, from_currency: str, to_currency: str, rates: Iterable[ExchangeRate], at: datetime) -> Conversion:
    """`value` (unrounded) in `to_currency`. Without a rate the amount is 0 (a blocking error)."""
    if from_currency == to_currency:
        return Conversion(value, None, needed=False)
    rate = select_rate(rates, from_currency, to_currency, at)
    if rate is None:
        return Conversion(Decimal(0), None, needed=True)
    with localcontext(CONTEXT):
        return Conversion(value * rate.rate, rate, needed=True)


def used_rate_dict(rate: ExchangeRate) -> dict[str, Any]:
    """The UsedExchangeRate shape. The rate is printed as given, unrounded."""
    return {
        "currency": rate.currency,
        "base_currency": rate.base_currency,
        "rate_timestamp": format_instant(rate.rate_timestamp),
        "rate": format(rate.rate, "f"),
        "source": rate.source,
    }


def unique_used_rates(rates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every rate listed once, in a stable order."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rate in rates:
        key = (rate["base_currency"], rate["currency"], rate["rate_timestamp"], rate["rate"], rate["source"] or "")
        seen.setdefault(key, rate)
    return [seen[key] for key in sorted(seen)]
