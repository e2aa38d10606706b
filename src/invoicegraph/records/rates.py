"""Tax rates, exchange rates and usage events."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from invoicegraph.records.catalog import TaxCategory
from invoicegraph.records.values import (
    CountryCode,
    CurrencyCode,
    CustomerId,
    ExchangeRateId,
    Instant,
    MeterValueId,
    NonNegativeDecimal,
    Percentage,
    PlatformId,
    PositiveDecimal,
    Record,
    TaxRateId,
)


class TaxRateRecord(Record):
    id: TaxRateId
    platform_id: PlatformId
    country: CountryCode
    category: TaxCategory
    percentage: Percentage
    name: Annotated[str, Field(min_length=1)]
    valid_from: Instant | None = None
    valid_to: Instant | None = None

    @model_validator(mode="after")
    def _window(self) -> TaxRateRecord:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise PydanticCustomError("window", "'valid_to' must be after 'valid_from'")
        return self


class ExchangeRateRecord(Record):
    """1 `base_currency` = `rate` `currency`, from `rate_timestamp` on."""

    id: ExchangeRateId
    platform_id: PlatformId
    base_currency: CurrencyCode
    currency: CurrencyCode
    rate: PositiveDecimal
    rate_timestamp: Instant
    source: str | None = None

    @model_validator(mode="after")
    def _pair(self) -> ExchangeRateRecord:
        if self.base_currency == self.currency:
            raise PydanticCustomError("currency_pair", "'base_currency' and 'currency' must differ")
        return self


def _property_value(value: object) -> str:
    # Conditions and UNIQUE_COUNT compare property values as text, so every scalar is stored as the
    # string it reads as in JSON ("eu", "42", "true"); objects and arrays are refused.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    raise PydanticCustomError("property_value", "a property value must be a string, number or boolean")


PropertyValue = Annotated[str, BeforeValidator(_property_value), WithJsonSchema({"type": ["string", "number", "boolean"]})]


class UsageEventRecord(Record):
    """A usage event, unique per (platform_id, reference)."""

    platform_id: PlatformId
    reference: Annotated[str, Field(min_length=1, max_length=255)]
    customer_id: CustomerId
    meter_value_id: MeterValueId
    timestamp: Instant
    # One occurrence when absent (COUNT ignores the value anyway). Never negative: the spec gives usage
    # no sign, and a negative quantity would only be clamped to 0 in silence (docs/decisions.md).
    value: NonNegativeDecimal = "1"
    properties: dict[str, PropertyValue] = Field(default_factory=dict)


EventKind = Literal["usage_event"]
