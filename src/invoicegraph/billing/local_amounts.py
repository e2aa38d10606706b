"""Tax amounts in the currency of the country of taxation (docs/billing-decisions.md).

When a country's rates tax the invoice (the rate table's, not US sales tax) and its currency is
not the billing currency, every `tax_categories` entry (invoice, period, group and line level) and the
tax summary carry `local_amounts`: base, tax and total, each converted on its own from the
billing-currency amount and rounded half-up to the local minor unit. The rate is the exchange rate
table's (base = billing currency, currency = local) latest at or before the period's `end_at`; the
invoice-level entries and the summary use the end of the invoice's last period. The rate is shown in
`local_amounts.used_exchange_rate` and is not added to the invoice's `used_exchange_rates` (those are
the conversions of lines and coupons). No rate: a blocking error, and no local amounts.

Only a FULL refresh reads the exchange rate table again (docs/refresh.md); the others keep the rates the
invoice shows, and look up only a pair it has not used yet (the customer moved to another country).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any

from invoicegraph.billing import validation
from invoicegraph.billing.country_currency import country_currency
from invoicegraph.billing.currency import select_rate, used_rate_dict
from invoicegraph.billing.inputs import ExchangeRate
from invoicegraph.billing.instants import parse_instant
from invoicegraph.billing.money import CONTEXT, amount, parse_amount, parse_decimal
from invoicegraph.billing.validation import ValidationEntry

_AMOUNTS = ("base_amount", "tax_amount", "total_amount")


def local_currency(country: str, billing_currency: str) -> str | None:
    """The currency tax amounts are also shown in: the country's, when it is not the billing one."""
    found = country_currency(country)
    return found if found is not None and found != billing_currency else None


def shown_rates(invoice: Mapping[str, Any]) -> tuple[ExchangeRate, ...]:
    """The exchange rates a stored invoice's `local_amounts` show, at every level."""
    entries: list[Mapping[str, Any]] = [invoice.get("tax_summary") or {}, *(invoice.get("tax_categories") or [])]
    for period in invoice.get("periods") or []:
        entries.extend(period.get("tax_categories") or [])
    found: dict[tuple[str, str, datetime, Decimal], ExchangeRate] = {}
    for entry in entries:
        shown = (entry.get("local_amounts") or {}).get("used_exchange_rate")
        if shown:
            rate = ExchangeRate(
                id="",
                base_currency=shown["base_currency"],
                currency=shown["currency"],
                rate=parse_decimal(shown["rate"]),
                rate_timestamp=parse_instant(shown["rate_timestamp"]),
                source=shown.get("source"),
            )
            found.setdefault((rate.base_currency, rate.currency, rate.rate_timestamp, rate.rate), rate)
    return tuple(found[key] for key in sorted(found))


@dataclass
class LocalAmounts:
    """Adds `local_amounts` to tax entries; records the missing rates as blocking errors."""

    billing_currency: str
    local: str | None
    shown: Sequence[ExchangeRate]  # the rates the invoice already shows (kept unless FULL)
    table: Sequence[ExchangeRate]
    missing: list[ValidationEntry] = field(default_factory=list)
    _rates: dict[datetime, ExchangeRate | None] = field(default_factory=dict)

    def rate(self, at: datetime) -> ExchangeRate | None:
        if self.local is None:
            return None
        if at not in self._rates:
            found = select_rate(self.shown, self.billing_currency, self.local, at) or select_rate(
                self.table, self.billing_currency, self.local, at
            )
            if found is None:
                self.missing.append(validation.missing_local_exchange_rate(self.billing_currency, self.local, at))
            self._rates[at] = found
        return self._rates[at]

    def add(self, entries: Iterable[dict[str, Any]], at: datetime) -> None:
        """Set `local_amounts` of each entry (a tax category entry or the tax summary) at `at`."""
        rate = self.rate(at)
        for entry in entries:
            entry["local_amounts"] = None if rate is None or self.local is None else convert_entry(entry, rate, self.local)


def convert_entry(entry: Mapping[str, Any], rate: ExchangeRate, local: str) -> dict[str, Any]:
    """InvoiceTaxAmounts: each amount converted on its own, then rounded to the local minor unit."""
    with localcontext(CONTEXT):
        converted = {key: amount(parse_amount(entry[key]) * rate.rate, local) for key in _AMOUNTS}
    return {**converted, "used_exchange_rate": used_rate_dict(rate), "display": True}
