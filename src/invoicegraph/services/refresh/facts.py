"""The tax facts of an invoice, read from its own copies of the customer and billing entity.

The treatment follows what the invoice holds (docs/refresh.md): a CUSTOMER refresh that moves the
customer abroad changes the treatment because it changes the copy, not because the live record moved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from invoicegraph.billing.fields import MutableFields
from invoicegraph.billing.money import parse_decimal
from invoicegraph.billing.rate_book import FROM_SUBSCRIPTION, SALES_TAX
from invoicegraph.billing.tax_facts import CustomerTaxFacts, EntityTaxFacts, TaxFacts, TaxIdFact, TaxRegistrationFact


def _country(snapshot: MutableFields) -> str | None:
    address = snapshot.get("address") or {}
    country = address.get("country")
    return country if isinstance(country, str) and country else None


def _tax_ids(snapshot: MutableFields) -> tuple[TaxIdFact, ...]:
    found: dict[str, TaxIdFact] = {}
    primary = snapshot.get("tax_id")
    if isinstance(primary, str) and primary:
        found[primary] = TaxIdFact(primary)
    for entry in snapshot.get("tax_ids") or []:
        number = entry.get("id")
        if isinstance(number, str) and number:
            validation = entry.get("tax_id_validation_result") or {}
            found[number] = TaxIdFact(number, validation.get("valid"))
    return tuple(found.values())


def customer_facts(snapshot: MutableFields) -> CustomerTaxFacts:
    return CustomerTaxFacts(
        id=str(snapshot["id"]),
        type=str(snapshot.get("type") or "ORGANIZATION"),
        country=_country(snapshot),
        tax_ids=_tax_ids(snapshot),
        tax_exempt=snapshot.get("tax_exempt") is True,
    )


def entity_facts(snapshot: MutableFields) -> EntityTaxFacts:
    return EntityTaxFacts(
        id=str(snapshot["id"]),
        country=_country(snapshot) or "",
        tax_registrations=tuple(
            TaxRegistrationFact(
                id=registration.get("id"),
                country=(registration.get("registered_address") or {}).get("country"),
                tax_id=registration.get("tax_id"),
            )
            for registration in snapshot.get("tax_registrations") or []
        ),
    )


def _percentage(value: Any) -> Decimal | None:
    return None if value is None else parse_decimal(value)


def own_sales_tax_percentage(invoice: MutableFields) -> Any:
    """The invoice's own `sales_tax_percentage`; None when the one it shows was copied from its
    subscription by an earlier refresh (docs/billing-decisions.md), which the stored rates record."""
    for rate in invoice.get("tax_rates") or []:
        if rate.get("category") == SALES_TAX and rate.get("source") == FROM_SUBSCRIPTION:
            return None
    return invoice.get("sales_tax_percentage")


def tax_facts(
    customer_snapshot: MutableFields, entity_snapshot: MutableFields, invoice: MutableFields, subscriptions: list[MutableFields]
) -> TaxFacts:
    first = subscriptions[0] if subscriptions else {}
    return TaxFacts(
        customer=customer_facts(customer_snapshot),
        entity=entity_facts(entity_snapshot),
        invoice_sales_tax_percentage=_percentage(own_sales_tax_percentage(invoice)),
        subscription_sales_tax_percentage=_percentage(first.get("sales_tax_percentage")),
    )
