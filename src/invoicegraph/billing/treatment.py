"""The tax treatment of an invoice (docs/billing-decisions.md, steps 1-5) and the tax rate lookup.

The steps run in the spec's order; the first that matches decides the treatment of the whole invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pycountry

from invoicegraph.billing import validation
from invoicegraph.billing.inputs import TaxRate
from invoicegraph.billing.tax_facts import TaxFacts
from invoicegraph.billing.validation import ValidationEntry

if TYPE_CHECKING:  # the book looks rates up with `lookup_rate` below
    from invoicegraph.billing.rate_book import RateBook

# The 27 member states of the European Union, ISO 3166-1 alpha-2 (Greece is GR here, not VAT's EL).
EU_MEMBER_STATES = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
     "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)  # fmt: skip
if len(EU_MEMBER_STATES) != 27 or any(pycountry.countries.get(alpha_2=c) is None for c in EU_MEMBER_STATES):
    raise RuntimeError("EU_MEMBER_STATES must be 27 ISO 3166-1 alpha-2 codes")

EXEMPT = "EXEMPT"
SALES_TAX = "SALES_TAX"
COUNTRY_RATES = "COUNTRY_RATES"
REVERSE_CHARGE = "REVERSE_CHARGE"
OUTSIDE_SCOPE = "OUTSIDE_SCOPE"

NOTE_EXEMPT = "Customer is tax exempt"
NOTE_REVERSE_CHARGE = "VAT reverse charged"

# Line categories that are 0 % without a lookup; NO_TAX (the vendor's value) is rated, and written, as ZERO.
_NO_LOOKUP = {"ZERO": ("ZERO", "Zero rated"), "NO_TAX": ("ZERO", "Zero rated"), "EXEMPT": ("EXEMPT", "Exempt")}


@dataclass(frozen=True)
class TaxDecision:
    kind: str  # EXEMPT | SALES_TAX | COUNTRY_RATES | REVERSE_CHARGE | OUTSIDE_SCOPE
    country: str  # whose rules apply: tax_summary.country_code
    sales_tax_percentage: Decimal | None = None  # under SALES_TAX, as the rate book settles it
    used_tax_registration_id: str | None = None
    validation: tuple[ValidationEntry, ...] = ()


def decide(facts: TaxFacts) -> TaxDecision:
    """The treatment of the whole invoice, in the order of the tax decision (docs/billing-decisions.md), with the warnings found on the way."""
    customer, entity = facts.customer, facts.entity
    notes: list[ValidationEntry] = []
    country = customer.country
    if country is None:
        notes.append(validation.missing_customer_country(entity.country))
        country = entity.country
    notes.extend(validation.tax_id_not_valid(t.id) for t in customer.tax_ids if t.valid == "NOT_VALID")
    return replace(_decide(facts, country), validation=tuple(notes))


def applies_country_rates(decision: TaxDecision) -> bool:
    """Whether a country's rates (the rate table) tax the invoice; sales tax is a percentage
    the invoice or subscription gives, not a country's rates."""
    return decision.kind == COUNTRY_RATES


def _decide(facts: TaxFacts, country: str) -> TaxDecision:
    customer, entity = facts.customer, facts.entity
    if customer.tax_exempt:  # 1
        return TaxDecision(EXEMPT, entity.country)
    if entity.country == "US" and country == "US":  # 2
        return TaxDecision(SALES_TAX, "US")
    if entity.country in EU_MEMBER_STATES:  # 3
        registration = next((r for r in entity.tax_registrations if r.country == country), None)
        if registration is not None:  # a
            return TaxDecision(COUNTRY_RATES, country, used_tax_registration_id=registration.id)
        if country == entity.country:  # b
            return TaxDecision(COUNTRY_RATES, entity.country)
        if country in EU_MEMBER_STATES:
            if customer.type == "ORGANIZATION" and customer.usable_tax_ids:  # c
                return TaxDecision(REVERSE_CHARGE, country)
            return TaxDecision(COUNTRY_RATES, country)  # d
        return TaxDecision(OUTSIDE_SCOPE, entity.country)  # e
    if country == entity.country:  # 4
        return TaxDecision(COUNTRY_RATES, entity.country)
    return TaxDecision(OUTSIDE_SCOPE, entity.country)


def lookup_rate(table: Iterable[TaxRate], country: str, category: str, at: datetime) -> TaxRate | None:
    """The table's rate for (country, category) valid at `at` (`valid_from <= at < valid_to`).

    Overlapping rows: the latest `valid_from` wins, then the greatest id (independent of row order).
    """
    valid = [
        rate
        for rate in table
        if rate.country == country
        and rate.category == category
        and (rate.valid_from is None or rate.valid_from <= at)
        and (rate.valid_to is None or at < rate.valid_to)
    ]
    if not valid:
        return None
    return max(valid, key=lambda rate: (rate.valid_from is not None, rate.valid_from or at, rate.id))


@dataclass(frozen=True)
class Treatment:
    """How one line is taxed: the tax_categories entry key (category, percentage) plus name and notes."""

    category: str
    percentage: Decimal
    name: str
    notes: tuple[str, ...] = ()
    rated: bool = False  # the percentage is a rate (a country's or sales tax), listed in `rates`


def treat(decision: TaxDecision, product_category: str, book: RateBook, at: datetime) -> Treatment:
    """The treatment of a line whose product has `product_category` (STANDARD when unknown), in the
    period ending at `at` (where a country's rates are looked up, docs/billing-decisions.md)."""
    zero = Decimal(0)
    if decision.kind == EXEMPT:
        return Treatment("EXEMPT", zero, "Tax exempt", (NOTE_EXEMPT,))
    if decision.kind == REVERSE_CHARGE:
        return Treatment("REVERSE_CHARGE", zero, "Reverse charge", (NOTE_REVERSE_CHARGE,))
    if decision.kind == OUTSIDE_SCOPE:
        return Treatment("OUTSIDE_SCOPE", zero, "Outside scope")
    if product_category in _NO_LOOKUP:
        category, name = _NO_LOOKUP[product_category]
        return Treatment(category, zero, name)
    if decision.kind == SALES_TAX:
        if decision.sales_tax_percentage is None:
            return Treatment("SALES_TAX", zero, "Sales tax")
        return Treatment("SALES_TAX", decision.sales_tax_percentage, "Sales tax", rated=True)
    rate = book.rate(product_category, decision.country, at)
    if rate is None:
        return Treatment(product_category, zero, f"{product_category} (no rate)")
    return Treatment(product_category, rate.percentage, rate.name, rated=True)
