"""Read resolvers of customers: one by id, and the platform's list."""

from __future__ import annotations

from invoicegraph.db.customer_queries import MAX_SEARCH_LENGTH, CustomerPage, CustomerQuery, customer_page
from invoicegraph.errors import InvalidField, Unauthorised
from invoicegraph.resolvers.paging import checked_window, page_connection
from invoicegraph.resolvers.selection import selects
from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row


async def resolve_customer(info: Info, id: str) -> Row | None:
    result: Row | None = await info.context.loaders.customer_by_id.load(id)
    return result


def customer_query(statuses: list[str] | None, search: str | None) -> CustomerQuery:
    """The filter as the data layer takes it; an over-long or blank search is INVALID_FIELD naming it."""
    if search is not None:
        search = search.strip()
        if len(search) > MAX_SEARCH_LENGTH:
            raise InvalidField(f"`search` is at most {MAX_SEARCH_LENGTH} characters.", field="filter.search")
    return CustomerQuery(statuses=tuple(sorted(set(statuses or ()))), search=search or None)


async def resolve_customers(
    info: Info, query: CustomerQuery, first: int | None, after: str | None, last: int | None, before: str | None
) -> Row:
    principal = info.context.principal
    if principal is None:  # the permission check runs first; this keeps the types honest
        raise Unauthorised("A credential is required.")
    window = checked_window(info.context, first, after, last, before)
    async with info.context.database.reads() as session:
        page = await customer_page(
            session,
            principal.platform_id,
            query,
            size=window.size,
            cursor=window.cursor,
            backward=window.backward,
            with_total=selects(info, "totalCount"),
        )
    loaders = info.context.loaders
    loaders.prime(loaders.customer_by_id, page.customers)  # a customer(id:) or an invoice's customer in the same request
    return _connection(page)


def _connection(page: CustomerPage) -> Row:
    return page_connection(page.cursors, page.customers, page.has_next_page, page.has_previous_page, page.total_count)
