"""The invoice of a refresh preview: the invoice's content under a type of its own, without an `id`.

A preview is what a refresh *would* save. Given as an `Invoice` with the stored invoice's id, a
normalized cache (Apollo Client's InMemoryCache, urql's Graphcache) would file the unsaved values
under the stored invoice and show them as if saved, a FINAL invoice's included. As its own type with
`invoiceId` in place of `id`, down to its lines (`lineId`), the whole preview stays inside the answer
of the query that asked for it (docs/frontend.md).
"""

from __future__ import annotations

import strawberry

from invoicegraph.schema.types.invoice_content import InvoiceContent
from invoicegraph.schema.types.periods import InvoiceRefreshPreviewPeriod


@strawberry.type(
    description=(
        "An invoice as a refresh would save it (not saved). Same content as Invoice (both implement\n"
        "InvoiceContent); no `id` of its own, so a normalized cache keeps it inside its preview."
    ),
)
class InvoiceRefreshPreviewInvoice(InvoiceContent):
    id: strawberry.ID = strawberry.field(
        name="invoiceId",
        description="Id of the stored invoice this preview was computed for.",
    )
    periods: list[InvoiceRefreshPreviewPeriod] = strawberry.field(
        description="Billing periods as the refresh would save them, ordered by periodOrder.",
    )
    closed_periods: list[InvoiceRefreshPreviewPeriod] = strawberry.field(
        description="Periods that were closed earlier and are kept for reference; same shape as periods.",
    )
