"""Refresh results: the dry-run preview, its changes, and the append-only audit records."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from invoicegraph.library_internals import graphql_core_schema
from invoicegraph.rows import Row
from invoicegraph.schema.change_paths import graphql_path
from invoicegraph.schema.enums.invoice import InvoiceRefreshType, InvoiceStatus
from invoicegraph.schema.loading import Info, returns_rows
from invoicegraph.schema.scalars import JSON
from invoicegraph.schema.types.values import Amount


def _in_graphql(info: Info, root_type: str, changes: list[Row]) -> list[Row]:
    schema = graphql_core_schema(info.schema)
    return [{**change, "path": graphql_path(schema, root_type, change["path"])} for change in changes]


def preview_changes(root: Row, info: Info) -> list[Row]:
    return _in_graphql(info, "InvoiceRefreshPreviewInvoice", root.get("changes") or [])


def record_changes(root: Row, info: Info) -> list[Row]:
    return _in_graphql(info, "Invoice", root.get("changes") or [])


def record_changed_paths(root: Row, info: Info) -> list[str]:
    schema = graphql_core_schema(info.schema)
    return [graphql_path(schema, "Invoice", path) for path in root.get("changed_paths") or []]


if TYPE_CHECKING:
    from invoicegraph.schema.types.preview import InvoiceRefreshPreviewInvoice


@strawberry.type(
    description=(
        "Result of a refresh dry run. Nothing was saved, and no audit record was made. Its invoice is an\n"
        "InvoiceRefreshPreviewInvoice, not an Invoice, and has no `id` of its own: a normalized cache (Apollo\n"
        "Client, urql Graphcache) keeps the preview apart from the stored invoice without any configuration."
    ),
)
class InvoiceRefreshPreview:
    invoice: Annotated[InvoiceRefreshPreviewInvoice, strawberry.lazy("invoicegraph.schema.types.preview")] = strawberry.field(
        description="The invoice as the refresh would save it (not saved).",
    )
    types: list[InvoiceRefreshType] = strawberry.field(
        description="The refresh types applied after defaulting (empty input becomes [FULL]).",
    )
    based_on_version: int = strawberry.field(
        description="Version of the stored invoice the preview was computed from.",
    )
    changes: list[InvoiceChange] = strawberry.field(
        resolver=returns_rows(preview_changes),
        description="Every value the refresh would change; empty when it would change nothing.",
    )


@strawberry.type(
    description="Append-only audit record of one refresh (dry runs are not recorded).",
)
class InvoiceRefreshRecord:
    id: strawberry.ID = strawberry.field(
        description="Unique record id.",
    )
    refreshed_at: datetime = strawberry.field(
        description="When the refresh was committed.",
    )
    credential_id: str = strawberry.field(
        description=(
            "Who refreshed: `api_key:<API key id>`, or `jwt:<issuer>:<subject>` for a bearer token (the issuer is\n"
            "empty when the token has none). Records written before identities were namespaced hold the bare\n"
            "key id or subject."
        ),
    )
    job_id: strawberry.ID | None = strawberry.field(
        description=(
            "The bulk refresh job (InvoiceRefreshJob, rjob_…) that ran this refresh; null for a single refresh.\n"
            "credentialId is then who created the job, or system:auto-refresh."
        ),
    )
    request_id: str = strawberry.field(
        description="Request id of the call (the X-REQUEST-ID response header, reqr_…).",
    )
    idempotency_key: str | None = strawberry.field(
        description="Idempotency-Key sent with the call; null when none.",
    )
    types: list[InvoiceRefreshType] = strawberry.field(
        description="Refresh types applied, after defaulting (an empty request is recorded as [FULL]).",
    )
    status_before: InvoiceStatus = strawberry.field(
        description="Invoice status before the refresh.",
    )
    status_after: InvoiceStatus = strawberry.field(
        description="Invoice status after the refresh (a refresh never changes it).",
    )
    total_before: Amount = strawberry.field(
        description="invoiceAmountIncludingTax before the refresh.",
    )
    total_after: Amount = strawberry.field(
        description="invoiceAmountIncludingTax after the refresh.",
    )
    changed: bool = strawberry.field(
        description="False when the refresh found nothing to change and wrote nothing to the invoice.",
    )
    changed_paths: list[str] = strawberry.field(
        resolver=record_changed_paths,
        description="Changed leaf paths, in the format of InvoiceChange.path; empty when changed is false.",
    )
    changes: list[InvoiceChange] = strawberry.field(
        resolver=returns_rows(record_changes),
        description=(
            "Each changed leaf with its value before and after, as the refresh wrote them (the same entries as\n"
            "the INVOICE.UPDATED event). Empty when changed is false, and for records written before values\n"
            "were kept (their changedPaths still list the paths)."
        ),
    )


@strawberry.type(
    description="One value a refresh would change.",
)
class InvoiceChange:
    path: str = strawberry.field(
        description=(
            "Path of a changed leaf value in GraphQL's field names, from the invoice, with dots\n"
            "and zero-based list indexes: the fields a query selects to read it, e.g.\n"
            '"periods.0.groups.1.lines.2.amountExcludingTax.quantity" or\n'
            '"customerDetails.address.city". REST (the dry run, the INVOICE.UPDATED event) names\n'
            "the same leaves in the vendor's snake_case JSON instead."
        ),
    )
    before: JSON | None = strawberry.field(
        description="Value before the refresh, as in the vendor JSON; null when it did not exist.",
    )
    after: JSON | None = strawberry.field(
        description="Value after the refresh, as in the vendor JSON; null when it no longer exists.",
    )
