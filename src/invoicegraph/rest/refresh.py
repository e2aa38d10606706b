"""`POST /v1/invoices/{id}/refresh` (and `?dry_run=true`): the vendor's route over the refresh service."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from invoicegraph.auth.permissions import INVOICE_PREVIEW, INVOICE_REFRESH
from invoicegraph.auth.principal import Principal
from invoicegraph.db.loaders import Loaders
from invoicegraph.errors import ApiError, InvalidField, reflected
from invoicegraph.observability.facts import note_refresh_result
from invoicegraph.rest.access import allow, database_of, require
from invoicegraph.rest.body import object_body, sent
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSONBody
from invoicegraph.rest.params import reject_unknown
from invoicegraph.rest.vendor import vendor_invoice
from invoicegraph.services import idempotency
from invoicegraph.services.idempotency import HEADER, IdempotencyRequest, RawResponse, fingerprint, parse_key
from invoicegraph.services.refresh.service import RefreshCommand, preview, refresh
from invoicegraph.services.refresh.types import ALL_TYPES, normalize_types
from invoicegraph.services.vendor_invoice import vendor_invoice_in
from invoicegraph.settings import Settings


async def _body(request: Request) -> dict[str, Any]:
    return await object_body(request, ("type", "types"))


def _types(body: dict[str, Any]) -> tuple[str, ...]:
    """`type` and `types` merged (docs/refresh.md).

    Each is checked as the client sent it before they are merged, so a bad entry is named where the
    client put it: `type`, or `types.N` with N its index in the client's `types`.
    """
    single, many = body.get("type"), body.get("types")
    if many is not None and not isinstance(many, list):
        raise InvalidField("`types` must be a list of refresh types.", field="types")
    if single is not None and single not in ALL_TYPES:
        raise InvalidField(f"{reflected(single)} is not a refresh type; use one of {', '.join(ALL_TYPES)}.", field="type")
    normalize_types(many, field="types")
    return normalize_types([*([single] if single is not None else []), *(many or [])], field="types")


def _dry_run_of(request: Request) -> bool:
    """`?dry_run=true|false`; anything else is refused, never taken for a real refresh."""
    reject_unknown(request, ("dry_run",))
    values = {value.strip().lower() for value in request.query_params.getlist("dry_run")}
    if not values:
        return False
    if len(values) > 1 or not values <= {"true", "false"}:
        raise InvalidField("`dry_run` must be true or false, given once.", field="dry_run")
    return values == {"true"}


async def refresh_invoice(request: Request) -> Response:
    try:
        principal = require(request)
        dry_run = _dry_run_of(request)
        allow(principal, *((INVOICE_REFRESH, INVOICE_PREVIEW) if dry_run else (INVOICE_REFRESH,)))
        invoice_id = request.path_params["id"]
        types = _types(await _body(request))
        if dry_run:
            return await _preview(request, principal, invoice_id, types)
        return await _refresh(request, principal, invoice_id, types)
    except ApiError as error:
        return error_response(error)


async def _refresh(request: Request, principal: Principal, invoice_id: str, types: tuple[str, ...]) -> Response:
    """The refresh, in a unit of work this route owns: the body it answers is rendered and, with an
    Idempotency-Key, recorded before the commit, so a replay sends those bytes again."""
    key = parse_key(request.headers.get(HEADER))
    keyed = IdempotencyRequest(key, fingerprint("rest", "refresh", invoice_id, types)) if key else None
    settings: Settings = request.app.state.settings
    command = RefreshCommand(invoice_id=invoice_id, types=types, idempotency_key=key, lock_timeout=settings.lock_timeout_seconds)
    with idempotency.in_flight(principal, keyed):
        async with database_of(request).write() as unit:
            if keyed is not None:
                stored = await idempotency.claim(unit, principal, keyed, retention=settings.idempotency_retention)
                if stored is not None:
                    note_refresh_result(changed=False, replayed=True)
                    return sent(stored, replayed=True)
            result = await refresh(unit, principal, command)
            body = await vendor_invoice_in(unit, principal.platform_id, result.invoice)
            response = RawResponse(status=200, media_type=JSONBody.media_type, body=orjson.dumps(body))
            if keyed is not None:
                await idempotency.record(unit, principal, keyed, response)
    note_refresh_result(changed=result.changed, replayed=False)
    return sent(response, replayed=False)


async def _preview(request: Request, principal: Principal, invoice_id: str, types: tuple[str, ...]) -> Response:
    """`?dry_run=true`: the same computation on the primary's current data, nothing written."""
    database = database_of(request).for_request(primary=True)
    try:
        async with database.session() as session:
            preview_ = await preview(session, principal, RefreshCommand(invoice_id=invoice_id, types=types))
        body = {
            "invoice": await vendor_invoice(preview_.invoice, Loaders(database, principal.platform_id)),
            "types": list(preview_.types),
            "based_on_version": preview_.based_on_version,
            "changes": [{"path": c.path, "before": c.before, "after": c.after} for c in preview_.changes],
        }
    finally:
        await database.close()
    return JSONBody(body)
