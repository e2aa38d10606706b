"""Input types of the invoice lists: InvoiceFilter, DateTimeRange, InvoiceOrder.

Optional input fields default to `strawberry.UNSET` so that the SDL prints no `= null` default (as in
schema.graphql); `__post_init__` turns UNSET into None, so resolvers only ever see None for "absent".
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from invoicegraph.db.invoice_listing import InvoiceQuery
from invoicegraph.errors import InvalidField
from invoicegraph.schema.enums.invoice import InvoiceOrderField, InvoiceStatus, OrderDirection
from invoicegraph.schema.enums.parties import CustomerStatus


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
    stale: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "true: only invoices whose staleSources is not empty (OPEN or DRAFT invoices a refresh would\n"
            "change); false: only those whose staleSources is empty. Decided as staleSources decides it.\n"
            "Query.invoices only: on Customer.invoices it is INVALID_FIELD."
        ),
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


def to_query(filter: InvoiceFilter | None, order_by: InvoiceOrder | None, *, from_filter: bool = True) -> InvoiceQuery:
    """The data layer's query for a connection's `filter` and `orderBy` (`customerId` ignored unless `from_filter`)."""
    statuses: tuple[str, ...] = ()
    subscription_id = paid = on_hold = date_from = date_to = stale = None
    customer_id = None
    if filter is not None:
        stale = filter.stale
        if stale is not None and not from_filter:
            raise InvalidField("`stale` filters Query.invoices only.", field="filter.stale")
        statuses = tuple(sorted({status.name for status in filter.statuses or ()}))
        customer_id = filter.customer_id if from_filter else None
        subscription_id = filter.pricing_plan_subscription_id
        paid, on_hold = filter.paid, filter.on_hold
        if filter.invoice_date is not None:
            date_from, date_to = filter.invoice_date.from_, filter.invoice_date.to
            if date_from is not None and date_to is not None and date_to <= date_from:
                raise InvalidField("`invoiceDate.to` must be after `invoiceDate.from`.", field="filter.invoiceDate.to")
    order_field, descending = "INVOICE_DATE", True
    if order_by is not None:
        order_field, descending = order_by.field.name, order_by.direction.name == "DESC"
    return InvoiceQuery(
        statuses=statuses,
        customer_id=None if customer_id is None else str(customer_id),
        subscription_id=None if subscription_id is None else str(subscription_id),
        paid=paid,
        on_hold=on_hold,
        date_from=date_from,
        date_to=date_to,
        order_field=order_field,
        descending=descending,
        stale=stale,
    )


@strawberry.input(
    description="Customer filter; every given condition must hold.",
)
class CustomerFilter:
    statuses: list[CustomerStatus] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only customers in one of these statuses. Absent or empty means any status.",
    )
    search: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Only customers whose reference, organization legal name, or individual first or last name\n"
            "contains this text (case-insensitive; at most 100 characters, else INVALID_FIELD)."
        ),
    )

    def __post_init__(self) -> None:
        _unset_to_none(self)
