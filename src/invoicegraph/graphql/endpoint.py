"""`/graphql` over HTTP: read the request, pick the document, run it (a mutation in a unit of work), answer.

One pass, top to bottom:

1. **Read** the GraphQL-over-HTTP request (graphql/request.py) and resolve a persisted document's hash
   (graphql/persisted.py). A request that is not a well-formed GraphQL request (method, media type,
   JSON, parameter types) is refused with its own status.
2. **Judge** the document: parsed, held to our limits and validated once per text (graphql/documents.py);
   pick the operation. A document that fails answers its request errors without executing.
3. **Run** it with graphql-core's `execute` and our planned executor (execution/). A query reads
   through the request's database (db/request.py: one server, one session). A mutation runs inside the
   request's **unit of work**, which this endpoint opens before the operation and commits after its
   answer is rendered: the resolver hands the unit to the service (services/refresh), the answer's
   fields read what the service wrote on the same connection, and when the request carries an
   `Idempotency-Key` the rendered response is recorded in the same transaction (a replay answers those
   bytes, with `Idempotent-Replayed: true`, and executes nothing; only to a caller holding every
   permission the operation's fields check, graphql/required.py). A mutation whose root field came
   back null (it failed, or its answer failed a non-null field) is rolled back: a failure is never
   committed, and a commit is never reported as a failure.
4. **Answer**: errors coded and masked (graphql/errors.py), the body encoded with orjson, in the media
   type the client's Accept prefers. GraphQL over HTTP: `application/json` (the default) answers 200
   for every well-formed request, request errors included; `application/graphql-response+json` says
   more with the status (a request error: its 4xx; a response with `data`: 200).

Strawberry builds the schema and runs its field extensions (permissions); the HTTP handling and the
operation pipeline are these few steps of ours, so that the unit of work can span the operation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from inspect import isawaitable
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode, OperationType, execute
from graphql.language import FragmentDefinitionNode
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.execution.is_awaitable import optimized_is_awaitable

from invoicegraph.auth.principal import Principal
from invoicegraph.db.engine import Database
from invoicegraph.db.loaders import Loaders
from invoicegraph.db.outage import is_database_unavailable
from invoicegraph.db.routing import CONSISTENCY_HEADER, wants_primary
from invoicegraph.errors import ApiError, InvalidField, MissingField, ResourceNotFound
from invoicegraph.graphql.anonymous import anonymous_refusal
from invoicegraph.graphql.context import RequestContext
from invoicegraph.graphql.documents import AmbiguousOperation, Document, Documents, operation
from invoicegraph.graphql.errors import api_error_of, formatted_errors, is_request_error
from invoicegraph.graphql.graphiql import graphiql_page
from invoicegraph.graphql.limits import Limits
from invoicegraph.graphql.persisted import PersistedQueries
from invoicegraph.graphql.request import GraphQLRequest, get_mutation, read_request
from invoicegraph.graphql.required import permits, required_checks
from invoicegraph.library_internals import graphql_core_schema
from invoicegraph.middleware.auth import RequestAuth
from invoicegraph.middleware.limits import CallerLimits, TooManyRequests
from invoicegraph.middleware.refusal import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, prefers_graphql_response_json, refusal
from invoicegraph.observability.facts import OK, current_facts
from invoicegraph.schema.build import BillingSchema
from invoicegraph.services import idempotency
from invoicegraph.services.idempotency import HEADER, REPLAYED_HEADER, IdempotencyRequest, RawResponse, graphql_fingerprint, parse_key
from invoicegraph.settings import Settings

_log = logging.getLogger("invoicegraph.graphql")


class GraphQLEndpoint:
    """The ASGI app behind `Route("/graphql")` (HTTP only; see the module text)."""

    def __init__(self, schema: BillingSchema, *, settings: Settings, database: Database, limits: CallerLimits | None = None) -> None:
        self.schema = graphql_core_schema(schema)
        self.caller_limits = limits or CallerLimits(settings)
        self.executor_class = schema.execution_context_class
        self.settings = settings
        self.database = database
        self.documents = Documents(
            self.schema,
            Limits.from_settings(settings),
            introspection=settings.introspection_enabled,
            hide_suggestions=settings.is_production,
        )
        self.persisted = PersistedQueries.from_settings(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.respond(Request(scope, receive))
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        if self._wants_ide(request):
            return HTMLResponse(graphiql_page())
        auth: RequestAuth = request.scope["state"]["auth"]
        accept = request.headers.get("accept")
        principal = auth.principal
        try:
            params = await read_request(request)
            if params.query is None and not params.extensions and params.document_id is None and self._browser_without_ide(request):
                raise ResourceNotFound("The GraphQL IDE is not served here; send a query.")
            try:
                params = self.persisted.resolve(params, principal.platform_id if principal else None)
            except ApiError as error:  # a persisted document's refusal: a GraphQL request error
                return self._answer(request, ExecutionResult(None, [_request_error(error)]), {}, auth.request_id)
            if params.query is None:
                raise MissingField(
                    "No GraphQL document: send `query`, a trusted document's `documentId`, or a persisted query's hash in `extensions`.",
                    field="query",
                )
            document = self.documents.get(params.query)
            chosen = None if document.errors else operation(document, params.operation_name)
            if chosen is not None and chosen.operation == OperationType.MUTATION and request.method == "GET":
                raise get_mutation()
        except AmbiguousOperation as error:  # the document is the client's to fix: a GraphQL request error
            return self._answer(request, ExecutionResult(None, [_request_error(error)]), {}, auth.request_id)
        except ApiError as error:
            return _refused(error, accept)  # not a GraphQL request we can run: its own status
        if chosen is None:
            return self._answer(request, ExecutionResult(None, list(document.errors)), {}, auth.request_id)
        try:
            self._check(document, chosen, principal)
            key = parse_key(request.headers.get(HEADER)) if chosen.operation == OperationType.MUTATION and principal else None
        except ApiError as error:
            return self._answer(request, ExecutionResult(None, [_request_error(error)]), {}, auth.request_id)
        release = _nothing
        if principal is not None:
            try:  # the operation's share of its platform's budget (middleware/limits.py), before it runs
                release = self.caller_limits.charge(principal, document.cost(chosen))
            except TooManyRequests as error:
                return _refused(error, accept)
        _note_operation(chosen, params)
        primary = chosen.operation == OperationType.MUTATION or wants_primary(request.headers.get(CONSISTENCY_HEADER))
        database = self.database.for_request(primary=primary)
        context = RequestContext(
            settings=self.settings,
            database=database,
            principal=principal,
            loaders=Loaders(database, principal.platform_id if principal else None),
            request_id=auth.request_id,
            idempotency_key=key,
        )
        try:
            if chosen.operation == OperationType.MUTATION:
                return await self._mutate(request, context, document, chosen, params)
            result = await self._execute(context, document, params)
            _raise_outage(result)
            return self._answer(request, result, context.response_headers, auth.request_id)
        finally:
            release()
            await database.close()

    def _browser_without_ide(self, request: Request) -> bool:
        return request.method == "GET" and not self.settings.graphiql_enabled and "text/html" in request.headers.get("accept", "")

    def _wants_ide(self, request: Request) -> bool:
        # Only a browser's navigation (Accept naming text/html) without a query gets the page; a client
        # that accepts anything (`*/*`, curl's default) and sent no query is told what is missing.
        params = request.query_params
        return (
            self.settings.graphiql_enabled
            and request.method == "GET"
            and "query" not in params
            and "extensions" not in params
            and "text/html" in request.headers.get("accept", "")
        )

    def _check(self, document: Document, chosen: OperationDefinitionNode, principal: Principal | None) -> None:
        """What refuses an operation before it runs (GraphQL request errors): a subscription, an anonymous caller."""
        if chosen.operation == OperationType.SUBSCRIPTION:
            raise InvalidField("Subscriptions are served over WebSocket (graphql-transport-ws), not over HTTP.", field="query")
        if principal is None and document.ast is not None:
            refused = anonymous_refusal(chosen, _fragments(document), self.schema, introspection=self.settings.introspection_enabled)
            if refused is not None:
                raise refused

    async def _execute(self, context: RequestContext, document: Document, params: GraphQLRequest) -> ExecutionResult:
        with _operation_span(params.query):
            result = execute(
                self.schema,
                document.ast,  # type: ignore[arg-type]  # a document without errors has its tree
                root_value=None,
                context_value=context,
                variable_values=params.variables,
                operation_name=params.operation_name,
                executor_class=self.executor_class,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # Strawberry's faster check, as it passes it
                hide_suggestions=self.settings.is_production,
            )
            return await result if isawaitable(result) else result

    async def _mutate(
        self, request: Request, context: RequestContext, document: Document, chosen: OperationDefinitionNode, params: GraphQLRequest
    ) -> Response:
        """A mutation, inside the request's unit of work (see the module text)."""
        principal = context.principal
        keyed = None
        # A caller who lacks a permission the operation checks neither replays nor records: it runs
        # as without a key, and its fields refuse it (a stored answer must not skip those checks).
        if (
            context.idempotency_key is not None
            and principal is not None
            and params.query is not None
            and permits(principal, required_checks(self.schema, chosen, _fragments(document)))
        ):
            # The operation that runs, by its name: naming a document's only operation is the same request.
            name = chosen.name.value if chosen.name else None
            keyed = IdempotencyRequest(context.idempotency_key, graphql_fingerprint(params.query, name, params.variables))
        try:
            with idempotency.in_flight(principal, keyed) if principal is not None else nullcontext():
                async with context.database.unit_of_work() as unit:
                    if keyed is not None and principal is not None:
                        stored = await idempotency.claim(unit.session, principal, keyed, retention=self.settings.idempotency_retention)
                        if stored is not None:
                            _note_replay()
                            return _replayed(stored)
                    result = await self._execute(context, document, params)
                    _raise_outage(result)  # rolls the unit of work back: nothing was written
                    response = self._answer(request, result, context.response_headers, context.request_id)
                    if not _stands(result):
                        unit.discard()
                    elif keyed is not None and principal is not None:
                        sent = RawResponse(response.status_code, response.headers["content-type"], bytes(response.body))
                        await idempotency.record(unit.session, principal, keyed, sent)
            return response
        except ApiError as error:  # the key was refused (another request, or still in progress)
            return self._answer(request, ExecutionResult(None, [_request_error(error)]), {}, context.request_id)

    def _answer(self, request: Request, result: ExecutionResult, headers: dict[str, str], request_id: str) -> Response:
        errors: Sequence[GraphQLError] = result.errors or ()
        request_error = result.data is None and is_request_error(errors)
        body: dict[str, Any] = {} if request_error else {"data": result.data}
        if errors:
            body["errors"] = formatted_errors(errors, request_id=request_id, response_headers=headers)
        _note_outcome(body.get("errors"))
        status, media_type = 200, APPLICATION_JSON
        if prefers_graphql_response_json(request.headers.get("accept")):
            media_type = GRAPHQL_RESPONSE_JSON
            if request_error:
                status = _request_error_status(errors)
            elif result.data is None and errors and all(_needs_credential(error) for error in errors):
                status = 401  # nothing could be served without a credential: say so, as before execution
        return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers or None)


