"""The customer and billing-entity facts the tax decision reads (docs/billing-decisions.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from invoicegraph.billing.fields import Fields, object_list, opt_str, req_str, sub


@dataclass(frozen=True)
class TaxIdFact:
    id: str
    valid: str | None = None  # VALID | NOT_VALID | UNKNOWN; None when never validated


@dataclass(frozen=True)
class CustomerTaxFacts:
    id: str
    type: str  # ORGANIZATION | INDIVIDUAL
    country: str | None
    tax_ids: tuple[TaxIdFact, ...] = ()
    tax_exempt: bool = False

    @property
    def usable_tax_ids(self) -> tuple[TaxIdFact, ...]:
        """Tax ids not marked NOT_VALID: only these qualify a sale for reverse charge."""
        return tuple(tax_id for tax_id in self.tax_ids if tax_id.valid != "NOT_VALID")

    @classmethod
    def from_fields(cls, record: Fields) -> CustomerTaxFacts:
        """From a Customer record (import format) or the invoice's customer snapshot."""
        kind = opt_str(record, "type") or "ORGANIZATION"
        if kind == "INDIVIDUAL":
            holder = sub(record, "individual")
            address = sub(holder, "residential_address") or sub(holder, "registered_address")
        else:
            holder = sub(record, "organization")
            address = sub(holder, "registered_address")
        address = address or sub(record, "address")
        return cls(
            id=req_str(record, "id"),
            type=kind,
            country=opt_str(address, "country") or None,
            tax_ids=_tax_ids(holder),
            tax_exempt=holder.get("tax_exempt") is True,
        )


def _tax_ids(holder: Fields) -> tuple[TaxIdFact, ...]:
    found: dict[str, TaxIdFact] = {}
    for entry in object_list(holder, "tax_ids"):
        number = opt_str(entry, "id")
        if number:
            valid = opt_str(sub(entry, "tax_id_validation_result"), "valid")
            found.setdefault(number, TaxIdFact(number, valid))
    primary = opt_str(holder, "tax_id")
    if primary and primary not in found:
        found = {primary: TaxIdFact(primary), **found}
    return tuple(found.values())


@dataclass(frozen=True)
class TaxRegistrationFact:
    id: str | None
    country: str | None
    tax_id: str | None = None


@dataclass(frozen=True)
class EntityTaxFacts:
    id: str
    country: str
    tax_registrations: tuple[TaxRegistrationFact, ...] = ()

    @classmethod
    def from_fields(cls, record: Fields) -> EntityTaxFacts:
        """From a BillingEntity record (import format) or the invoice's billing-entity snapshot."""
        return cls(
            id=req_str(record, "id"),
            country=req_str(sub(record, "registered_address"), "country"),
            tax_registrations=tuple(
                TaxRegistrationFact(
                    id=opt_str(registration, "id"),
                    country=opt_str(sub(registration, "registered_address"), "country"),
                    tax_id=opt_str(registration, "tax_id"),
                )
                for registration in object_list(record, "tax_registrations")
            ),
        )


@dataclass(frozen=True)
class TaxFacts:
    customer: CustomerTaxFacts
    entity: EntityTaxFacts
    # The invoice's own sales_tax_percentage, and the first subscription's (the fallback for the sales tax rate).
    invoice_sales_tax_percentage: Decimal | None = None
    subscription_sales_tax_percentage: Decimal | None = None

    @property
    def sales_tax_percentage(self) -> Decimal | None:
        if self.invoice_sales_tax_percentage is not None:
            return self.invoice_sales_tax_percentage
        return self.subscription_sales_tax_percentage
