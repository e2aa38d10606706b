"""`POST /v1/invoices/{id}/refresh` (and `?dry_run=true`): the vendor's route over the refresh service."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from invoicegraph.auth.permissions import INVOICE_PREVIEW, INVOICE_REFRESH
from invoicegraph.db.loaders import Loaders
from invoicegraph.errors import ApiError, InvalidField, UnsupportedMediaType, UserNotAllowed, reflected
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSONBody
from invoicegraph.rest.params import reject_unknown
from invoicegraph.rest.vendor import vendor_invoice, vendor_invoice_in
from invoicegraph.services.idempotency import HEADER, REPLAYED_HEADER, IdempotencyRequest, RawResponse, fingerprint, parse_key
from invoicegraph.services.refresh.service import RefreshCommand, RefreshService, Responder
from invoicegraph.services.refresh.sources import Sources
from invoicegraph.services.refresh.types import ALL_TYPES, normalize_types


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("The request body must be JSON (Content-Type: application/json).", field="Content-Type")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidField("The request body is not valid JSON.", field="body") from None
    if not isinstance(body, dict):
        raise InvalidField("The request body must be a JSON object.", field="body")
    unknown = sorted(set(body) - {"type", "types"})
    if unknown:
        raise InvalidField(f"Unknown field {reflected(unknown[0])}; the body takes `type` and `types`.", field=unknown[0])
    return body


def _types(body: dict[str, Any]) -> tuple[str, ...]:
    """`type` and `types` merged (refresh.md §2).

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


def _dry_run(request: Request) -> bool:
    """`?dry_run=true|false`; anything else is refused, never taken for a real refresh."""
    reject_unknown(request, ("dry_run",))
    values = {value.strip().lower() for value in request.query_params.getlist("dry_run")}
    if not values:
        return False
    if len(values) > 1 or not values <= {"true", "false"}:
        raise InvalidField("`dry_run` must be true or false, given once.", field="dry_run")
    return values == {"true"}


def _responder(platform_id: str) -> Responder:
    """The route's answer to a refreshed invoice, rendered in the refresh's transaction (services/refresh)."""

    async def respond(session: AsyncSession, invoice: dict[str, Any], _sources: Sources | None) -> RawResponse:
        body = await vendor_invoice_in(session, platform_id, invoice)
        return RawResponse(status=200, media_type=JSONBody.media_type, body=orjson.dumps(body))

    return respond


def _sent(response: RawResponse, *, replayed: bool) -> Response:
    """A response as rendered (or as stored, for a replay: the same bytes, status and media type)."""
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    return Response(response.body, status_code=response.status, media_type=response.media_type, headers=headers)


async def refresh_invoice(request: Request) -> Response:
    from invoicegraph.rest.routes import require

    try:
        principal = require(request)
        dry_run = _dry_run(request)
        needed = (INVOICE_REFRESH, INVOICE_PREVIEW) if dry_run else (INVOICE_REFRESH,)
        if not any(principal.has(p) for p in needed):
            raise UserNotAllowed(f"The credential lacks the {' or '.join(needed)} permission.")
        invoice_id = request.path_params["id"]
        body = await _body(request)
        types = _types(body)
        service = RefreshService(request.app.state.database, lock_timeout=request.app.state.settings.lock_timeout_seconds)
        if dry_run:
            loaders = Loaders(request.app.state.database, principal.platform_id)
            preview = await service.preview(principal, RefreshCommand(invoice_id=invoice_id, types=types))
            return JSONBody(
                {
                    "invoice": await vendor_invoice(preview.invoice, loaders),
                    "types": list(preview.types),
                    "based_on_version": preview.based_on_version,
                    "changes": [{"path": c.path, "before": c.before, "after": c.after} for c in preview.changes],
                }
            )
        key = parse_key(request.headers.get(HEADER))
        idempotency = IdempotencyRequest(key, fingerprint("rest", "refresh", invoice_id, types)) if key else None
        command = RefreshCommand(invoice_id=invoice_id, types=types, idempotency=idempotency, respond=_responder(principal.platform_id))
        result = await service.refresh(principal, command)
        if result.response is None:
            raise RuntimeError("the refresh service rendered no response")  # it does whenever `respond` is given
        return _sent(result.response, replayed=result.replayed)
    except ApiError as error:
        return error_response(error)
