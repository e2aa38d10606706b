"""The refresh mutation and its preview: thin adapters over `services.refresh`.

`refreshInvoice` runs inside the request's unit of work, which the GraphQL endpoint opened before
the operation and commits after the answer (graphql/endpoint.py). The resolver hands that unit to the
service and returns the refreshed invoice; the answer's fields then read through the request's
loaders, in the same transaction, primed with what the refresh already read.
"""

from __future__ import annotations

from invoicegraph.auth.principal import Principal
from invoicegraph.db.loaders import Loaders
from invoicegraph.errors import ResourceNotFound, Unauthorised
from invoicegraph.observability.facts import note_refresh_result
from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row
from invoicegraph.services.refresh.service import RefreshCommand, preview, refresh
from invoicegraph.services.refresh.sources import Sources
from invoicegraph.services.refresh.types import normalize_types


def principal_of(info: Info) -> Principal:
    principal = info.context.principal
    if principal is None:  # the permission check runs first; this keeps the types honest
        raise Unauthorised("A credential is required.")
    return principal


def _command(info: Info, id: str, types: list[str]) -> RefreshCommand:
    context = info.context
    return RefreshCommand(
        invoice_id=id,
        types=normalize_types(types),
        idempotency_key=context.idempotency_key,
        lock_timeout=context.settings.lock_timeout_seconds,
    )


async def resolve_refresh_invoice(info: Info, id: str, types: list[str]) -> Row:
    principal = principal_of(info)
    database = info.context.database
    if not database.writing:
        raise RuntimeError("refreshInvoice runs in the unit of work its endpoint opened")
    command = _command(info, id, types)
    async with database.session() as unit:
        result = await refresh(unit, principal, command)
    note_refresh_result(changed=result.changed, replayed=False)
    loaders = info.context.loaders
    loaders.prime_invoices([result.invoice])
    if result.sources is not None:
        prime_sources(loaders, result.sources)
    return result.invoice


async def resolve_refresh_preview(info: Info, id: str, types: list[str]) -> Row | None:
    principal = principal_of(info)
    try:
        async with info.context.database.session() as session:
            result = await preview(session, principal, _command(info, id, types))
    except ResourceNotFound:
        return None
    if result.sources is not None:
        prime_sources(info.context.loaders, result.sources)
    return {
        "invoice": result.invoice,
        "types": list(result.types),
        "based_on_version": result.based_on_version,
        "changes": [{"path": c.path, "before": c.before, "after": c.after} for c in result.changes],
    }


def prime_sources(loaders: Loaders, sources: Sources) -> None:
    """The records a refresh read, as the loaders would have read them (same transaction's view)."""
    loaders.prime(loaders.customer_by_id, [sources.customer])
    loaders.prime(loaders.billing_entity_by_id, [sources.billing_entity])
    loaders.prime(loaders.subscription_by_id, sources.subscriptions)
    loaders.prime(loaders.coupon_by_id, sources.coupons.values())
    loaders.prime(loaders.promotion_code_by_id, sources.promotion_codes.values())
    loaders.prime(loaders.payment_acceptor_by_id, sources.payment_acceptors)