def _nothing() -> None:
    pass


def _fragments(document: Document) -> dict[str, FragmentDefinitionNode]:
    definitions = document.ast.definitions if document.ast is not None else ()
    return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}


def _refused(error: ApiError, accept: str | None) -> Response:
    status, headers, body = refusal(error, graphql=True, accept=accept)
    return Response(
        body, status_code=status, headers={name.decode(): value.decode() for name, value in headers if name != b"content-length"}
    )


def _request_error(error: ApiError) -> GraphQLError:
    return GraphQLError(error.message, original_error=error)


def _stands(result: ExecutionResult) -> bool:
    """Whether a mutation's effects may be committed: every root field it ran has a value."""
    data = result.data
    return data is not None and all(value is not None for value in data.values())


def _request_error_status(errors: Sequence[GraphQLError]) -> int:
    """400, or the 4xx of a coded error (a missing credential is 401, a refusal 403, not found 404)."""
    for error in errors:
        api_error = api_error_of(error)
        if api_error is not None and 400 <= api_error.http_status < 500:
            return api_error.http_status
    return 400


def _needs_credential(error: GraphQLError) -> bool:
    api_error = api_error_of(error)
    return api_error is not None and api_error.http_status == 401


def _replayed(stored: RawResponse) -> Response:
    """The stored first response, byte for byte, marked as a replay."""
    return Response(stored.body, status_code=stored.status, headers={"content-type": stored.media_type, REPLAYED_HEADER: "true"})


