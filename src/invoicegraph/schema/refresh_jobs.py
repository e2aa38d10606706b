"""The root fields of bulk refresh jobs: `refreshInvoices` and `invoiceRefreshJob` (docs/drafts.md).

Declared on classes that `Query` and `Mutation` (schema/roots.py) inherit, so that the roots stay
one module each while the fields of this concept live here.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from invoicegraph.errors import InvalidField
from invoicegraph.rows import Row
from invoicegraph.schema.enums.invoice import InvoiceRefreshType
from invoicegraph.schema.inputs import InvoiceFilter, to_query
from invoicegraph.schema.loading import Info, returns_rows, unset_to_none
from invoicegraph.schema.permissions import RequireInvoiceRefresh, RequireRefreshJobView, requires
from invoicegraph.schema.types.refresh_jobs import InvoiceRefreshJob


@strawberry.input(description="The invoices of a bulk refresh job and how to refresh them. Exactly one of ids or filter.")
class RefreshInvoicesInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "These invoices, in this order (duplicates once). An id the platform does not have (another\n"
            "platform's included) is refreshed like any other and fails RESOURCE_NOT_FOUND."
        ),
    )
    filter: InvoiceFilter | None = strawberry.field(
        default=strawberry.UNSET,
        description="The invoices Query.invoices lists with this filter (stale included), in its default order.",
    )
    types: list[InvoiceRefreshType] | None = strawberry.field(
        default=strawberry.UNSET, description="What to refresh, as refreshInvoice's types: empty or absent means FULL."
    )
    dry_run: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="true: compute each refresh as invoiceRefreshPreview does and count what would change; write nothing.",
    )


async def mutation_refresh_invoices(
    info: Info, input: Annotated[RefreshInvoicesInput, strawberry.argument(description="The invoices and the refresh.")]
) -> Row:
    from invoicegraph.resolvers.refresh_jobs import resolve_refresh_invoices

    ids = unset_to_none(input.ids)
    given: InvoiceFilter | None = unset_to_none(input.filter)
    try:
        query = None if given is None else to_query(given, None)
    except InvalidField as error:
        error.field = f"input.{error.field}"  # named where the client put it: inside the input
        raise
    types = [t.name for t in unset_to_none(input.types) or ()]
    return await resolve_refresh_invoices(
        info, None if ids is None else [str(i) for i in ids], query, types, bool(unset_to_none(input.dry_run))
    )


async def query_invoice_refresh_job(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The job's id.")]
) -> Row | None:
    from invoicegraph.resolvers.refresh_jobs import resolve_refresh_job

    return await resolve_refresh_job(info, str(id))


@strawberry.type
class RefreshJobQueries:
    invoice_refresh_job: InvoiceRefreshJob | None = strawberry.field(
        resolver=returns_rows(query_invoice_refresh_job),
        extensions=requires(RequireRefreshJobView),
        description=(
            "A bulk refresh job of the caller's platform by its id, with its status, counts and failures.\n"
            "Null when no job has this id or it belongs to another platform (indistinguishable). Requires\n"
            "the INVOICE.REFRESH or the INVOICE.VIEW permission."
        ),
    )


@strawberry.type
class RefreshJobMutations:
    refresh_invoices: InvoiceRefreshJob = strawberry.field(
        resolver=returns_rows(mutation_refresh_invoices),
        extensions=requires(RequireInvoiceRefresh),
        description=(
            "Creates a bulk refresh job and returns it QUEUED: the invoices (input.ids, or those\n"
            "input.filter admits) are fixed now and refreshed in the background by the serving\n"
            "processes, each in its own transaction, exactly as refreshInvoice refreshes one (audited,\n"
            "INVOICE.UPDATED when it changed), one failure never stopping the rest. Follow it with\n"
            "invoiceRefreshJob(id:); an INVOICE_REFRESH_JOB.COMPLETED event is sent when it completes.\n"
            "\n"
            "Optional `Idempotency-Key` header, as for refreshInvoice. Requires the INVOICE.REFRESH\n"
            "permission. Codes: MISSING_FIELD / INVALID_FIELD (neither or both of ids and filter; an\n"
            "empty or over-long id; more invoices than INVOICEGRAPH_REFRESH_JOB_MAX_INVOICES (10000),\n"
            "naming input.ids or input.filter), INVALID_OPERATION (the platform already has\n"
            "INVOICEGRAPH_REFRESH_JOBS_IN_FLIGHT (3) jobs queued or running), IDEMPOTENCY_CHECK_FAILED."
        ),
    )
