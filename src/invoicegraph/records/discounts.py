"""Coupons and promotion codes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, computed_field, model_validator
from pydantic_core import PydanticCustomError

from invoicegraph.records.values import (
    Amount,
    CouponId,
    CustomerId,
    DecimalStr,
    Instant,
    MeterValueId,
    Percentage,
    Period,
    PlatformId,
    ProductId,
    PromotionCodeId,
    Record,
    Reference,
)

Comparator = Literal[
    "EQUALS",
    "NOT_EQUALS",
    "IN",
    "NOT_IN",
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUALS",
    "LESS_THAN",
    "LESS_THAN_OR_EQUALS",
    "EMPTY",
    "NOT_EMPTY",
    "CONTAINS",
    "NOT_CONTAINS",
]


class CouponDiscountUsage(Record):
    meter_value_id: MeterValueId
    number: DecimalStr | None = None
    amount: Amount | None = None


class DiscountCondition(Record):
    comparator: Comparator | None = None
    amount: Amount | None = None


class CouponDiscount(Record):
    type: Literal["PERCENTAGE", "AMOUNT", "USAGE"]
    percentage: Percentage | None = None
    amount: Amount | None = None
    usage: CouponDiscountUsage | None = None
    condition: DiscountCondition | None = None

    @model_validator(mode="after")
    def _value_for_type(self) -> CouponDiscount:
        field = {"PERCENTAGE": "percentage", "AMOUNT": "amount", "USAGE": "usage"}[self.type]
        if getattr(self, field) is None:
            raise PydanticCustomError("discount", "a {type} discount needs '{field}'", {"type": self.type, "field": field})
        return self


class CouponDuration(Record):
    type: Literal["ONE_TIME", "FOREVER", "PERIOD"]
    period: Period | None = None

    @model_validator(mode="after")
    def _period(self) -> CouponDuration:
        if self.type == "PERIOD" and self.period is None:
            raise PydanticCustomError("duration", "a PERIOD duration needs 'period'")
        return self


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class CouponLimitedTo(Record):
    product_category_ids: list[str] = Field(default_factory=list)
    product_ids: list[ProductId] = Field(default_factory=list)
    product_item_ids: list[str] = Field(default_factory=list)


class CouponRecord(Record):
    id: CouponId
    platform_id: PlatformId
    object_type: Literal["COUPON"] = "COUPON"
    reference: Reference
    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    status: Literal["DRAFT", "ACTIVE", "INACTIVE", "DEPRECATED", "ARCHIVED"] = "ACTIVE"
    discount: CouponDiscount
    # Absent or null means ONE_TIME ("null means once"): stored as null, so the API shows null. No
    # default in the JSON Schema either: a default there would tell other tools a missing duration is
    # something it is not.
    duration: CouponDuration | None = Field(default=None, json_schema_extra=_no_default)
    limited_to: CouponLimitedTo | None = None
    start_at: Instant | None = None
    end_at: Instant | None = None
    maximum_redemptions: Annotated[int, Field(ge=0)] | None = None
    number_of_redemptions: Annotated[int, Field(ge=0)] | None = None
    created_at: Instant | None = None
    updated_at: Instant | None = None

    @model_validator(mode="after")
    def _window(self) -> CouponRecord:
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            raise PydanticCustomError("window", "'end_at' must be after 'start_at'")
        return self


class PromotionCodeLimitedTo(Record):
    customer_ids: list[CustomerId] = Field(default_factory=list)


class PromotionCodeRecord(Record):
    id: PromotionCodeId
    platform_id: PlatformId
    object_type: Literal["PROMOTION_CODE"] = "PROMOTION_CODE"
    code: Annotated[str, Field(min_length=1, max_length=255)]
    code_format: str | None = None
    coupon_id: CouponId
    status: Literal["DRAFT", "ACTIVE", "INACTIVE", "ARCHIVED", "DEPRECATED"] = "ACTIVE"
    # The vendor's nested form; the schema reads the flattened `limited_to_customer_ids`.
    limited_to: PromotionCodeLimitedTo | None = None
    start_at: Instant | None = None
    end_at: Instant | None = None
    maximum_redemptions: Annotated[int, Field(ge=0)] | None = None
    number_of_redemptions: Annotated[int, Field(ge=0)] | None = None
    created_at: Instant | None = None
    updated_at: Instant | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def limited_to_customer_ids(self) -> list[str]:
        return list(self.limited_to.customer_ids) if self.limited_to else []
