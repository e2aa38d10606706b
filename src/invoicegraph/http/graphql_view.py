"""The GraphQL endpoint: Strawberry's ASGI view with our context, JSON codec, IDE page and media types.

GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/) defines two response media
types. `application/json` (the default, and what `*/*` or no Accept header gets) answers 200 for every
well-formed request, GraphQL errors included (a request error, raised before execution, has no `data`
entry in either media type). `application/graphql-response+json`, when the client's
Accept prefers it, says more with the status: a request error (the document does not parse or
validate, variables do not coerce) answers 4xx without a `data` entry, while a
response with `data` (even null after a field error) stays 200. Refusals by the auth middleware (401,
403, 400 for the platform) happen before this view and keep their status.

Idempotency-Key (refresh.md §4): a mutation's key stands for the whole request (document text,
operationName, variables). The refresh writes the key's record in its transaction; this view stores
the encoded response into it before sending it, and answers the same request again with exactly those
bytes (and `Idempotent-Replayed: true`) without executing anything (services/idempotency.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import orjson
from cross_web import HTTPException
from graphql import ExecutionResult as GraphQLExecutionResult
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.federation import Schema
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from invoicegraph.auth.middleware import RequestAuth
from invoicegraph.context import RequestContext
from invoicegraph.db.engine import Database
from invoicegraph.db.loaders import Loaders
from invoicegraph.db.routing import CONSISTENCY_HEADER, wants_primary
from invoicegraph.errors import ApiError
from invoicegraph.execution.context import PLAN_STATS
from invoicegraph.execution.direct import DirectOperations
from invoicegraph.http.graphiql import graphiql_page
from invoicegraph.http.media_types import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, prefers_graphql_response_json
from invoicegraph.http.persisted import PersistedQueries, refusal
from invoicegraph.http.plain_post import plain_request
from invoicegraph.http.request_errors import code_request_errors, http_exception_response
from invoicegraph.observability.facts import note_refresh_result
from invoicegraph.services import idempotency
from invoicegraph.services.idempotency import (
    HEADER,
    REPLAYED_HEADER,
    IdempotencyRequest,
    OperationIdempotency,
    RawResponse,
    graphql_fingerprint,
    parse_key,
)
from invoicegraph.settings import Settings

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter
    from graphql import GraphQLError
    from strawberry.http.base import BaseRequestProtocol
    from strawberry.types import ExecutionResult

# Where `process_result` leaves the status for `run` (the scope outlives both calls of one request).
_STATUS_KEY = "invoicegraph.graphql_response_status"
# Where `get_context` leaves the request's context for `run` (which did not build it).
_CONTEXT_KEY = "invoicegraph.graphql_context"
_log = logging.getLogger("invoicegraph.graphql")


class MutationsUsePrimary(SchemaExtension):
    """A mutation, and everything its response selects, runs on the primary (db/routing.py).

    The context is built before the document is parsed, so its routed handle is still undecided here;
    this marks it before the first resolver reads anything.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, RequestContext) and self.execution_context.operation_type == OperationType.MUTATION:
            context.database.use_primary()
        yield


class IdempotentReplay(SchemaExtension):
    """A keyed mutation sent again answers its stored first response; nothing executes.

    Runs once the operation is parsed and validated (so a query, or a key on an anonymous request,
    never touches the key) and before execution. It fingerprints the request and looks the key up on
    the primary, in a session of its own (not the request's shared read session, whose snapshot on
    SQLite would then predate the refresh). A stored response for the same request becomes the
    request's answer (`GraphQLView.run` sends it); anything else executes, and the refresh's claim
    refuses what it must (another request, one still in flight).
    """

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        if isinstance(context, RequestContext) and context.principal is not None and execution.operation_type == OperationType.MUTATION:
            key = _valid_key(context.request.headers.get(HEADER))
            if key is not None and execution.query is not None:
                request = IdempotencyRequest(
                    key, graphql_fingerprint(execution.query, execution.operation_name, execution.variables), deferred=True
                )
                state = context.idempotency = OperationIdempotency(request)
                async with context.database.for_request(primary=True).read() as session:
                    state.replay = await idempotency.stored_response(session, context.principal, request)
                if state.replay is not None:
                    note_refresh_result(changed=False, replayed=True)
                    execution.result = GraphQLExecutionResult(data=None)  # a result already: nothing executes
        yield


def _valid_key(value: str | None) -> str | None:
    """The key, or None; a malformed key is the mutation's INVALID_FIELD error, raised where it is used."""
    try:
        return parse_key(value)
    except ApiError:
        return None


