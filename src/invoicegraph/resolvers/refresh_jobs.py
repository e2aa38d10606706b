"""Bulk refresh jobs: creating one in the request's unit of work, reading one (services/refresh_jobs/)."""

from __future__ import annotations

from invoicegraph.db.invoice_listing import InvoiceQuery
from invoicegraph.resolvers.refresh import principal_of
from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row
from invoicegraph.services.refresh.types import normalize_types
from invoicegraph.services.refresh_jobs.create import JobBounds, JobRequest, create_job
from invoicegraph.services.refresh_jobs.model import read_job


async def resolve_refresh_invoices(info: Info, ids: list[str] | None, query: InvoiceQuery | None, types: list[str], dry_run: bool) -> Row:
    principal = principal_of(info)
    context = info.context
    database = context.database
    if not database.writing:
        raise RuntimeError("refreshInvoices runs in the unit of work its endpoint opened")
    request = JobRequest(
        types=normalize_types(types),
        dry_run=dry_run,
        ids=None if ids is None else tuple(ids),
        query=query,
        idempotency_key=context.idempotency_key,
    )
    bounds = JobBounds(max_invoices=context.settings.refresh_job_max_invoices, in_flight=context.settings.refresh_jobs_in_flight)
    async with database.session() as unit:
        job_id = await create_job(unit, principal.platform_id, principal.credential_id, principal.request_id, request, bounds)
        job = await read_job(unit, principal.platform_id, job_id)
    if job is None:  # written just above, in this transaction
        raise RuntimeError("the job just created could not be read")
    return job


async def resolve_refresh_job(info: Info, id: str) -> Row | None:
    principal = principal_of(info)
    async with info.context.database.session() as session:
        return await read_job(session, principal.platform_id, id)
