"""The tax rates an invoice uses: the stored ones kept, the others looked up, every one recorded.

A country's rates are looked up per period, at that period's `end_at` (docs/billing-decisions.md), so the
book is keyed by (category, country, period end). A rate stored before rates were kept per period has
no period: it stands for every period of the invoice until the next TAX_RATES refresh.

The sales tax percentage is a stored rate like the others (docs/billing-decisions.md): the invoice's own
percentage always wins; otherwise the subscription's, once used, is kept until a TAX_RATES (or FULL)
refresh reads the subscription again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from invoicegraph.billing import validation
from invoicegraph.billing.inputs import StoredTaxRate, TaxRate
from invoicegraph.billing.treatment import lookup_rate
from invoicegraph.billing.validation import ValidationEntry

SALES_TAX = "SALES_TAX"
SALES_TAX_NAME = "Sales tax"
FROM_TABLE = "TABLE"
FROM_INVOICE = "INVOICE"
FROM_SUBSCRIPTION = "SUBSCRIPTION"

# The key of a rate that does not depend on the period (sales tax).
_ANY_PERIOD: datetime | None = None


@dataclass
class RateBook:
    stored: tuple[StoredTaxRate, ...]
    table: tuple[TaxRate, ...]
    relookup: bool
    used: dict[tuple[str, str, datetime | None], StoredTaxRate] = field(default_factory=dict)
    missing: list[ValidationEntry] = field(default_factory=list)

    def rate(self, category: str, country: str, at: datetime) -> StoredTaxRate | None:
        """The rate of (category, country) for the period ending at `at`; None (and an error) when none."""
        key = (category, country, at)
        if key in self.used:
            return self.used[key]
        found = None if self.relookup else self._stored(category, country, at)
        if found is None:
            row = lookup_rate(self.table, country, category, at)
            if row is not None:
                found = StoredTaxRate(category, country, row.percentage, row.name, row.id, period_end_at=at, source=FROM_TABLE)
        if found is None:
            self.missing.append(validation.missing_tax_rate(category, country, at))
            return None
        self.used[key] = found
        return found

    def _stored(self, category: str, country: str, at: datetime) -> StoredTaxRate | None:
        mine = [s for s in self.stored if (s.category, s.country) == (category, country) and s.source in (None, FROM_TABLE)]
        exact = next((s for s in mine if s.period_end_at == at), None)
        if exact is not None:
            return exact
        legacy = next((s for s in mine if s.period_end_at is None), None)
        # Recorded for this period from now on: the next refresh finds it by its period.
        return StoredTaxRate(category, country, legacy.percentage, legacy.name, legacy.tax_rate_id, at, FROM_TABLE) if legacy else None

    def sales_tax(self, invoice_percentage: Decimal | None, subscription_percentage: Decimal | None) -> StoredTaxRate | None:
        """The sales tax rate: the invoice's own, else the one stored from the subscription (unless the
        rates are looked up again), else the subscription's. None when there is none (a blocking error)."""
        key = (SALES_TAX, "US", _ANY_PERIOD)
        if key in self.used:
            return self.used[key]
        found: StoredTaxRate | None = None
        if invoice_percentage is not None:
            found = StoredTaxRate(SALES_TAX, "US", invoice_percentage, SALES_TAX_NAME, source=FROM_INVOICE)
        elif not self.relookup:
            found = next((s for s in self.stored if s.category == SALES_TAX and s.source == FROM_SUBSCRIPTION), None)
        if found is None and subscription_percentage is not None:
            found = StoredTaxRate(SALES_TAX, "US", subscription_percentage, SALES_TAX_NAME, source=FROM_SUBSCRIPTION)
        if found is None:
            self.missing.append(validation.missing_sales_tax())
            return None
        self.used[key] = found
        return found

    def used_rates(self) -> list[StoredTaxRate]:
        """Every rate used, in a fixed order: by country, category, then period."""
        return [self.used[key] for key in sorted(self.used, key=lambda k: (k[1], k[0], k[2].isoformat() if k[2] else ""))]
