"""The access log, request metrics and the request span: one pure ASGI middleware, outermost.

Per HTTP request it
- settles the request id first (a valid incoming `X-Request-ID`, else a new one written into the
  request headers, which the auth middleware then adopts), so every line of the request has it;
- opens a `RequestFacts` that inner layers fill (operation, outcome, refresh outcomes) and a
  statement tally;
- writes one log line when the response is done: request id, platform, credential id (never the
  key), operation name and type, status, outcome code, duration, statement count;
- counts the request and its latency, and any refresh outcomes;
- turns an unhandled exception into the vendor's INTERNAL_ERROR (500) quoting the request id, after
  logging it with its traceback.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicegraph.auth.principal import Principal
from invoicegraph.db.statements import current_tally, start_tally
from invoicegraph.errors import InternalError
from invoicegraph.ids import REQUEST_ID_HEADER, request_id_of
from invoicegraph.middleware.auth import RequestAuth
from invoicegraph.middleware.refusal import send_refusal
from invoicegraph.observability.facts import OK, RequestFacts, Telemetry, enter, leave

log = logging.getLogger("invoicegraph.access")
errors_log = logging.getLogger("invoicegraph.errors")

_MAX_ERROR_BODY = 65536  # error bodies are read for their code; they are small
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes log at DEBUG
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_OUTCOMES = {401: "UNAUTHORISED", 403: "USER_NOT_ALLOWED", 404: "RESOURCE_NOT_FOUND", 415: "UNSUPPORTED_MEDIA_TYPE"}
_REFRESH_ROUTE_SUFFIX = "/invoices/{id}/refresh"
_REQUEST_ID_BYTES = REQUEST_ID_HEADER.encode()


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, *, telemetry: Telemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope, request_id = _with_request_id(scope)
        facts = RequestFacts(method=scope["method"], path=scope["path"], request_id=request_id, telemetry=self.telemetry)
        token = enter(facts)
        try:
            if self.telemetry.tracer is None:
                await self._serve(scope, receive, send, facts)
            else:
                from invoicegraph.observability.tracing import request_span  # the `tracing` extra

                with request_span(self.telemetry.tracer, scope, facts):
                    await self._serve(scope, receive, send, facts)
        finally:
            leave(token)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, facts: RequestFacts) -> None:
        # Counted as a difference: a tally already running (a test's, around an in-process request)
        # keeps counting this request's statements too.
        tally = current_tally() or start_tally()
        baseline = tally.count
        response = _ResponseWatch(send, facts.request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, response.send)
        except Exception:
            facts.outcome = "INTERNAL_ERROR"
            errors_log.exception("unhandled error in %s %s", facts.method, facts.path)
            if response.status is not None:
                raise  # the response has begun: nothing better to send
            response.status = 500
            await _internal_error(scope, facts.request_id, response.send)
        finally:
            self._record(scope, facts, response, tally.count - baseline, time.perf_counter() - started)

    def _record(self, scope: Scope, facts: RequestFacts, response: _ResponseWatch, statements: int, seconds: float) -> None:
        status = response.status or 500
        facts.status = status
        if facts.outcome is None:
            facts.outcome = OK if status < 400 else response.error_code() or _status_outcome(status)
        route = getattr(scope.get("route"), "path", None)
        facts.route = route
        method = facts.method if facts.method in _METHODS else "OTHER"
        if _is_refresh(facts, route, scope) and status >= 400 and not facts.refresh_outcomes:
            facts.refresh_outcomes.append(facts.outcome)
        metrics = self.telemetry.metrics
        if metrics is not None:
            # A client's operation name becomes a label only once its credential was accepted and its
            # document validated (operation_type is noted then): anonymous callers would otherwise fill
            # the bounded label slots with junk names, and every later name would count as `other`.
            graphql_named = facts.operation_type is not None and _principal(scope) is not None
            operation = (facts.operation_name or "anonymous") if graphql_named else f"{method} {route or 'unmatched'}"
            metrics.observe_request(operation, facts.outcome, seconds, client_named=graphql_named)
            for outcome in facts.refresh_outcomes:
                metrics.refreshes.labels(outcome=outcome).inc()
        level = logging.DEBUG if facts.path in _QUIET_PATHS else logging.ERROR if status >= 500 else logging.INFO
        if log.isEnabledFor(level):
            log.log(level, "%s %s %s", facts.method, facts.path, status, extra=_line(scope, facts, statements, seconds))


def _principal(scope: Scope) -> Principal | None:
    auth = scope.get("state", {}).get("auth")
    return auth.principal if isinstance(auth, RequestAuth) else None


def _line(scope: Scope, facts: RequestFacts, statements: int, seconds: float) -> dict[str, Any]:
    principal = _principal(scope)
    headers = Headers(scope=scope)
    presented = "API_KEY" if "x-api-key" in headers else "JWT" if "authorization" in headers else None
    return {
        "request_id": facts.request_id,
        "method": facts.method,
        "path": facts.path,
        "route": facts.route,
        "status": facts.status,
        "outcome": facts.outcome,
        "operation_name": facts.operation_name,
        "operation_type": facts.operation_type or ("rest" if facts.route and facts.route.startswith("/v") else None),
        "platform_id": principal.platform_id if principal else None,
        # The key's id (akey_…) or the token's subject: never the credential itself.
        "credential_id": principal.credential_id if principal else None,
        "credential_kind": principal.credential_kind if principal else presented,
        "duration_ms": round(seconds * 1000, 2),
        "statements": statements,
        "refresh_outcomes": facts.refresh_outcomes or None,
    }


def _with_request_id(scope: Scope) -> tuple[Scope, str]:
    """The request id and a scope whose headers carry it, so that every layer further in reads the same one."""
    header = REQUEST_ID_HEADER.encode()
    incoming = next((value for name, value in scope["headers"] if name == header), b"").decode("latin-1")
    request_id = request_id_of(incoming)
    if request_id == incoming:
        return scope, incoming
    headers = [(name, value) for name, value in scope["headers"] if name != header]
    return {**scope, "headers": [*headers, (header, request_id.encode())]}, request_id


def _is_refresh(facts: RequestFacts, route: str | None, scope: Scope) -> bool:
    """A REST refresh (not a dry run): GraphQL refreshes are noted by the GraphQL extension."""
    if facts.method != "POST" or route is None or not route.endswith(_REFRESH_ROUTE_SUFFIX):
        return False
    query: bytes = scope.get("query_string", b"")
    dry_run: str = parse_qs(query.decode("latin-1")).get("dry_run", ["false"])[-1]
    return dry_run.lower() != "true"


def _status_outcome(status: int) -> str:
    return _STATUS_OUTCOMES.get(status, "INTERNAL_ERROR" if status >= 500 else "INVALID_REQUEST")


class _ResponseWatch:
    """Passes messages on, noting the status and keeping the body of an error response."""

    def __init__(self, send: Send, request_id: str) -> None:
        self._send = send
        self._request_id = request_id.encode()
        self.status: int | None = None
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            # Every response, refusals and errors included, names its request.
            headers = [(name, value) for name, value in message.get("headers", ()) if name.lower() != _REQUEST_ID_BYTES]
            message = {**message, "headers": [*headers, (_REQUEST_ID_BYTES, self._request_id)]}
        elif message["type"] == "http.response.body" and (self.status or 0) >= 400 and len(self.body) < _MAX_ERROR_BODY:
            self.body += message.get("body", b"")
        await self._send(message)

    def error_code(self) -> str | None:
        """The vendor code of an error body: REST `{"code": …}` or GraphQL `errors[0].extensions.code`."""
        try:
            body = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            return str(body["code"])
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = (errors[0].get("extensions") or {}).get("code")
            return code if isinstance(code, str) else None
        return None


async def _internal_error(scope: Scope, request_id: str, send: Send) -> None:
    error = InternalError(f"Internal error. Quote request id {request_id} to support.")
    await send_refusal(scope, send, error, extensions={"requestId": request_id})
