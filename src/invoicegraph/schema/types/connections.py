"""Relay connections: InvoiceConnection, InvoiceRefreshRecordConnection, their edges and the shareable PageInfo.

Connection rows are built by the resolvers: {"edges": [{"cursor", "node"}], "page_info": {...}, "total_count"}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from invoicegraph.schema.types.refresh import InvoiceRefreshRecord

if TYPE_CHECKING:
    from invoicegraph.schema.types.invoice import Invoice
    from invoicegraph.schema.types.parties import Customer


@strawberry.federation.type(
    shareable=True,
    description="Relay paging state. Shared with other subgraphs that define the same type.",
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow this page.",
    )
    has_previous_page: bool = strawberry.field(
        description="True when items precede this page (false on the first page).",
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first item; null when the page is empty.",
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; null when the page is empty.",
    )


@strawberry.type(
    description="A page of invoices (Relay cursor connection).",
)
class InvoiceConnection:
    edges: list[InvoiceEdge] = strawberry.field(
        description="Invoices of this page, with their cursors.",
    )
    page_info: PageInfo = strawberry.field(
        description="Paging state.",
    )
    total_count: int = strawberry.field(
        description="Number of invoices matching the filter across all pages.",
    )


@strawberry.type(
    description="One invoice in a connection.",
)
class InvoiceEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor of this invoice; pass as `after` to continue after it.",
    )
    node: Annotated[Invoice, strawberry.lazy("invoicegraph.schema.types.invoice")] = strawberry.field(
        description="The invoice.",
    )


@strawberry.type(
    description="A page of refresh audit records (Relay cursor connection).",
)
class InvoiceRefreshRecordConnection:
    edges: list[InvoiceRefreshRecordEdge] = strawberry.field(
        description="Records of this page, with their cursors.",
    )
    page_info: PageInfo = strawberry.field(
        description="Paging state.",
    )
    total_count: int = strawberry.field(
        description="Number of records for this invoice across all pages.",
    )


@strawberry.type(
    description="One audit record in a connection.",
)
class InvoiceRefreshRecordEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor of this record; pass as `after` to continue after it.",
    )
    node: InvoiceRefreshRecord = strawberry.field(
        description="The record.",
    )


@strawberry.type(
    description="A page of customers (Relay cursor connection), ordered by reference.",
)
class CustomerConnection:
    edges: list[CustomerEdge] = strawberry.field(
        description="Customers of this page, with their cursors.",
    )
    page_info: PageInfo = strawberry.field(
        description="Paging state.",
    )
    total_count: int = strawberry.field(
        description="Number of customers matching the filter across all pages.",
    )


@strawberry.type(
    description="One customer in a connection.",
)
class CustomerEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor of this customer; pass as `after` (or `before`) to continue from it.",
    )
    node: Annotated[Customer, strawberry.lazy("invoicegraph.schema.types.parties")] = strawberry.field(
        description="The customer (live record).",
    )
