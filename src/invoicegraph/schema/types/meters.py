"""Live records of meter values and credit types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from invoicegraph.schema.enums.catalog import CreditTypeStatus, MeterValueStatus, MeterValueType
from invoicegraph.schema.enums.resources import ObjectType
from invoicegraph.schema.node import Node
from invoicegraph.schema.types.values import UnitName


@strawberry.type(
    description="A usage metric definition (live record).",
)
class MeterValue(Node):
    id: strawberry.ID = strawberry.field(
        description="Meter value id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "METER_VALUE".',
    )
    reference: str = strawberry.field(
        description="User-chosen unique key.",
    )
    name: str | None = strawberry.field(
        description="Display name; null when unset.",
    )
    description: str | None = strawberry.field(
        description="Free description; null when none.",
    )
    status: MeterValueStatus | None = strawberry.field(
        description="Lifecycle state; null when unset.",
    )
    type: MeterValueType | None = strawberry.field(
        description="Whether the metric measures numbers or money; null when unset.",
    )


@strawberry.type(
    description="A kind of prepaid credit (live record).",
)
class CreditType(Node):
    id: strawberry.ID = strawberry.field(
        description="Credit type id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "CREDIT_TYPE".',
    )
    reference: str = strawberry.field(
        description="User-chosen unique key.",
    )
    status: CreditTypeStatus | None = strawberry.field(
        description="Lifecycle state; null when unset.",
    )
    name: str = strawberry.field(
        description="Display name.",
    )
    description: str | None = strawberry.field(
        description="Free description; null when none.",
    )
    unit_name: UnitName | None = strawberry.field(
        description="Unit names printed with quantities; null when unset.",
    )
    created_at: datetime | None = strawberry.field(
        description="When the credit type was created.",
    )
    updated_at: datetime | None = strawberry.field(
        description="When the credit type was last changed.",
    )