class GraphQLView(GraphQL[RequestContext, None]):
    def __init__(self, schema: Schema, *, settings: Settings, database: Database) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
        )
        self.settings = settings
        self.database = database
        self.persisted = PersistedQueries.from_settings(settings)
        # Read routing needs to know a mutation before it runs: the schema gets the extension here,
        # with the view that builds the routed context (a class, so a fresh instance per request).
        if MutationsUsePrimary not in schema.extensions:
            schema.extensions = (*schema.extensions, MutationsUsePrimary)
        if IdempotentReplay not in schema.extensions:
            schema.extensions = (*schema.extensions, IdempotentReplay)
        # Known clean queries skip Strawberry's operation pipeline (execution/direct.py).
        plans = "off" if settings.naive_execution else settings.execution_plans
        self.direct = DirectOperations(schema, enabled=plans != "off", verify=plans == "verify")
        schema.extensions = (*schema.extensions, self.direct.extension())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exception:  # Strawberry's plain-text refusals, coded (http/request_errors.py)
            response = http_exception_response(request, exception)
        if isinstance(response, Response):
            await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        auth: RequestAuth = request.scope["state"]["auth"]
        principal = auth.principal
        # One server per request: a replica, unless the client asked for the primary (or a mutation runs).
        database = self.database.for_request(primary=wants_primary(request.headers.get(CONSISTENCY_HEADER)), share_reads=True)
        context = RequestContext(
            request=request,  # type: ignore[arg-type]
            response=response,  # type: ignore[arg-type]
            settings=self.settings,
            database=database,
            principal=principal,
            auth_error=None,
            loaders=Loaders(database, principal.platform_id if principal else None, naive=self.settings.naive_execution),
            request_id=auth.request_id,
        )
        request.scope[_CONTEXT_KEY] = context
        return context

    def decode_json(self, data: str | bytes) -> object:
        # orjson: fast, and it never turns a number into Decimal-looking text; Decimal inputs must
        # be strings anyway (the scalar refuses numbers).
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes | str:
        if self.settings.naive_execution:  # benchmark baseline: Strawberry's default encoder
            return json.dumps(data, separators=(",", ":"))
        return orjson.dumps(data)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: RequestContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # Persisted queries (http/persisted.py): a hash stands for its document, or is refused.
        try:
            request_data = self.persisted.resolve(request_data)
        except ApiError as error:
            return refusal(error)
        try:
            direct = await self.direct.execute(request_data, context, mutations=request.method == "POST")
            if direct is not None and not self.direct.comparable(request_data):
                return direct
            # Unknown, or executed with errors (the pipeline reports its premade result), or verify mode.
            result = await super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)
            return result if direct is None else self.direct.check(direct, result)
        finally:
            await context.database.close()  # the request's shared read session (db/engine.py)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # An APQ GET carries no `query` either: a persisted query hash never asks for the IDE page. Only a
        # browser's navigation (Accept naming text/html) gets the page; a client that accepts anything
        # (`*/*`, curl's default) and sent no query is told what is missing, in JSON.
        return (
            "extensions" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
            and super().should_render_graphql_ide(request)
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Strawberry's page loads GraphiQL from a public CDN; ours serves its own copy.
        return HTMLResponse(graphiql_page())

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = process_result(result)
        request_error = is_request_error(result)
        if request_error:
            # A request error never started execution: no `data` entry (GraphQL spec, "Response Format"),
            # and graphql-core's own errors get a code like every other (http/request_errors.py).
            processed.pop("data", None)
            code_request_errors(processed.get("errors") or [])
        if not prefers_graphql_response_json(request.headers.get("accept")):
            return processed
        status = 200
        if request_error:
            status = request_error_status(result.errors or [])  # graphql-response+json says it with a 4xx
        elif result.data is None and result.errors and all(_needs_credential(error) for error in result.errors):
            status = 401  # nothing could be served without a credential: say so, as before execution
        request.scope[_STATUS_KEY] = status
        return processed

    async def run(  # type: ignore[override]
        self,
        request: Request | WebSocket,
        context: RequestContext | UnsetType = UNSET,
        root_value: UnsetType | None = UNSET,
    ) -> Response | WebSocket:
        answered = await self._answer_known_operation(request) if isinstance(request, Request) and context is UNSET else None
        if answered is None:
            return await self._finish(request, await super().run(request, context, root_value))  # type: ignore[arg-type]
        direct, ran, compare = answered
        if direct is None:
            # Executed with errors: the view reports the premade result, with the same context.
            return await self._finish(request, await super().run(request, ran, root_value))  # type: ignore[arg-type]
        if not compare:
            return await self._finish(request, direct)
        # verify: the view answers too, with the same context (its loaders read nothing again)
        standard = await super().run(request, ran, root_value)  # type: ignore[arg-type]
        self._verify(direct, standard)
        return await self._finish(request, standard)

    async def _answer_known_operation(self, request: Request) -> tuple[Response | None, RequestContext, bool] | None:
        """A plain JSON POST of a known operation (execution/direct.py), answered without Strawberry's view.

        None when it is not one: the view runs it, with a context of its own. Otherwise (the response,
        or None when the operation ran into errors and the view must report them; the context it ran
        with; whether verify mode compares the response with the view's). The context's read session
        is closed here only when the view will not run with it.
        """
        auth: RequestAuth = request.scope["state"]["auth"]
        if auth.principal is None or not self.direct.enabled:
            return None
        data = await plain_request(request)
        if data is None:
            return None
        try:
            data = self.persisted.resolve(data)
        except ApiError:
            return None  # the view refuses it with the persisted-query error
        if not self.direct.knows(data):
            return None
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        try:
            result = await self.direct.execute(data, context, mutations=True)  # a plain POST
        except BaseException:
            await context.database.close()
            raise
        if result is None:
            if context.premade_result is not None:
                return None, context, False
            await context.database.close()
            return None
        compare = self.direct.comparable(data)
        if not compare:
            await context.database.close()
        response = self.create_response(response_data=await self.process_result(request, result), sub_response=sub_response)
        return response, context, compare

    def _verify(self, direct: Response, standard: Response | WebSocket) -> None:
        """`verify` mode: the direct response must be the view's own, byte for byte (the view's is sent)."""
        if isinstance(standard, Response) and standard.body == direct.body and standard.status_code == direct.status_code:
            PLAN_STATS.verified += 1
            return
        PLAN_STATS.mismatched += 1
        _log.error("direct response mismatch: %r != %r", bytes(direct.body)[:200], bytes(getattr(standard, "body", b""))[:200])

    async def _finish(self, request: Request | WebSocket, response: Response | WebSocket) -> Response | WebSocket:
        status = request.scope.get(_STATUS_KEY)
        if isinstance(response, Response) and status is not None:
            # Only set when `process_result` ran for a GraphQL result, never for the IDE page or a
            # plain-text 4xx of a malformed HTTP request.
            response.status_code = status
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
        # Taken out of the scope: the context refers to the request, whose scope would refer back
        # (a cycle only the garbage collector frees).
        ran: RequestContext | None = request.scope.pop(_CONTEXT_KEY, None)
        key = ran.idempotency if ran is not None else None
        if key is None or not isinstance(response, Response):
            return response
        if key.replay is not None:
            return replayed(key.replay)
        if key.recorded and ran is not None and ran.principal is not None:
            # The refresh committed the key's record; the response the client is about to get is
            # what the same request replays from now on. Stored before sending, so a retry after
            # this answer never finds the key still in flight.
            sent = RawResponse(
                status=response.status_code, media_type=response.headers.get("content-type", APPLICATION_JSON), body=bytes(response.body)
            )
            try:
                await idempotency.store_response(self.database, ran.principal, key.request, sent)
            except Exception:
                # The refresh is committed: the client still gets its answer. Until PENDING_GRACE
                # passes, the same request is refused as in flight; then it runs again.
                _log.exception("could not store the response of Idempotency-Key %r", key.request.key)
        return response


def replayed(stored: RawResponse) -> Response:
    """The stored first response, byte for byte, marked as a replay."""
    return Response(stored.body, status_code=stored.status, headers={"content-type": stored.media_type, REPLAYED_HEADER: "true"})


def is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation, variable-coercion or pre-execution refusal: errors, no data, no field path."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors or [])


def _needs_credential(error: GraphQLError) -> bool:
    original = error.original_error
    return isinstance(original, ApiError) and original.http_status == 401


def request_error_status(errors: list[GraphQLError]) -> int:
    """400, or the 4xx of a coded error (a missing credential is 401, a refusal 403)."""
    for error in errors:
        original = error.original_error
        if isinstance(original, ApiError) and 400 <= original.http_status < 500:
            return original.http_status
    return 400
