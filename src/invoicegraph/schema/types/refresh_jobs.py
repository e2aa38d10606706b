"""`InvoiceRefreshJob`: a bulk refresh job and how far it got (docs/drafts.md, "Bulk refresh")."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from invoicegraph.schema.enums.errors import ErrorCode
from invoicegraph.schema.enums.invoice import InvoiceRefreshType


@strawberry.enum(description="Where a bulk refresh job is.")
class InvoiceRefreshJobStatus(Enum):
    QUEUED = strawberry.enum_value("QUEUED", description="Created; no process has started it yet.")
    RUNNING = strawberry.enum_value("RUNNING", description="A serving process is refreshing its invoices.")
    COMPLETED = strawberry.enum_value("COMPLETED", description="Every invoice has its outcome; counts and failures are final.")


@strawberry.type(description="How many of a job's invoices are at each outcome; total = pending + changed + unchanged + failed.")
class InvoiceRefreshJobCounts:
    total: int = strawberry.field(description="Invoices in the job, fixed when it was created.")
    pending: int = strawberry.field(description="Invoices not processed yet.")
    changed: int = strawberry.field(description="Invoices the refresh changed (a dry run: would change).")
    unchanged: int = strawberry.field(description="Invoices the refresh left as they were (a dry run: would leave).")
    failed: int = strawberry.field(description="Invoices that could not be refreshed: see failures.")


@strawberry.type(description="An invoice of a job that could not be refreshed, with the error a single refresh of it would have given.")
class InvoiceRefreshJobFailure:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice id, as given or as the filter found it.")
    code: ErrorCode = strawberry.field(
        description=(
            "RESOURCE_NOT_FOUND (no such invoice on the platform, another platform's looking the same),\n"
            "INVALID_OPERATION (FINAL, EMPTY or VOID, or a total too large), INTERNAL_ERROR (unexpected,\n"
            "or the invoice stayed locked past the lock timeout)."
        )
    )
    message: str = strawberry.field(description="What went wrong, for a person.")


@strawberry.type(
    description=(
        "A bulk refresh job (refreshInvoices): its invoices are fixed when it is created and refreshed in\n"
        "the background, each in its own transaction, one failure never stopping the rest."
    )
)
class InvoiceRefreshJob:
    id: strawberry.ID = strawberry.field(description="The job's id (rjob_…); invoiceRefreshJob(id:) reads it again.")
    status: InvoiceRefreshJobStatus = strawberry.field(description="QUEUED, RUNNING or COMPLETED.")
    types: list[InvoiceRefreshType] = strawberry.field(description="What each invoice's refresh re-reads (empty input: FULL).")
    dry_run: bool = strawberry.field(description="true: each refresh is computed as the preview does; nothing is written.")
    actor: str = strawberry.field(
        description="Who created it: the credential (api_key:…, jwt:…), or system:auto-refresh. Its audit records name it too."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    started_at: datetime | None = strawberry.field(description="When a process first started it; null while QUEUED.")
    finished_at: datetime | None = strawberry.field(description="When it completed; null until then.")
    counts: InvoiceRefreshJobCounts = strawberry.field(description="Its invoices by outcome, so far.")
    failures: list[InvoiceRefreshJobFailure] = strawberry.field(
        description="The invoices that failed, in the job's order (at most 1000 listed; counts.failed has them all)."
    )
