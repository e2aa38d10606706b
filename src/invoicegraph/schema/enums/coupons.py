"""Enums of coupons and promotion codes."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Lifecycle state of a coupon.")
class CouponStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="Can be applied.")
    INACTIVE = strawberry.enum_value("INACTIVE", description="Temporarily not applicable.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="Deprecated; kept for history.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")


@strawberry.enum(description="How a coupon discount is expressed.")
class CouponDiscountType(Enum):
    PERCENTAGE = strawberry.enum_value("PERCENTAGE", description="A percentage off.")
    AMOUNT = strawberry.enum_value("AMOUNT", description="A fixed amount off.")
    USAGE = strawberry.enum_value("USAGE", description="An amount of usage for free.")


@strawberry.enum(description="Duration kind of a coupon.")
class CouponDurationType(Enum):
    ONE_TIME = strawberry.enum_value("ONE_TIME", description="Applies to one invoice.")
    FOREVER = strawberry.enum_value("FOREVER", description="Applies to every invoice.")
    PERIOD = strawberry.enum_value("PERIOD", description="Applies for a set period.")


@strawberry.enum(description="Lifecycle state of a promotion code.")
class PromotionCodeStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="Can be used.")
    INACTIVE = strawberry.enum_value("INACTIVE", description="Temporarily not usable.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="Deprecated; kept for history.")
