"""Creating a bulk refresh job: the invoices fixed as items, in one transaction with the job.

Given the caller's unit of work (the GraphQL endpoint's or the REST route's), like every service;
the caller commits. The invoices are either ids as given (deduplicated, in the order given) or what
the invoice list's filter admits, in the list's order. An id the platform does not have is kept as an
item: the job's refresh of it fails with RESOURCE_NOT_FOUND, exactly as a single refresh of it would,
so another platform's id looks like a missing one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.db.invoice_listing import InvoiceQuery
from invoicegraph.db.invoice_queries import matching_ids_statement, page_parameters
from invoicegraph.db.prepared import fetch
from invoicegraph.db.refresh_job_tables import RefreshJob, RefreshJobItem
from invoicegraph.db.tables import table_of
from invoicegraph.errors import InvalidField, InvalidOperation, MissingField
from invoicegraph.ids import new_id
from invoicegraph.services.refresh.types import checked_id_length
from invoicegraph.services.refresh_jobs.model import COMPLETED, QUEUED
from invoicegraph.services.stale_scan import stale_invoice_ids

# Items are inserted in chunks of this many rows: one statement each, well under SQLite's parameter limit.
_INSERT_CHUNK = 500


@dataclass(frozen=True)
class JobRequest:
    """What a client asks for. `field` names the input as the client sent it (`input`, or none in REST)."""

    types: tuple[str, ...]
    dry_run: bool
    ids: tuple[str, ...] | None = None
    query: InvoiceQuery | None = None
    idempotency_key: str | None = None
    field_prefix: str = "input."


@dataclass(frozen=True)
class JobBounds:
    max_invoices: int
    in_flight: int


async def create_job(unit: AsyncSession, platform_id: str, actor: str, request_id: str, request: JobRequest, bounds: JobBounds) -> str:
    """Write the job and its items in `unit`; return the job's id. Refusals write nothing."""
    invoice_ids = await _invoices(unit, platform_id, request, bounds.max_invoices)
    await _check_in_flight(unit, platform_id, bounds.in_flight)
    job_id = new_id("rjob")
    now = datetime.now(UTC)
    await unit.execute(
        insert(table_of(RefreshJob)).values(
            platform_id=platform_id,
            id=job_id,
            status=QUEUED,
            types=list(request.types),
            dry_run=request.dry_run,
            actor=actor,
            request_id=request_id,
            idempotency_key=request.idempotency_key,
            created_at=now,
        )
    )
    items = [{"platform_id": platform_id, "job_id": job_id, "position": n, "invoice_id": i} for n, i in enumerate(invoice_ids)]
    for start in range(0, len(items), _INSERT_CHUNK):
        await unit.execute(insert(table_of(RefreshJobItem)), items[start : start + _INSERT_CHUNK])
    return job_id


def platform_lock_id(platform_id: str) -> int:
    """The advisory lock id of a platform's job creations (PostgreSQL)."""
    return int.from_bytes(hashlib.sha256(f"invoicegraph refresh jobs\0{platform_id}".encode()).digest()[:8], "big", signed=True)


async def jobs_in_flight(session: AsyncSession, platform_id: str) -> int:
    job = RefreshJob
    counted = await session.scalar(
        select(func.count()).select_from(job).where(col(job.platform_id) == platform_id, col(job.status) != COMPLETED)
    )
    return int(counted or 0)


async def _check_in_flight(unit: AsyncSession, platform_id: str, limit: int) -> None:
    if unit.get_bind().dialect.name == "postgresql":
        # Two creations for one platform count one after the other (SQLite's writer lock does this already).
        await unit.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": platform_lock_id(platform_id)})
    running = await jobs_in_flight(unit, platform_id)
    if running >= limit:
        raise InvalidOperation(
            f"The platform has {running} refresh jobs queued or running, the most it may have at once; "
            "create this one when one of them has completed (invoiceRefreshJob, GET /v1/invoices/refresh/{job_id})."
        )


async def _invoices(unit: AsyncSession, platform_id: str, request: JobRequest, limit: int) -> list[str]:
    prefix = request.field_prefix
    if (request.ids is None) == (request.query is None):
        if request.ids is None:
            raise MissingField(f"Give `{prefix}ids` or `{prefix}filter`.", field=f"{prefix}ids")
        raise InvalidField(f"Give `{prefix}ids` or `{prefix}filter`, not both.", field=f"{prefix}filter")
    if request.ids is not None:
        ids = list(dict.fromkeys(request.ids))
        for index, invoice_id in enumerate(ids):
            if not invoice_id.strip():
                raise InvalidField("An invoice id must not be empty.", field=f"{prefix}ids.{index}")
            checked_id_length(invoice_id, f"{prefix}ids.{index}")
        if not ids:
            raise InvalidField(f"`{prefix}ids` must name at least one invoice.", field=f"{prefix}ids")
        if len(ids) > limit:
            raise InvalidField(f"A refresh job takes at most {limit} invoices; {len(ids)} were given.", field=f"{prefix}ids")
        return ids
    query = request.query
    if query is None:  # checked above; this keeps the types honest
        raise MissingField(f"Give `{prefix}filter`.", field=f"{prefix}filter")
    stale_ids = await stale_invoice_ids(unit, platform_id, query) if query.stale is not None else []
    statement = matching_ids_statement(query, limit + 1, unit.get_bind().dialect.name)
    rows = await fetch(unit, statement, page_parameters(platform_id, query, stale_ids))
    if len(rows) > limit:
        raise InvalidField(f"A refresh job takes at most {limit} invoices; the filter admits more. Narrow it.", field=f"{prefix}filter")
    return [row.id for row in rows]
