"""The refresh mutation and its preview: thin adapters over `services.refresh`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from invoicegraph.errors import ResourceNotFound, Unauthorised
from invoicegraph.resolvers.types import Info, Row
from invoicegraph.services.idempotency import HEADER, REPLAYED_HEADER, IdempotencyRequest, fingerprint, parse_key
from invoicegraph.services.refresh.service import RefreshCommand, RefreshService
from invoicegraph.services.refresh.types import normalize_types

if TYPE_CHECKING:
    from invoicegraph.db.loaders import Loaders
    from invoicegraph.services.refresh.sources import Sources


def _service(info: Info) -> RefreshService:
    return RefreshService(info.context.database, lock_timeout=info.context.settings.lock_timeout_seconds)


def _command(info: Info, id: str, types: list[Any] | None, *, with_key: bool) -> RefreshCommand:
    names = normalize_types([t.name for t in types or []])
    key = parse_key(info.context.request.headers.get(HEADER)) if with_key else None
    # The request is identified by what it asks for (operation, invoice, types); a replay renders
    # the stored invoice through whatever selection the replaying document makes.
    request = IdempotencyRequest(key, fingerprint("graphql", "refreshInvoice", id, names)) if key else None
    return RefreshCommand(invoice_id=id, types=names, idempotency=request)


async def resolve_refresh_invoice(info: Info, id: str, types: list[Any] | None) -> Row:
    principal = info.context.principal
    if principal is None:
        raise Unauthorised("A credential is required.")
    result = await _service(info).refresh(principal, _command(info, id, types, with_key=True))
    if result.replayed:
        info.context.response.headers[REPLAYED_HEADER] = "true"
    # The response reads the invoice the refresh produced, and the records it read, not the database again.
    info.context.loaders.prime_invoices([result.invoice])
    if result.sources is not None:
        prime_sources(info.context.loaders, result.sources)
    return result.invoice


def prime_sources(loaders: Loaders, sources: Sources) -> None:
    """The records a refresh read, as the loaders would have read them (same transaction's view, primary)."""
    loaders.prime(loaders.customer_by_id, [sources.customer])
    loaders.prime(loaders.billing_entity_by_id, [sources.billing_entity])
    loaders.prime(loaders.subscription_by_id, sources.subscriptions)
    loaders.prime(loaders.coupon_by_id, sources.coupons.values())
    loaders.prime(loaders.promotion_code_by_id, sources.promotion_codes.values())
    loaders.prime(loaders.payment_acceptor_by_id, sources.payment_acceptors)


async def resolve_refresh_preview(info: Info, id: str, types: list[Any] | None) -> Row | None:
    principal = info.context.principal
    if principal is None:
        raise Unauthorised("A credential is required.")
    try:
        result = await _service(info).preview(principal, _command(info, id, types, with_key=False))
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
