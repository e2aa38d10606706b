"""`/v1/invoices/{id}/lines/{line_id}`: the vendor-style line edits over the line-edit service.

`POST /v1/invoices/{id}/lines` adds a line (body: `product_id`, the price, `description`,
`subscription_id`, `period_order`), `PATCH` adjusts a line (body `{quantity, unit_price, amount, description}`), `DELETE` removes it,
`POST …/revert` drops its adjustment. Each answers the invoice's vendor JSON (200). Like the refresh
route, each owns its unit of work: the body is rendered and, with an Idempotency-Key, recorded
before the commit.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from invoicegraph.auth.permissions import INVOICE_LINE_EDIT
from invoicegraph.errors import ApiError, InvalidField, MissingField
from invoicegraph.rest.access import database_of, require
from invoicegraph.rest.body import object_body, sent
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSONBody
from invoicegraph.rest.params import reject_unknown
from invoicegraph.services import idempotency
from invoicegraph.services.drafts.line_edits import Addition, LineEditCommand, edit_line
from invoicegraph.services.drafts.line_input import FIELDS, LineValues, parse_line_values, snake
from invoicegraph.services.idempotency import HEADER, IdempotencyRequest, RawResponse, fingerprint, parse_key
from invoicegraph.services.refresh.types import checked_id_length
from invoicegraph.services.vendor_invoice import vendor_invoice_in
from invoicegraph.settings import Settings

ADDITION_FIELDS = (*FIELDS, "product_id", "subscription_id", "period_order")


async def add_line(request: Request) -> Response:
    return await _edit(request, "ADD")


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
        invoice_id, line_id = request.path_params["id"], request.path_params.get("line_id", "")
        body = await object_body(request, {"ADD": ADDITION_FIELDS, "ADJUST": FIELDS}.get(action, ()))
        priced = action in ("ADD", "ADJUST")
        values: LineValues | None = parse_line_values(body, prefix="", spell=snake, optional=action == "ADD") if priced else None
        key = parse_key(request.headers.get(HEADER))
        keyed = IdempotencyRequest(key, fingerprint("rest", f"line-{action.lower()}", invoice_id, line_id, body)) if key else None
        settings: Settings = request.app.state.settings
        command = LineEditCommand(
            invoice_id=invoice_id,
            line_id=line_id,
            action=action,
            values=values,
            addition=_addition(body) if action == "ADD" else None,
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


def _addition(body: dict[str, Any]) -> Addition:
    product, subscription, period = body.get("product_id"), body.get("subscription_id"), body.get("period_order", 0)
    if product is None:
        raise MissingField("`product_id` is required: the product the line charges for.", field="product_id")
    if not isinstance(product, str) or not product.strip():
        raise InvalidField("`product_id` must be a product id.", field="product_id")
    checked_id_length(product, "product_id")
    if subscription is not None and (not isinstance(subscription, str) or not subscription.strip()):
        raise InvalidField("`subscription_id` must be a subscription id.", field="subscription_id")
    if subscription is not None:
        checked_id_length(subscription, "subscription_id")
    if isinstance(period, bool) or not isinstance(period, int) or period < 0:
        raise InvalidField("`period_order` must be a whole number, 0 or more.", field="period_order")
    return Addition(product_id=product, subscription_id=subscription, period_order=period)
