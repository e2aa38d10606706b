"""The line-edit mutations: thin adapters over `services.drafts.line_edits`, in the endpoint's unit of work.

Like `refreshInvoice` (resolvers/refresh.py): the endpoint opened the unit of work, claimed any
Idempotency-Key, and commits after the answer is rendered; the answer reads through the request's
loaders, primed with what the edit read.
"""

from __future__ import annotations

from invoicegraph.resolvers.refresh import prime_sources, principal_of
from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row
from invoicegraph.services.drafts.line_edits import Addition, LineEditCommand, edit_line
from invoicegraph.services.drafts.line_input import camel, parse_line_values


async def resolve_line_addition(
    info: Info, invoice_id: str, product_id: str, subscription_id: str | None, period_order: int | None, raw: dict[str, object]
) -> Row:
    addition = Addition(product_id=product_id, subscription_id=subscription_id, period_order=period_order or 0)
    return await resolve_line_edit(info, invoice_id, "", "ADD", raw, addition)


async def resolve_line_edit(
    info: Info, invoice_id: str, line_id: str, action: str, raw: dict[str, object] | None, addition: Addition | None = None
) -> Row:
    principal = principal_of(info)
    context = info.context
    if not context.database.writing:
        raise RuntimeError("line edits run in the unit of work their endpoint opened")
    values = parse_line_values(raw, prefix="input.", spell=camel, optional=addition is not None) if raw is not None else None
    command = LineEditCommand(
        invoice_id=invoice_id,
        line_id=line_id,
        action=action,
        values=values,
        addition=addition,
        idempotency_key=context.idempotency_key,
        lock_timeout=context.settings.lock_timeout_seconds,
    )
    async with context.database.session() as unit:
        result = await edit_line(unit, principal, command, field_prefix="input.", spell=camel)
    context.loaders.prime_invoices([result.invoice])
    if result.sources is not None:
        prime_sources(context.loaders, result.sources)
    return result.invoice
