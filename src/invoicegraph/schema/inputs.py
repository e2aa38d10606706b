"""Input types of the invoice lists: InvoiceFilter, DateTimeRange, InvoiceOrder.

Optional input fields default to `strawberry.UNSET` so that the SDL prints no `= null` default (as in
the sketch); `__post_init__` turns UNSET into None, so resolvers only ever see None for "absent".
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from invoicegraph.schema.enums.invoice import InvoiceOrderField, InvoiceStatus, OrderDirection


def _unset_to_none(obj: object) -> None:
    for name, value in vars(obj).items():
        if value is strawberry.UNSET:
            setattr(obj, name, None)


@strawberry.input(
    description="Invoice filter; every given condition must hold.",
)
class InvoiceFilter:
    statuses: list[InvoiceStatus] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only invoices in one of these statuses. Absent or empty means any status.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only invoices of this customer. Ignored on Customer.invoices.",
    )
    pricing_plan_subscription_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only invoices that bill this subscription.",
    )
    paid: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only invoices whose paid flag equals this.",
    )
    on_hold: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only invoices whose onHold flag equals this.",
    )
    invoice_date: DateTimeRange | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only invoices whose invoiceDate lies in this range.",
    )

    def __post_init__(self) -> None:
        _unset_to_none(self)


@strawberry.input(
    description="Half-open time range [from, to). Either bound may be absent (open).",
)
class DateTimeRange:
    from_: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        name="from",
        description="Earliest moment included; absent means no lower bound.",
    )
    to: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="First moment excluded; absent means no upper bound. Must be after from.",
    )

    def __post_init__(self) -> None:
        _unset_to_none(self)


@strawberry.input(
    description="Sort order of an invoice list. Ties are broken by id in the same direction.",
)
class InvoiceOrder:
    field: InvoiceOrderField = strawberry.field(
        description="Field to sort on.",
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC,
        description="Direction; default DESC.",
    )
