"""Validation entries (docs/billing-decisions.md): `{status: ERROR | WARNING, details}`.

An ERROR is blocking: the refresh puts the invoice on hold. The messages are the ones a person fixing
the invoice reads, so they name the missing data precisely.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from invoicegraph.billing.instants import format_instant

ValidationEntry = dict[str, str]

ERROR = "ERROR"
WARNING = "WARNING"


def error(details: str) -> ValidationEntry:
    return {"status": ERROR, "details": details}


def warning(details: str) -> ValidationEntry:
    return {"status": WARNING, "details": details}


def has_blocking_error(entries: Iterable[ValidationEntry]) -> bool:
    return any(entry["status"] == ERROR for entry in entries)


def unique(entries: Iterable[ValidationEntry]) -> list[ValidationEntry]:
    """Each entry once; errors before warnings, otherwise in the order found."""
    seen: dict[tuple[str, str], ValidationEntry] = {}
    for entry in entries:
        seen.setdefault((entry["status"], entry["details"]), entry)
    ordered = list(seen.values())
    return [e for e in ordered if e["status"] == ERROR] + [e for e in ordered if e["status"] != ERROR]


def missing_sales_tax() -> ValidationEntry:
    return error(
        "Sales tax percentage is missing: the billing entity and the customer are both in US; "
        "set sales_tax_percentage on the invoice or its first subscription"
    )


def missing_exchange_rate(base_currency: str, currency: str, at: datetime) -> ValidationEntry:
    return error(f"No exchange rate from {base_currency} to {currency} at or before {format_instant(at)}; the line is priced at 0")


def missing_tax_rate(category: str, country: str, at: datetime) -> ValidationEntry:
    return error(f"No {category} tax rate for {country} valid at {format_instant(at)}; 0% was applied")


def missing_customer_country(entity_country: str) -> ValidationEntry:
    return warning(f"Customer has no address country; the billing entity's country {entity_country} is used")


def tax_id_not_valid(tax_id: str) -> ValidationEntry:
    return warning(f"Customer tax id {tax_id} is marked not valid; it is not used for reverse charge")


def missing_local_exchange_rate(billing_currency: str, local_currency: str, at: datetime) -> ValidationEntry:
    return error(
        f"No exchange rate from {billing_currency} to {local_currency} at or before {format_instant(at)}; "
        f"the tax amounts cannot be shown in {local_currency}"
    )


def negative_total(total: str, currency: str) -> ValidationEntry:
    return error(f"The invoice total would be {total} {currency}: a STANDARD invoice cannot be negative; issue a credit invoice instead")
