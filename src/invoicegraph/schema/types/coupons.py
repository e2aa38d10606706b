"""Coupons and promotion codes: the snapshots on the invoice and the live records (via loaders)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from invoicegraph.schema.enums.catalog import ConditionComparator
from invoicegraph.schema.enums.coupons import CouponDiscountType, CouponDurationType, CouponStatus, PromotionCodeStatus
from invoicegraph.schema.enums.resources import ObjectType
from invoicegraph.schema.loading import load_one
from invoicegraph.schema.node import Node
from invoicegraph.schema.types.values import Amount, Period


@strawberry.type(
    description="A coupon applied to the invoice.",
)
class InvoiceCoupon:
    coupon_id: strawberry.ID | None = strawberry.field(
        description="Coupon id; null when the coupon was not stored by id.",
    )
    coupon_name: str | None = strawberry.field(
        description="Coupon name at the time it was applied; null when unknown.",
    )
    coupon: Coupon | None = strawberry.field(
        resolver=load_one("coupon_by_id", "coupon_id"),
        description="The coupon as it is now; null when absent.",
    )


@strawberry.type(
    description="A promotion code applied to the invoice.",
)
class InvoicePromotionCode:
    promotion_code_details: PromotionCodeDetails | None = strawberry.field(
        description="Id and code as applied; null when unknown.",
    )
    coupon_id: strawberry.ID | None = strawberry.field(
        description="Coupon the code grants; null when unknown.",
    )
    promotion_code: PromotionCode | None = strawberry.field(
        resolver=load_one("promotion_code_by_id", "promotion_code_details", "promotion_code_id"),
        description="The promotion code as it is now; null when absent.",
    )
    coupon: Coupon | None = strawberry.field(
        resolver=load_one("coupon_by_id", "coupon_id"),
        description="The coupon the code grants, as it is now; null when absent.",
    )


@strawberry.type(
    description="Id and code of an applied promotion code.",
)
class PromotionCodeDetails:
    promotion_code_id: strawberry.ID | None = strawberry.field(
        description="Promotion code id; null when unknown.",
    )
    code: str | None = strawberry.field(
        description="The code the customer entered; null when unknown.",
    )


@strawberry.type(
    description="A discount definition (live record).",
)
class Coupon(Node):
    id: strawberry.ID = strawberry.field(
        description="Coupon id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "COUPON".',
    )
    reference: str = strawberry.field(
        description="User-chosen unique key.",
    )
    name: str = strawberry.field(
        description="Display name.",
    )
    description: str | None = strawberry.field(
        description="Free description; null when none.",
    )
    status: CouponStatus | None = strawberry.field(
        description="Lifecycle state; null when unset.",
    )
    discount: CouponDiscount = strawberry.field(
        description="What the coupon takes off.",
    )
    duration: CouponDuration | None = strawberry.field(
        description="For how long the discount applies; null means once.",
    )
    limited_to: CouponLimitedTo | None = strawberry.field(
        description="Catalog items the discount is limited to; null means everything.",
    )
    start_at: datetime | None = strawberry.field(
        description="Start of validity; null means from creation.",
    )
    end_at: datetime | None = strawberry.field(
        description="End of validity; null means no end.",
    )
    maximum_redemptions: int | None = strawberry.field(
        description="Maximum number of redemptions; null means unlimited.",
    )
    number_of_redemptions: int | None = strawberry.field(
        description="Redemptions so far; null when not tracked.",
    )
    created_at: datetime | None = strawberry.field(
        description="When the coupon was created.",
    )
    updated_at: datetime | None = strawberry.field(
        description="When the coupon was last changed.",
    )


@strawberry.type(
    description="The discount a coupon grants.",
)
class CouponDiscount:
    type: CouponDiscountType = strawberry.field(
        description="How the discount is expressed.",
    )
    percentage: Decimal | None = strawberry.field(
        description="Percentage off, in percent; set when type is PERCENTAGE.",
    )
    amount: Amount | None = strawberry.field(
        description="Fixed amount off; set when type is AMOUNT.",
    )
    usage: CouponDiscountUsage | None = strawberry.field(
        description="Usage given for free; set when type is USAGE.",
    )
    condition: DiscountCondition | None = strawberry.field(
        description="Condition the invoice must meet for the discount; null when unconditional.",
    )


@strawberry.type(
    description="Usage granted for free by a coupon.",
)
class CouponDiscountUsage:
    meter_value_id: strawberry.ID = strawberry.field(
        description="Meter value the free usage applies to.",
    )
    number: Decimal | None = strawberry.field(
        description="Free quantity for NUMBER metrics; null otherwise.",
    )
    amount: Amount | None = strawberry.field(
        description="Free money value for AMOUNT metrics; null otherwise.",
    )


@strawberry.type(
    description="Condition on an amount for a discount to apply.",
)
class DiscountCondition:
    comparator: ConditionComparator | None = strawberry.field(
        description="Comparison operator; null when unset.",
    )
    amount: Amount | None = strawberry.field(
        description="Amount compared with (the vendor's value.amount); null when unset.",
    )


@strawberry.type(
    description="For how long a coupon applies.",
)
class CouponDuration:
    type: CouponDurationType = strawberry.field(
        description="Duration kind.",
    )
    period: Period | None = strawberry.field(
        description="Length when type is PERIOD; null otherwise.",
    )


@strawberry.type(
    description="Catalog items a coupon is limited to (empty lists mean no limit of that kind).",
)
class CouponLimitedTo:
    product_category_ids: list[strawberry.ID] = strawberry.field(
        description="Product categories.",
    )
    product_ids: list[strawberry.ID] = strawberry.field(
        description="Products.",
    )
    product_item_ids: list[strawberry.ID] = strawberry.field(
        description="Product items.",
    )


@strawberry.type(
    description="A code customers enter to receive a coupon (live record).",
)
class PromotionCode(Node):
    id: strawberry.ID = strawberry.field(
        description="Promotion code id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "PROMOTION_CODE".',
    )
    code: str = strawberry.field(
        description="The code itself.",
    )
    code_format: str | None = strawberry.field(
        description="How the code was formed (vendor string).",
    )
    coupon_id: strawberry.ID = strawberry.field(
        description="Coupon the code grants.",
    )
    status: PromotionCodeStatus | None = strawberry.field(
        description="Lifecycle state; null when unset.",
    )
    limited_to_customer_ids: list[strawberry.ID] = strawberry.field(
        description="Customers allowed to use the code; empty means anyone.",
    )
    start_at: datetime | None = strawberry.field(
        description="Start of validity; null means from creation.",
    )
    end_at: datetime | None = strawberry.field(
        description="End of validity; null means no end.",
    )
    maximum_redemptions: int | None = strawberry.field(
        description="Maximum number of redemptions; null means unlimited.",
    )
    number_of_redemptions: int | None = strawberry.field(
        description="Redemptions so far; null when not tracked.",
    )
    created_at: datetime | None = strawberry.field(
        description="When the code was created.",
    )
    updated_at: datetime | None = strawberry.field(
        description="When the code was last changed.",
    )
