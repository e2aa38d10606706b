"""Small value types used everywhere: Amount, Period, Address, Credits, UnitName, UsedExchangeRate."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from invoicegraph.schema.enums.invoice import PeriodType
from invoicegraph.schema.scalars import CountryCode, CurrencyCode


@strawberry.type(
    description=(
        'Money. quantity is in the currency\'s major unit ("12.30" EUR is twelve euros\n'
        "thirty). Invoice, period, group, line, discount and tax amounts are rounded\n"
        "half-up to the currency's ISO 4217 minor unit. They are printed with exactly\n"
        'that many decimals: "94.50" for EUR, "1000" for JPY. Unit prices and other\n'
        "pricing-detail values keep full precision, up to 12 decimals. Amounts of\n"
        "credit invoices are negative."
    ),
)
class Amount:
    quantity: Decimal = strawberry.field(
        description="Signed decimal amount in major units of currency.",
    )
    currency: CurrencyCode = strawberry.field(
        description="Currency of quantity.",
    )


@strawberry.type(
    description="A length of time: value units of type, e.g. 3 MONTH is a quarter.",
)
class Period:
    type: PeriodType = strawberry.field(
        description="Unit of the period.",
    )
    value: int | None = strawberry.field(
        description="Number of units; null when the vendor gives none, read as 1.",
    )


@strawberry.type(
    description="Postal address.",
)
class Address:
    line1: str | None = strawberry.field(
        description="First address line (street and number).",
    )
    line2: str | None = strawberry.field(
        description="Second address line.",
    )
    city: str | None = strawberry.field(
        description="City or town.",
    )
    postal_code: str | None = strawberry.field(
        description="Postal or ZIP code.",
    )
    state: str | None = strawberry.field(
        description="State, province or region.",
    )
    country: CountryCode | None = strawberry.field(
        description="Country; null when unknown.",
    )


@strawberry.type(
    description="A quantity of credits of one credit type (prepaid units, not money).",
)
class Credits:
    quantity: Decimal = strawberry.field(
        description="Number of credits; may be fractional.",
    )
    credit_type_id: strawberry.ID = strawberry.field(
        description="Id of the credit type; see Invoice.creditTypes for its definition.",
    )


@strawberry.type(
    description="Singular and plural display names of a unit, e.g. token / tokens.",
)
class UnitName:
    singular: str = strawberry.field(
        description="Name for one unit.",
    )
    plural: str | None = strawberry.field(
        description="Name for several units; null means the singular is used.",
    )


@strawberry.type(
    description="Exchange rate applied on the invoice.",
)
class UsedExchangeRate:
    currency: CurrencyCode = strawberry.field(
        description="Currency converted into (the quote currency).",
    )
    base_currency: CurrencyCode = strawberry.field(
        description="Currency converted from.",
    )
    rate_timestamp: datetime = strawberry.field(
        description="Moment the rate applies to: the latest rate at or before the end of the period it was used for.",
    )
    rate: Decimal = strawberry.field(
        description="Units of currency for one unit of baseCurrency (1 baseCurrency = rate currency), unrounded.",
    )
    source: str | None = strawberry.field(
        description="Where the rate came from (provider name); null when not recorded.",
    )
