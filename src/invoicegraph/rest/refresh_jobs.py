"""`POST /v1/invoices/refresh` (a bulk refresh job, 202) and `GET /v1/invoices/refresh/{job_id}` (docs/drafts.md).

The body is `refreshInvoices`'s input in snake_case: `ids` or `filter` (the list's filter: `statuses`,
`customer_id`, `pricing_plan_subscription_id`, `paid`, `on_hold`, `invoice_date: {from, to}`, `stale`),
`types`, `dry_run`. The job is created in a unit of work this route owns, with the Idempotency-Key
claimed and its answer recorded in it, as the refresh route does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from invoicegraph.auth.permissions import INVOICE_REFRESH, INVOICE_VIEW
from invoicegraph.billing.instants import parse_instant
from invoicegraph.db.invoice_listing import STATUS_ORDER, InvoiceQuery
from invoicegraph.errors import ApiError, InvalidField, ResourceNotFound, reflected
from invoicegraph.rest.access import database_of, read_database, require
from invoicegraph.rest.body import object_body
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSONBody
from invoicegraph.services import idempotency
from invoicegraph.services.idempotency import HEADER, REPLAYED_HEADER, IdempotencyRequest, RawResponse, fingerprint, parse_key
from invoicegraph.services.refresh.types import checked_id_length, normalize_types
from invoicegraph.services.refresh_jobs.create import JobBounds, JobRequest, create_job
from invoicegraph.services.refresh_jobs.model import read_job
from invoicegraph.settings import Settings

BODY_KEYS = ("ids", "filter", "types", "dry_run")
FILTER_KEYS = ("statuses", "customer_id", "pricing_plan_subscription_id", "paid", "on_hold", "invoice_date", "stale")


def _boolean(value: object, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InvalidField(f"`{field}` must be true or false.", field=field)


def _identifier(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(f"`{field}` must be a non-empty id.", field=field)
    return checked_id_length(value, field)


def _instant(value: object, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return parse_instant(value)
    except ValueError:
        raise InvalidField(f"`{field}` must be an RFC 3339 instant.", field=field) from None


def _query(raw: object) -> InvoiceQuery:
    if not isinstance(raw, dict):
        raise InvalidField("`filter` must be an object.", field="filter")
    unknown = sorted(set(raw) - set(FILTER_KEYS))
    if unknown:
        raise InvalidField(f"Unknown filter field {reflected(unknown[0])}.", field=f"filter.{unknown[0]}")
    statuses = raw.get("statuses") or []
    if not isinstance(statuses, list) or any(s not in STATUS_ORDER for s in statuses):
        raise InvalidField(f"`filter.statuses` must be a list of {', '.join(STATUS_ORDER)}.", field="filter.statuses")
    dates = raw.get("invoice_date") or {}
    if not isinstance(dates, dict) or set(dates) - {"from", "to"}:
        raise InvalidField("`filter.invoice_date` must be an object with `from` and/or `to`.", field="filter.invoice_date")
    date_from, date_to = _instant(dates.get("from"), "filter.invoice_date.from"), _instant(dates.get("to"), "filter.invoice_date.to")
    if date_from is not None and date_to is not None and date_to <= date_from:
        raise InvalidField("`filter.invoice_date.to` must be after `from`.", field="filter.invoice_date.to")
    return InvoiceQuery(
        statuses=tuple(sorted(set(statuses))),
        customer_id=_identifier(raw.get("customer_id"), "filter.customer_id"),
        subscription_id=_identifier(raw.get("pricing_plan_subscription_id"), "filter.pricing_plan_subscription_id"),
        paid=_boolean(raw.get("paid"), "filter.paid"),
        on_hold=_boolean(raw.get("on_hold"), "filter.on_hold"),
        date_from=date_from,
        date_to=date_to,
        stale=_boolean(raw.get("stale"), "filter.stale"),
    )


def job_request(body: dict[str, Any], key: str | None) -> JobRequest:
    """The body as the service takes it; a malformed value is INVALID_FIELD naming it."""
    ids = body.get("ids")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        raise InvalidField("`ids` must be a list of invoice ids.", field="ids")
    types = body.get("types")
    if types is not None and not isinstance(types, list):
        raise InvalidField("`types` must be a list of refresh types.", field="types")
    return JobRequest(
        types=normalize_types(types, field="types"),
        dry_run=_boolean(body.get("dry_run"), "dry_run") or False,
        ids=None if ids is None else tuple(ids),
        query=None if body.get("filter") is None else _query(body["filter"]),
        idempotency_key=key,
        field_prefix="",
    )


def _location(request: Request, job_id: str) -> str:
    return f"/v{request.path_params['version']}/invoices/refresh/{job_id}"


def _accepted(request: Request, response: RawResponse, *, replayed: bool) -> Response:
    job_id = orjson.loads(response.body).get("id", "")
    headers = {"Location": _location(request, job_id), **({REPLAYED_HEADER: "true"} if replayed else {})}
    return Response(response.body, status_code=response.status, media_type=response.media_type, headers=headers)


async def create_refresh_job(request: Request) -> Response:
    try:
        principal = require(request, INVOICE_REFRESH)
        body = await object_body(request, BODY_KEYS)
        key = parse_key(request.headers.get(HEADER))
        spec = job_request(body, key)
        keyed = IdempotencyRequest(key, fingerprint("rest", "refresh-job", body)) if key else None
        settings: Settings = request.app.state.settings
        bounds = JobBounds(max_invoices=settings.refresh_job_max_invoices, in_flight=settings.refresh_jobs_in_flight)
        with idempotency.in_flight(principal, keyed):
            async with database_of(request).write() as unit:
                if keyed is not None:
                    stored = await idempotency.claim(unit, principal, keyed, retention=settings.idempotency_retention)
                    if stored is not None:
                        return _accepted(request, stored, replayed=True)
                job_id = await create_job(unit, principal.platform_id, principal.credential_id, principal.request_id, spec, bounds)
                job = await read_job(unit, principal.platform_id, job_id)
                response = RawResponse(status=202, media_type=JSONBody.media_type, body=orjson.dumps(job))
                if keyed is not None:
                    await idempotency.record(unit, principal, keyed, response)
        return _accepted(request, response, replayed=False)
    except ApiError as error:
        return error_response(error)


async def get_refresh_job(request: Request) -> Response:
    try:
        # Following a job needs the permission that creates one, or the one that reads invoices.
        principal = require(request, INVOICE_REFRESH, INVOICE_VIEW)
        job_id = request.path_params["job_id"]
        database = read_database(request)
        try:
            async with database.session() as session:
                job = await read_job(session, principal.platform_id, job_id)
        finally:
            await database.close()
        if job is None:
            raise ResourceNotFound(
                f"Refresh job {reflected(job_id)} was not found.", resource_id=job_id, resource_type="INVOICE_REFRESH_JOB"
            )
        return JSONBody(job)
    except ApiError as error:
        return error_response(error)
