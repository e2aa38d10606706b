"""How a line's price was computed: bands, conversions, usage summaries (snapshot JSON in `periods`)."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from invoicegraph.schema.enums.catalog import MeterValueType
from invoicegraph.schema.scalars import CurrencyCode
from invoicegraph.schema.types.values import Amount, Credits, UsedExchangeRate


@strawberry.type(
    description=("How a line's or sub-line's price was computed. Amounts here may carry more\ndecimals than the rounded line totals."),
)
class PriceDetails:
    amount: Amount | None = strawberry.field(
        description="Resulting charge in the billing currency; null when not computed.",
    )
    pricing_currency: CurrencyCode | None = strawberry.field(
        description="Currency the price is defined in, when it differs from the billing currency; null otherwise.",
    )
    pricing_amount: Amount | None = strawberry.field(
        description="Resulting charge in pricingCurrency, before conversion; null when no conversion.",
    )
    conversion: PriceConversion | None = strawberry.field(
        description="Conversion of usage into credits; null when none.",
    )
    band: PriceBand | None = strawberry.field(
        description="Price band (tier, block or flat rate) that applied; null when none.",
    )
    meter_value: MeterValueSummary | None = strawberry.field(
        description="Usage the price was applied to; null when not usage-based.",
    )
    tiering_meter_value: MeterValueSummary | None = strawberry.field(
        description="Usage used to pick the tier when it differs from meterValue; null otherwise.",
    )
    price_bound: str | None = strawberry.field(
        description="Price floor or ceiling that was hit (vendor string); null when none.",
    )
    meter_values: list[UsageSummary] = strawberry.field(
        description="Aggregated usage per meter value behind the price.",
    )
    report_meter_values: list[ReportUsageSummary] = strawberry.field(
        description="Aggregated usage of reporting-only metrics (informational, not charged).",
    )
    description: str | None = strawberry.field(
        description="Text explaining the computation; null when none.",
    )
    used_exchange_rates: list[UsedExchangeRate] = strawberry.field(
        description="Exchange rates used for this price.",
    )
    included_volume_details: IncludedVolumeDetails | None = strawberry.field(
        description="How included (free) volume was used; null when none applies.",
    )
    wallet_balance_details: WalletBalanceDetails | None = strawberry.field(
        description="How wallet credits paid for this charge; null when no wallet was used.",
    )
    split_pricing: SplitPricing | None = strawberry.field(
        description="Split of the price by meter-property values; null when not split.",
    )
    meter_value_share_of_total: Decimal | None = strawberry.field(
        description="This line's share of total usage, as a fraction between 0 and 1; null when not shared.",
    )
    meter_value_share_of_processing_only_customer_total: Decimal | None = strawberry.field(
        description="This processing-only customer's share of its parent's usage, as a fraction between 0 and 1; null when not applicable.",
    )


@strawberry.type(
    description="Conversion of usage into credits.",
)
class PriceConversion:
    credits: Credits | None = strawberry.field(
        description="Credits charged for the usage; null when none.",
    )
    convert_from_meter_value_id: strawberry.ID = strawberry.field(
        description="Meter value the usage was converted from.",
    )


@strawberry.type(
    description="Price band that applied to a line.",
)
class PriceBand:
    amount: Amount | None = strawberry.field(
        description="Price per unit or per block; null for percentage prices.",
    )
    percentage: Decimal | None = strawberry.field(
        description="Percentage price, in percent; null for amount prices.",
    )
    credits: Credits | None = strawberry.field(
        description="Price in credits; null when priced in money.",
    )
    maximum_amount: Amount | None = strawberry.field(
        description="Upper cap on the charge; null when none.",
    )
    minimum_amount: Amount | None = strawberry.field(
        description="Lower floor on the charge; null when none.",
    )
    maximum_number: Decimal | None = strawberry.field(
        description="Upper cap on the counted quantity; null when none.",
    )
    minimum_number: Decimal | None = strawberry.field(
        description="Lower floor on the counted quantity; null when none.",
    )
    block_size: ConfigMeterValue | None = strawberry.field(
        description="Block size for block pricing; null when not block-priced.",
    )
    tier_lower_bound: ConfigMeterValue | None = strawberry.field(
        description="Lower bound of the tier; null when not tiered.",
    )
    tier_top_bound: ConfigMeterValue | None = strawberry.field(
        description="Upper bound of the tier; null for the open top tier or when not tiered.",
    )
    volume_share: Decimal | None = strawberry.field(
        description="Share of volume falling in this band, as a fraction; null when not applicable.",
    )
    included_volume: ConfigMeterValue | None = strawberry.field(
        description="Volume included for free; null when none.",
    )


@strawberry.type(
    description="A configured quantity: a number, an amount or a count (one is set).",
)
class ConfigMeterValue:
    number: Decimal | None = strawberry.field(
        description="Quantity as a number; null when given as amount or count.",
    )
    amount: Amount | None = strawberry.field(
        description="Quantity as money; null when given as number or count.",
    )
    count: Decimal | None = strawberry.field(
        description="Quantity as an event count (integer); null when given as number or amount.",
    )


@strawberry.type(
    description="Usage of one meter value as used in a price.",
)
class MeterValueSummary:
    id: strawberry.ID | None = strawberry.field(
        name="meterValueId",
        description="Meter value id; null when unknown.",
    )
    reference: str | None = strawberry.field(
        description="Meter value reference; null when unknown.",
    )
    number: Decimal | None = strawberry.field(
        description="Measured number; set when type is NUMBER.",
    )
    amount: Amount | None = strawberry.field(
        description="Measured money value; set when type is AMOUNT.",
    )
    count: Decimal | None = strawberry.field(
        description="Number of events counted (integer); null when not counted.",
    )
    ratio: Decimal | None = strawberry.field(
        description="Ratio applied to the measurement, as a fraction; null when none.",
    )
    type: MeterValueType | None = strawberry.field(
        description="Kind of measurement; null when unknown.",
    )


@strawberry.type(
    description="Aggregated usage behind a price.",
)
class UsageSummary:
    number: Decimal | None = strawberry.field(
        description="Summed number; null for AMOUNT metrics.",
    )
    amount: Amount | None = strawberry.field(
        description="Summed money value in the billing currency; null for NUMBER metrics.",
    )
    amount_in_pricing_currency: Amount | None = strawberry.field(
        description="Summed money value in the pricing currency; null when no conversion.",
    )
    count: Decimal = strawberry.field(
        description="Number of events aggregated (integer; may exceed 32 bits, hence Decimal).",
    )
    ratio: Decimal | None = strawberry.field(
        description="Ratio applied, as a fraction; null when none.",
    )


@strawberry.type(
    description="Aggregated usage of a reporting-only metric.",
)
class ReportUsageSummary:
    meter_value_calculation_id: strawberry.ID = strawberry.field(
        description="Meter value calculation (billable metric) reported.",
    )
    number: Decimal | None = strawberry.field(
        description="Summed number; null for AMOUNT metrics.",
    )
    amount: Amount | None = strawberry.field(
        description="Summed money value; null for NUMBER metrics.",
    )
    amount_in_pricing_currency: Amount | None = strawberry.field(
        description="Summed money value in the pricing currency; null when no conversion.",
    )
    count: Decimal | None = strawberry.field(
        description="Number of events aggregated (integer); null when not counted.",
    )
    ratio: Decimal | None = strawberry.field(
        description="Ratio applied, as a fraction; null when none.",
    )


@strawberry.type(
    description="Use of included (free) volume.",
)
class IncludedVolumeDetails:
    included_volume: MeterValueSummary | None = strawberry.field(
        description="Volume included for the period.",
    )
    available_included_volume: MeterValueSummary | None = strawberry.field(
        description="Included volume still available before this charge.",
    )
    period_volume: MeterValueSummary | None = strawberry.field(
        description="Volume measured in the period.",
    )


@strawberry.type(
    description="Use of wallet credits for a charge.",
)
class WalletBalanceDetails:
    used_wallet_credits: Credits | None = strawberry.field(
        description="Credits taken from the wallet for this charge.",
    )
    left_wallet_credits: Credits | None = strawberry.field(
        description="Credits left in the wallet after this charge.",
    )
    available_wallet_credits: Credits | None = strawberry.field(
        description="Credits available when the charge was computed.",
    )


@strawberry.type(
    description="Split of a price by meter-property values.",
)
class SplitPricing:
    meter_properties: list[MeterPropertySplit] = strawberry.field(
        description="Property values the price was split on.",
    )


@strawberry.type(
    description="One property value a price was split on.",
)
class MeterPropertySplit:
    id: strawberry.ID | None = strawberry.field(
        name="meterPropertyId",
        description="Meter property id; null when given by reference.",
    )
    reference: str | None = strawberry.field(
        description="Meter property reference; null when given by id.",
    )
    value: str | None = strawberry.field(
        description="Property value of this split; null for the remainder.",
    )
