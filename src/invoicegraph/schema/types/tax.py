"""Tax: registrations and tax ids, and the tax summaries at invoice, period, group and line level."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from invoicegraph.schema.enums.invoice import InvoiceTaxCategory
from invoicegraph.schema.enums.parties import TaxIdType, TaxIdValidity
from invoicegraph.schema.scalars import CountryCode
from invoicegraph.schema.types.values import Address, Amount, UsedExchangeRate


@strawberry.type(
    description="A registration for tax in one jurisdiction.",
)
class TaxRegistration:
    id: strawberry.ID | None = strawberry.field(
        name="taxRegistrationId",
        description="Id of the registration; null when not stored separately.",
    )
    description: str | None = strawberry.field(
        description="Free description, e.g. the jurisdiction; null when none.",
    )
    tax_id: str | None = strawberry.field(
        description="Primary tax number of this registration (TIN, VAT id...); null when none.",
    )
    tax_ids: list[TaxId] = strawberry.field(
        description="All tax numbers of this registration.",
    )
    registration_number: str | None = strawberry.field(
        description="Company registration number under this registration; null when none.",
    )
    registered_address: Address | None = strawberry.field(
        description="Address of this registration when it differs from the owner's; it is the address tax calculation uses.",
    )


@strawberry.type(
    description="A tax number with its kind and validation result.",
)
class TaxId:
    id: str = strawberry.field(
        name="number",
        description='The tax number itself (not a resource id), e.g. "NL123456789B01".',
    )
    type: TaxIdType | None = strawberry.field(
        description="Kind of tax the number is for; null for an unspecified kind.",
    )
    display_name: str | None = strawberry.field(
        description="Label shown to users; null when none.",
    )
    tax_id_validation_result: TaxIdValidation | None = strawberry.field(
        description="Last validation of the number; null when never validated.",
    )


@strawberry.type(
    description="Result of checking a tax number with an authority.",
)
class TaxIdValidation:
    id: str = strawberry.field(
        name="validationId",
        description="Id of the validation.",
    )
    validation_date: datetime = strawberry.field(
        description="When the check ran.",
    )
    source: str = strawberry.field(
        description="Who performed the check (e.g. an authority's service).",
    )
    valid: TaxIdValidity = strawberry.field(
        description="Outcome.",
    )
    message: str | None = strawberry.field(
        description="Extra information from the checker; null when none.",
    )


@strawberry.type(
    description="Tax for one tax category at one level (invoice, period, group or line).",
)
class InvoiceTaxCategorySummary:
    base_amount: Amount = strawberry.field(
        description="Amount the tax is computed on.",
    )
    tax_amount: Amount = strawberry.field(
        description="Tax charged.",
    )
    total_amount: Amount = strawberry.field(
        description="baseAmount plus taxAmount.",
    )
    percentage: Decimal = strawberry.field(
        description='Combined tax rate in percent, e.g. "21".',
    )
    name: str = strawberry.field(
        description='Name printed for the tax, e.g. "VAT 21%".',
    )
    category: InvoiceTaxCategory = strawberry.field(
        description="Tax category or treatment the entry was taxed under.",
    )
    local_amounts: InvoiceTaxAmounts | None = strawberry.field(
        description="The same amounts in the tax country's currency; null when equal to the billing currency.",
    )
    notes: list[str] = strawberry.field(
        description="Legal notes required for this tax (e.g. reverse charge); empty when none.",
    )
    rates: list[InvoiceTaxRate] = strawberry.field(
        description="Component rates when the tax is made of several (e.g. state and county).",
    )


@strawberry.type(
    description="One component rate of a tax.",
)
class InvoiceTaxRate:
    name: str = strawberry.field(
        description="Name of the component, e.g. a state tax.",
    )
    percentage: Decimal = strawberry.field(
        description="Rate in percent.",
    )
    tax_amount: Amount = strawberry.field(
        description="Tax charged by this component.",
    )


@strawberry.type(
    description="Tax amounts converted into the tax country's local currency.",
)
class InvoiceTaxAmounts:
    base_amount: Amount = strawberry.field(
        description="Base amount in local currency.",
    )
    tax_amount: Amount = strawberry.field(
        description="Tax in local currency.",
    )
    total_amount: Amount = strawberry.field(
        description="Total in local currency.",
    )
    used_exchange_rate: UsedExchangeRate | None = strawberry.field(
        description="Rate used for the conversion; null when none was needed.",
    )
    display: bool = strawberry.field(
        description="True when the local amounts must be printed on the invoice.",
    )


@strawberry.type(
    description="Tax totals of the whole invoice.",
)
class InvoiceTaxTotalSummary:
    base_amount: Amount = strawberry.field(
        description="Total amount tax is computed on.",
    )
    tax_amount: Amount = strawberry.field(
        description="Total tax.",
    )
    total_amount: Amount = strawberry.field(
        description="baseAmount plus taxAmount.",
    )
    local_amounts: InvoiceTaxAmounts | None = strawberry.field(
        description="Totals in the tax country's currency; null when equal to the billing currency.",
    )
    notes: list[str] = strawberry.field(
        description="Legal notes for the invoice as a whole; empty when none.",
    )
    country_code: CountryCode = strawberry.field(
        description="Country whose tax rules were applied.",
    )


@strawberry.type(
    description="Tax behaviour of a billing entity.",
)
class TaxSettings:
    apply_local_vat_for_missing_tax_id: bool = strawberry.field(
        description="When true, local VAT is charged to an EU business customer abroad that has no VAT id on file.",
    )
