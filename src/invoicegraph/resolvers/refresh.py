"""The refresh mutation and its preview: thin adapters over `services.refresh`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from invoicegraph.errors import ResourceNotFound, Unauthorised
from invoicegraph.resolvers.answer_checks import refuse_early
from invoicegraph.resolvers.types import Info, Row
from invoicegraph.services.idempotency import HEADER, OperationIdempotency, parse_key
from invoicegraph.services.refresh.service import RefreshCommand, RefreshService, Responder
from invoicegraph.services.refresh.types import normalize_types

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from invoicegraph.db.loaders import Loaders
    from invoicegraph.services.refresh.sources import Sources


def _service(info: Info) -> RefreshService:
    return RefreshService(info.context.database, lock_timeout=info.context.settings.lock_timeout_seconds)


def _command(
    info: Info, id: str, types: list[Any] | None, *, key: OperationIdempotency | None = None, respond: Responder | None = None
) -> RefreshCommand:
    names = normalize_types([t.name for t in types or []])
    return RefreshCommand(invoice_id=id, types=names, idempotency=key.request if key else None, respond=respond)


class _Answer:
    """The mutation's answer, completed inside the refresh's transaction (as REST renders its body there).

    Its loaders read in the refresh's session (`Database.pinned`): what the answer shows is what the
    refresh saw and wrote, and no read session is opened after the commit. The executor's plan
    completes the refreshed invoice there; `complete_value` hands that answer out when graphql-core
    completes the field (execution/context.py). When the plan gives up, the field is completed after
    the commit as before. A failing statement fails the transaction, and so the refresh, as a failing
    read of REST's body does.
    """

    def __init__(self, info: Info) -> None:
        self._info = info
        self.primed = False

    async def __call__(self, session: AsyncSession, invoice: Row, sources: Sources | None) -> None:
        context = self._info.context
        alive = context.executor() if context.executor is not None else None
        if alive is None:
            return
        self.prime(invoice, sources)
        await session.flush()  # the audit record too: `refreshHistory` shows this refresh
        raw = self._info._raw_info
        async with context.database.pinned(session):
            completed = await alive.precomplete(raw, invoice)
        if completed is not None:
            context.precompleted[str(raw.path.key)] = (invoice, completed)

    def prime(self, invoice: Row, sources: Sources | None) -> None:
        """The answer reads the invoice the refresh produced, and the records it read, not the database again.

        Once: in the transaction when the answer is completed there (with the invoice and records the
        refresh then returns), else after the refresh.
        """
        if self.primed:
            return
        loaders = self._info.context.loaders
        loaders.prime_invoices([invoice])
        if sources is not None:
            prime_sources(loaders, sources)
        self.primed = True


def _key(info: Info) -> OperationIdempotency | None:
    """The request's Idempotency-Key; None without the header (INVALID_FIELD when malformed).

    The key stands for the whole GraphQL request (document, operationName, variables), whose response
    the view stores and replays (http/graphql_view.py). An operation holds one mutation at most
    (http/rules.py), so one refresh per key.
    """
    if parse_key(info.context.request.headers.get(HEADER)) is None:
        return None
    state = info.context.idempotency
    if state is None:  # the view's IdempotentReplay extension sets it for every keyed mutation
        raise RuntimeError("Idempotency-Key on a mutation executed outside the GraphQL view")
    return state


async def resolve_refresh_invoice(info: Info, id: str, types: list[Any] | None) -> Row:
    principal = info.context.principal
    if principal is None:
        raise Unauthorised("A credential is required.")
    key = _key(info)
    refuse_early(info)  # what the answer would refuse after the write, refused before it (answer_checks.py)
    # A replay never gets here (the view answers it before execution); a deferred key's record is
    # written by the refresh, and its response body by the view once the response is built.
    answer = _Answer(info)
    respond = answer if info.context.executor is not None else None
    result = await _service(info).refresh(principal, _command(info, id, types, key=key, respond=respond))
    if key is not None:
        key.recorded = True
    answer.prime(result.invoice, result.sources)
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
        result = await _service(info).preview(principal, _command(info, id, types))
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
