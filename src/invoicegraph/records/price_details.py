"""How a line's price was computed (the vendor's PricingItemSummaryPriceDetails and children).

These amounts keep the precision they were computed with (`Amount`, not `Money`): they may carry more
decimals than the rounded line totals.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from invoicegraph.records.values import Amount, CurrencyCode, DecimalStr, Instant, Record


class Credits(Record):
    quantity: DecimalStr
    credit_type_id: str


class UsedExchangeRate(Record):
    currency: CurrencyCode
    base_currency: CurrencyCode
    rate_timestamp: Instant
    rate: DecimalStr
    source: str | None = None


class PriceConversion(Record):
    credits: Credits | None = None
    convert_from_meter_value_id: str


class ConfigMeterValue(Record):
    number: DecimalStr | None = None
    amount: Amount | None = None
    count: DecimalStr | None = None


class PriceBand(Record):
    amount: Amount | None = None
    percentage: DecimalStr | None = None
    credits: Credits | None = None
    maximum_amount: Amount | None = None
    minimum_amount: Amount | None = None
    maximum_number: DecimalStr | None = None
    minimum_number: DecimalStr | None = None
    block_size: ConfigMeterValue | None = None
    tier_lower_bound: ConfigMeterValue | None = None
    tier_top_bound: ConfigMeterValue | None = None
    volume_share: DecimalStr | None = None
    included_volume: ConfigMeterValue | None = None


class MeterValueSummary(Record):
    id: str | None = None
    reference: str | None = None
    number: DecimalStr | None = None
    amount: Amount | None = None
    count: DecimalStr | None = None
    ratio: DecimalStr | None = None
    type: Literal["NUMBER", "AMOUNT"] | None = None


class UsageSummary(Record):
    number: DecimalStr | None = None
    amount: Amount | None = None
    amount_in_pricing_currency: Amount | None = None
    count: DecimalStr
    ratio: DecimalStr | None = None


class ReportUsageSummary(Record):
    meter_value_calculation_id: str
    number: DecimalStr | None = None
    amount: Amount | None = None
    amount_in_pricing_currency: Amount | None = None
    count: DecimalStr | None = None
    ratio: DecimalStr | None = None


class IncludedVolumeDetails(Record):
    included_volume: MeterValueSummary | None = None
    available_included_volume: MeterValueSummary | None = None
    period_volume: MeterValueSummary | None = None


class WalletBalanceDetails(Record):
    used_wallet_credits: Credits | None = None
    left_wallet_credits: Credits | None = None
    available_wallet_credits: Credits | None = None


class MeterPropertySplit(Record):
    id: str | None = None
    reference: str | None = None
    value: str | None = None


class SplitPricing(Record):
    meter_properties: list[MeterPropertySplit] = Field(default_factory=list)


class PriceDetails(Record):
    amount: Amount | None = None
    pricing_currency: CurrencyCode | None = None
    pricing_amount: Amount | None = None
    conversion: PriceConversion | None = None
    band: PriceBand | None = None
    meter_value: MeterValueSummary | None = None
    tiering_meter_value: MeterValueSummary | None = None
    price_bound: str | None = None
    meter_values: list[UsageSummary] = Field(default_factory=list)
    report_meter_values: list[ReportUsageSummary] = Field(default_factory=list)
    description: str | None = None
    used_exchange_rates: list[UsedExchangeRate] = Field(default_factory=list)
    included_volume_details: IncludedVolumeDetails | None = None
    wallet_balance_details: WalletBalanceDetails | None = None
    split_pricing: SplitPricing | None = None
    meter_value_share_of_total: DecimalStr | None = None
    meter_value_share_of_processing_only_customer_total: DecimalStr | None = None