def _operation_span(query: str | None) -> AbstractContextManager[Any]:
    facts = current_facts()
    tracer = facts.telemetry.tracer if facts is not None else None
    if tracer is None:
        return nullcontext()
    from invoicegraph.observability.tracing import operation_span  # the `tracing` extra

    return operation_span(tracer, query, facts)  # type: ignore[arg-type]  # facts is set when a tracer is


def _note_operation(chosen: OperationDefinitionNode, params: GraphQLRequest) -> None:
    facts = current_facts()
    if facts is not None:
        facts.operation_name = params.operation_name or (chosen.name.value if chosen.name else None)
        facts.operation_type = chosen.operation.value


def _note_outcome(errors: list[dict[str, Any]] | None) -> None:
    facts = current_facts()
    if facts is None:
        return
    code = (errors[0].get("extensions") or {}).get("code") if errors else None
    facts.outcome = OK if not errors else code if isinstance(code, str) else "INTERNAL_ERROR"
    for error in errors or ():
        path = error.get("path")
        if facts.operation_type == "mutation" and path is not None and len(path) == 1:
            facts.refresh_outcomes.append(str((error.get("extensions") or {}).get("code") or "INTERNAL_ERROR"))


def _note_replay() -> None:
    facts = current_facts()
    if facts is not None:
        facts.outcome = OK
        facts.refresh_outcomes.append("replayed")


def _raise_outage(result: ExecutionResult) -> None:
    """A query that got no data (every root field null) because the database is unreachable answers as an outage (a retryable 503,
    middleware/faults.py), the same whether the request's first statement ran in the credential check or,
    with the key cached, in a resolver. Partial data stays a 200 with its retryable errors."""
    no_data = result.data is None or all(value is None for value in result.data.values())
    # A coded error (a lock wait past its timeout, say) is the service's own answer, whatever caused it.
    outages = [error.original_error for error in result.errors or () if not isinstance(error.original_error, ApiError)]
    if no_data and result.errors and len(outages) == len(result.errors) and all(is_database_unavailable(error) for error in outages):
        original = result.errors[0].original_error
        if original is not None:  # always: is_database_unavailable(None) is False
            raise original
