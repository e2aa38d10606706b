"""The Invoice entity: the stored invoice, a federation entity keyed by `id` (docs/frontend.md)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from invoicegraph.execution import hints
from invoicegraph.resolvers.invoices import REFRESH_HISTORY_PLAN
from invoicegraph.rows import Row
from invoicegraph.schema.arguments import DEFAULT_PAGE_SIZE, page_size
from invoicegraph.schema.enums.invoice import InvoiceRefreshType
from invoicegraph.schema.federation import load_entity
from invoicegraph.schema.loading import Info, returns_rows, unset_to_none
from invoicegraph.schema.node import Node
from invoicegraph.schema.permissions import RequireInvoiceView, requires
from invoicegraph.schema.types.connections import InvoiceRefreshRecordConnection
from invoicegraph.schema.types.invoice_content import InvoiceContent
from invoicegraph.schema.types.periods import InvoicePeriod


async def refresh_history(
    root: Row,
    info: Info,
    first: Annotated[
        int | None,
        strawberry.argument(
            description=("Page size: 0 to 100, default 25. A value outside that range fails with extensions.code INVALID_FIELD.")
        ),
    ] = DEFAULT_PAGE_SIZE,
    after: Annotated[
        str | None,
        strawberry.argument(description="Opaque cursor (an endCursor of an earlier page); the page starts after it."),
    ] = strawberry.UNSET,
) -> Row:
    from invoicegraph.resolvers.invoices import resolve_refresh_history

    return await resolve_refresh_history(info, root, page_size(first), unset_to_none(after))


hints.page(refresh_history, REFRESH_HISTORY_PLAN)  # compiled plans load it (execution/hints.py)


async def stale_sources(root: Row, info: Info) -> list[str]:
    from invoicegraph.resolvers.stale import resolve_stale_sources

    return await resolve_stale_sources(info, root)


@strawberry.federation.type(
    keys=["id"],
    description=(
        "A bill from one billing entity to one customer, for one or more billing\n"
        "periods. Lifecycle: OPEN (period running) -> DRAFT (grace period) -> FINAL\n"
        "(numbered, locked) or EMPTY (nothing to charge); OPEN and DRAFT invoices can\n"
        "also become VOID. Only OPEN and DRAFT invoices change. All amounts are in\n"
        "billingCurrency unless a field says otherwise. Federation entity keyed by id;\n"
        "references to invoices of another platform resolve to null."
    ),
)
class Invoice(InvoiceContent, Node):
    id: strawberry.ID = strawberry.field(
        description="Unique, opaque invoice id (vendor style: short type prefix, underscore, random part).",
    )
    periods: list[InvoicePeriod] = strawberry.field(
        description=(
            "Billing periods on the invoice, each with its groups and lines, ordered by\n"
            "periodOrder. This is the structure to sum amounts over."
        ),
    )
    closed_periods: list[InvoicePeriod] = strawberry.field(
        description="Periods that were closed earlier and are kept for reference; same shape as periods.",
    )
    stale_sources: list[InvoiceRefreshType] = strawberry.field(
        resolver=returns_rows(stale_sources),
        description=(
            "The refresh types that would change this invoice if run now (FULL first, then\n"
            "the parts), without running them: the copied parts (customer, billing entity,\n"
            "custom fields, PO number, the acceptors the subscriptions name) are compared\n"
            "with the live records; pricing, products, coupons, exchange rates, meters, usage\n"
            "and tax rates by change markers (a change after the invoice last read them),\n"
            "which may report a change that turns out not to matter, never miss one. FULL\n"
            "is listed whenever any part is. Empty for FINAL, EMPTY and VOID invoices.\n"
            "Cheap on a list: a page reads it in a constant number of statements."
        ),
    )
    refresh_history: InvoiceRefreshRecordConnection = strawberry.field(
        resolver=returns_rows(refresh_history),
        extensions=requires(RequireInvoiceView),
        description=(
            "Audit trail of the refreshes of this invoice, newest first. Each refresh is\n"
            "recorded, including those that changed nothing. Requires the INVOICE.VIEW\n"
            "permission."
        ),
    )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Row | None:
        return await load_entity(cls, "invoice_by_id", info, id)
