"""`/v1/invoices/{id}/lines/{line_id}`: the vendor-style line edits over the line-edit service.

`PATCH` adjusts a line (body `{quantity, unit_price, amount, description}`), `DELETE` removes it,
`POST …/revert` drops its adjustment. Each answers the invoice's vendor JSON (200). Like the refresh
route, each owns its unit of work: the body is rendered and, with an Idempotency-Key, recorded
before the commit.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from invoicegraph.auth.permissions import INVOICE_LINE_EDIT
from invoicegraph.errors import ApiError
from invoicegraph.rest.access import database_of, require
from invoicegraph.rest.body import object_body, sent
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSONBody
from invoicegraph.rest.params import reject_unknown
from invoicegraph.rest.vendor import vendor_invoice_in
from invoicegraph.services import idempotency
from invoicegraph.services.drafts.line_edits import LineEditCommand, edit_line
from invoicegraph.services.drafts.line_input import FIELDS, LineValues, parse_line_values, snake
from invoicegraph.services.idempotency import HEADER, IdempotencyRequest, RawResponse, fingerprint, parse_key
from invoicegraph.settings import Settings


async def adjust_line(request: Request) -> Response:
    return await _edit(request, "ADJUST")


async def remove_line(request: Request) -> Response:
    return await _edit(request, "REMOVE")


async def revert_line(request: Request) -> Response:
    return await _edit(request, "REVERT")


async def _edit(request: Request, action: str) -> Response:
    try:
        principal = require(request, INVOICE_LINE_EDIT)
        reject_unknown(request, ())
        invoice_id, line_id = request.path_params["id"], request.path_params["line_id"]
        body = await object_body(request, FIELDS if action == "ADJUST" else ())
        values: LineValues | None = parse_line_values(body, prefix="", spell=snake) if action == "ADJUST" else None
        key = parse_key(request.headers.get(HEADER))
        keyed = IdempotencyRequest(key, fingerprint("rest", f"line-{action.lower()}", invoice_id, line_id, body)) if key else None
        settings: Settings = request.app.state.settings
        command = LineEditCommand(
            invoice_id=invoice_id,
            line_id=line_id,
            action=action,
            values=values,
            idempotency_key=key,
            lock_timeout=settings.lock_timeout_seconds,
        )
        with idempotency.in_flight(principal, keyed):
            async with database_of(request).write() as unit:
                if keyed is not None:
                    stored = await idempotency.claim(unit, principal, keyed)
                    if stored is not None:
                        return sent(stored, replayed=True)
                result = await edit_line(unit, principal, command)
                rendered = await vendor_invoice_in(unit, principal.platform_id, result.invoice)
                response = RawResponse(status=200, media_type=JSONBody.media_type, body=orjson.dumps(rendered))
                if keyed is not None:
                    await idempotency.record(unit, principal, keyed, response)
        return sent(response, replayed=False)
    except ApiError as error:
        return error_response(error)
