"""Query and Mutation: thin fields that check permissions and call `invoicegraph.resolvers`.

Fields turn their arguments into plain values (names, data-layer queries) before calling a resolver:
resolvers never see this package's types.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from invoicegraph.rows import Row
from invoicegraph.schema.arguments import DEFAULT_PAGE_SIZE, AfterArg, BeforeArg, FirstArg, LastArg, checked_ids, page_size
from invoicegraph.schema.enums.errors import ErrorCode
from invoicegraph.schema.enums.invoice import InvoiceRefreshType
from invoicegraph.schema.federation import Service
from invoicegraph.schema.inputs import CustomerFilter, InvoiceFilter, InvoiceOrder, to_query
from invoicegraph.schema.line_edits import (
    ADD_DESCRIPTION,
    ADJUST_DESCRIPTION,
    REMOVE_DESCRIPTION,
    REVERT_DESCRIPTION,
    mutation_add_invoice_line,
    mutation_adjust_invoice_line,
    mutation_remove_invoice_line,
    mutation_revert_invoice_line,
)
from invoicegraph.schema.loading import Info, returns_rows, unset_to_none
from invoicegraph.schema.node import Node
from invoicegraph.schema.permissions import (
    RequireCredential,
    RequireInvoiceRefresh,
    RequireInvoiceView,
    RequireLineEdit,
    RequireRefreshPreview,
    RequireWebhookView,
    requires,
)
from invoicegraph.schema.refresh_jobs import RefreshJobMutations, RefreshJobQueries
from invoicegraph.schema.types.connections import CustomerConnection, InvoiceConnection
from invoicegraph.schema.types.events import WebhookDeliveryConnection, WebhookDeliveryStatus, WebhookEndpoint
from invoicegraph.schema.types.invoice import Invoice
from invoicegraph.schema.types.parties import Customer
from invoicegraph.schema.types.refresh import InvoiceRefreshPreview

TypesArg = Annotated[
    list[InvoiceRefreshType] | None,
    strawberry.argument(description="What to recompute. Same rules as refreshInvoice: empty or absent means FULL."),
]


async def query_invoice(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="Invoice id, as returned in Invoice.id.")],
) -> Row | None:
    from invoicegraph.resolvers.invoices import resolve_invoice

    return await resolve_invoice(info, id)


async def query_invoices(
    info: Info,
    filter: Annotated[
        InvoiceFilter | None,
        strawberry.argument(
            description=("Conditions that every returned invoice must meet (combined with AND). Absent means no filtering.")
        ),
    ] = strawberry.UNSET,
    order_by: Annotated[
        InvoiceOrder | None,
        strawberry.argument(description="Sort order. Absent means INVOICE_DATE, DESC."),
    ] = strawberry.UNSET,
    first: FirstArg = strawberry.UNSET,
    after: AfterArg = strawberry.UNSET,
    last: LastArg = strawberry.UNSET,
    before: BeforeArg = strawberry.UNSET,
) -> Row:
    from invoicegraph.resolvers.invoices import resolve_invoices

    query = to_query(unset_to_none(filter), unset_to_none(order_by))
    return await resolve_invoices(info, query, unset_to_none(first), unset_to_none(after), unset_to_none(last), unset_to_none(before))


async def query_customers(
    info: Info,
    filter: Annotated[
        CustomerFilter | None,
        strawberry.argument(description="Conditions every returned customer must meet. Absent means every customer."),
    ] = strawberry.UNSET,
    first: FirstArg = strawberry.UNSET,
    after: AfterArg = strawberry.UNSET,
    last: LastArg = strawberry.UNSET,
    before: BeforeArg = strawberry.UNSET,
) -> Row:
    from invoicegraph.resolvers.customers import customer_query, resolve_customers

    given: CustomerFilter | None = unset_to_none(filter)
    statuses = [status.name for status in given.statuses or ()] if given is not None else None
    query = customer_query(statuses, given.search if given is not None else None)
    return await resolve_customers(info, query, unset_to_none(first), unset_to_none(after), unset_to_none(last), unset_to_none(before))


async def query_customer(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="Customer id.")],
) -> Row | None:
    from invoicegraph.resolvers.customers import resolve_customer

    return await resolve_customer(info, id)


async def query_invoice_refresh_preview(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="Invoice id.")],
    types: TypesArg = strawberry.UNSET,
) -> Row | None:
    from invoicegraph.resolvers.refresh import resolve_refresh_preview

    return await resolve_refresh_preview(info, id, type_names(types))


async def mutation_refresh_invoice(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="Id of the invoice to refresh.")],
    types: Annotated[
        list[InvoiceRefreshType] | None,
        strawberry.argument(description="What to refresh. Empty or absent means FULL."),
    ] = strawberry.UNSET,
) -> Row:
    from invoicegraph.resolvers.refresh import resolve_refresh_invoice

    return await resolve_refresh_invoice(info, id, type_names(types))


async def query_node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="Id of any Node (invo_…, cust_…, enti_…).")],
) -> Row | None:
    from invoicegraph.resolvers.nodes import resolve_node

    return await resolve_node(info, id)


async def query_nodes(
    info: Info,
    ids: Annotated[list[strawberry.ID], strawberry.argument(description="Ids of any Nodes; at most the page size limit (100).")],
) -> list[Row | None]:
    from invoicegraph.resolvers.nodes import resolve_nodes

    return await resolve_nodes(info, checked_ids(info, ids))


def type_names(types: list[InvoiceRefreshType] | None) -> list[str]:
    """The refresh types as the service names them (absent: none, which means FULL)."""
    return [t.name for t in unset_to_none(types) or ()]


def query_error_codes(info: Info) -> list[ErrorCode]:
    return list(ErrorCode)


def query_service(info: Info) -> Service:
    return Service()


async def query_webhook_endpoints(info: Info) -> list[Row]:
    from invoicegraph.resolvers.events import resolve_webhook_endpoints

    return await resolve_webhook_endpoints(info)


async def query_webhook_deliveries(
    info: Info,
    event_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this event's deliveries.")] = strawberry.UNSET,
    endpoint_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this endpoint's deliveries.")] = strawberry.UNSET,
    statuses: Annotated[
        list[WebhookDeliveryStatus] | None, strawberry.argument(description="Only deliveries in one of these states.")
    ] = strawberry.UNSET,
    first: Annotated[
        int | None, strawberry.argument(description="Page size: 0 to 100, default 25; outside that range INVALID_FIELD.")
    ] = DEFAULT_PAGE_SIZE,
    after: Annotated[str | None, strawberry.argument(description="Opaque cursor (an endCursor of an earlier page).")] = strawberry.UNSET,
) -> Row:
    from invoicegraph.resolvers.events import resolve_webhook_deliveries

    names = [status.value for status in unset_to_none(statuses) or ()]
    return await resolve_webhook_deliveries(
        info, unset_to_none(event_id), unset_to_none(endpoint_id), names, page_size(first), unset_to_none(after)
    )


@strawberry.type(description="Read operations of the billing subgraph.")
class Query(RefreshJobQueries):
    invoice: Invoice | None = strawberry.field(
        resolver=returns_rows(query_invoice),
        extensions=requires(RequireInvoiceView),
        description=(
            "One invoice by its id. Returns null when no invoice has this id or when it\n"
            "belongs to another platform (tenant); the two cases are indistinguishable.\n"
            "Requires the INVOICE.VIEW permission."
        ),
    )
    invoices: InvoiceConnection = strawberry.field(
        resolver=returns_rows(query_invoices),
        extensions=requires(RequireInvoiceView),
        description=(
            "Invoices of the caller's platform, as a Relay cursor connection. Default\n"
            "order is invoiceDate descending; ties are always broken by id so that\n"
            "cursors stay stable. Requires the INVOICE.VIEW permission."
        ),
    )
    customer: Customer | None = strawberry.field(
        resolver=returns_rows(query_customer),
        extensions=requires(RequireInvoiceView),
        description=(
            "One customer (live record) by id. Returns null when absent or when it\n"
            "belongs to another platform. Requires the INVOICE.VIEW permission."
        ),
    )
    # Not `customers`: in a federated graph that name is the customer-owning subgraph's (the CRM of the
    # composition example lists `Query.customers`), and two subgraphs cannot both define it (docs/frontend.md).
    customer_list: CustomerConnection = strawberry.field(
        resolver=returns_rows(query_customers),
        extensions=requires(RequireInvoiceView),
        description=(
            "Customers of the caller's platform (live records), as a Relay cursor connection ordered by\n"
            "reference (ties by id), filtered by status and searched by reference or name. Pages go forward\n"
            "(first, after) or backward (last, before). Requires the INVOICE.VIEW permission."
        ),
    )
    invoice_refresh_preview: InvoiceRefreshPreview | None = strawberry.field(
        resolver=returns_rows(query_invoice_refresh_preview),
        extensions=requires(RequireRefreshPreview),
        description=(
            "Dry run of refreshInvoice. It runs the same computation in a transaction\n"
            "that is rolled back, and returns the invoice as the refresh would save it,\n"
            "with the list of changes. Nothing is written: no version, no audit record,\n"
            "no event. Returns null when the invoice is absent or belongs to another\n"
            "platform. Other failures use the codes of refreshInvoice, e.g.\n"
            "INVALID_OPERATION for a FINAL, EMPTY or VOID invoice. Requires the\n"
            "INVOICE.REFRESH or INVOICE.PREVIEW permission."
        ),
    )
    node: Node | None = strawberry.field(
        resolver=returns_rows(query_node),
        extensions=requires(RequireInvoiceView),
        description=(
            "Any record by its id alone (Relay's Node): the id's prefix says its kind. Null when no\n"
            "record has this id on the caller's platform, when it belongs to another platform, or\n"
            "when the prefix is of no known kind; the cases are indistinguishable. Requires the\n"
            "INVOICE.VIEW permission."
        ),
    )
    nodes: list[Node | None] = strawberry.field(
        resolver=returns_rows(query_nodes),
        extensions=requires(RequireInvoiceView),
        description=(
            "Records by their ids, in the order given, null where node(id:) would be null. At most 100\n"
            "ids (more fail with INVALID_FIELD naming `ids`). Requires the INVOICE.VIEW permission."
        ),
    )
    error_codes: list[ErrorCode] = strawberry.field(
        resolver=query_error_codes,
        extensions=requires(RequireCredential),
        description=(
            "Every code `errors[].extensions.code` can carry (the values of ErrorCode), so that a client can\n"
            "check its error handling against the server it talks to. Requires a credential."
        ),
    )
    webhook_endpoints: list[WebhookEndpoint] = strawberry.field(
        resolver=returns_rows(query_webhook_endpoints),
        extensions=requires(RequireWebhookView),
        description=(
            "The platform's webhook endpoints (made with `invoicegraph webhooks create`), oldest first.\n"
            "Signing secrets are never shown. Requires the WEBHOOK.VIEW permission."
        ),
    )
    webhook_deliveries: WebhookDeliveryConnection = strawberry.field(
        resolver=returns_rows(query_webhook_deliveries),
        extensions=requires(RequireWebhookView),
        description=(
            "The platform's webhook deliveries, newest first, each with its attempts (status, latency,\n"
            "error). A FAILED one can be re-sent with `invoicegraph webhooks resend EVENT_ID`. Delivered\n"
            "events are kept INVOICEGRAPH_EVENT_RETENTION_DAYS days (30). Requires the WEBHOOK.VIEW permission."
        ),
    )
    # Federation's `_service { sdl }`, defined here so that it needs a credential like every other
    # field (docs/api.md); Strawberry keeps a query type's own `_service`.
    service: Service = strawberry.field(
        name="_service",
        resolver=query_service,
        extensions=requires(RequireCredential),
        description="Apollo Federation: this subgraph's schema (SDL) for a gateway. Requires a credential.",
    )


@strawberry.type(description="Write operations of the billing subgraph.")
class Mutation(RefreshJobMutations):
    refresh_invoice: Invoice = strawberry.field(
        resolver=returns_rows(mutation_refresh_invoice),
        extensions=requires(RequireInvoiceRefresh),
        description=(
            "Refreshes one OPEN or DRAFT invoice: re-reads the live source data chosen by\n"
            "`types`, recomputes everything derived from the invoice (line tax,\n"
            "taxCategories, taxSummary, period and group totals, the four invoice\n"
            "amounts, paymentStatus, validationResult), saves it in one transaction and\n"
            "returns the saved invoice. It never changes status, invoiceNumber, type,\n"
            "invoiceDate, createdAt, updatedToFinalAt, payments received (paid,\n"
            "paidInvoiceAmount) or approvalStatus. A blocking validation error found by\n"
            "the refresh puts the invoice on hold.\n"
            "\n"
            "`types`: see InvoiceRefreshType. Empty or absent means FULL; duplicates and\n"
            "order do not matter.\n"
            "\n"
            "version grows by one when anything changed. A refresh whose result equals\n"
            "the stored invoice writes nothing (same version and updatedAt) and still\n"
            "succeeds. Concurrent refreshes of the same invoice run one after another.\n"
            "Every refresh is recorded in Invoice.refreshHistory.\n"
            "\n"
            "Optional `Idempotency-Key` HTTP header (1 to 255 visible ASCII characters):\n"
            "the same key with the same request within 48 hours returns the stored first\n"
            "response without running again.\n"
            "\n"
            "Requires the INVOICE.REFRESH permission. Failures are top-level GraphQL\n"
            "errors (data is null). Their `extensions` carry `code`, `type`\n"
            "(INVALID_REQUEST or API_ERROR), and, where relevant, `field`, `resourceId`\n"
            "and `resourceType`. The codes:\n"
            "- UNAUTHORISED: the credential is missing, unknown, inactive or expired, or\n"
            "  both X-API-KEY and Authorization were sent.\n"
            "- USER_NOT_ALLOWED: the caller lacks INVOICE.REFRESH, or the platform named\n"
            "  in x-platform-id is not one of the credential's (also when it does not\n"
            "  exist).\n"
            "- MISSING_FIELD: x-platform-id is absent and the credential has several\n"
            "  platforms (`field` is x-platform-id).\n"
            "- RESOURCE_NOT_FOUND: no invoice with this id on the caller's platform\n"
            "  (another platform's invoice gives the same answer).\n"
            "- INVALID_OPERATION: the invoice is FINAL, EMPTY or VOID; nothing is\n"
            "  written.\n"
            "- INVALID_FIELD: an argument is malformed, e.g. an empty id; `field` names\n"
            "  it.\n"
            "- IDEMPOTENCY_CHECK_FAILED: the Idempotency-Key was used with a different\n"
            "  request, or a request with that key is still running.\n"
            "- INTERNAL_ERROR: an unexpected failure (the message is generic), or the\n"
            "  invoice lock was not obtained in time (default 5 s). Nothing is written,\n"
            "  and the call can be retried."
        ),
    )
    add_invoice_line: Invoice = strawberry.field(
        resolver=returns_rows(mutation_add_invoice_line),
        extensions=requires(RequireLineEdit),
        description=ADD_DESCRIPTION,
    )
    adjust_invoice_line: Invoice = strawberry.field(
        resolver=returns_rows(mutation_adjust_invoice_line),
        extensions=requires(RequireLineEdit),
        description=ADJUST_DESCRIPTION,
    )
    remove_invoice_line: Invoice = strawberry.field(
        resolver=returns_rows(mutation_remove_invoice_line),
        extensions=requires(RequireLineEdit),
        description=REMOVE_DESCRIPTION,
    )
    revert_invoice_line: Invoice = strawberry.field(
        resolver=returns_rows(mutation_revert_invoice_line),
        extensions=requires(RequireLineEdit),
        description=REVERT_DESCRIPTION,
    )
