"""`/graphql` over WebSocket: GraphQL subscriptions with the graphql-transport-ws protocol.

Strawberry's ASGI view speaks the protocol (handshake, `connection_init`/`connection_ack`, ping/pong,
`subscribe`/`next`/`error`/`complete`, the init timeout, the Origin check); this module decides the rest,
as the HTTP endpoint does for its requests:

- **connection_init** carries the credential, as HTTP headers would (`X-API-KEY` or `Authorization`,
  and `x-platform-id` when the credential spans platforms), checked by the same `Authenticator` as every
  HTTP request. A connection without `INVOICE.VIEW`, with a refused credential, or over its credential's
  connection limit is closed with 4403 and a reason that starts with the error code. The credential is
  checked again every `INVOICEGRAPH_SUBSCRIPTION_RECHECK_SECONDS`: a revoked key, an expired token or a
  lost permission closes the connection the same way.
- **subscribe**: the document goes through the same judge as over HTTP (parse cache, our limits,
  validation, trusted documents); only subscriptions are served here (queries and mutations go over
  HTTP, where a mutation has its unit of work). It runs with graphql-core's `subscribe` and our planned
  executor; errors are coded and masked as over HTTP.
- **each event** is completed with a fresh database handle on the primary (the event is committed
  there; a replica might not have it yet) and fresh loaders, so an answer reads the records as they are
  when the event arrives and nothing is cached across events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from inspect import isawaitable
from typing import Any, cast

from graphql import ExecutionResult, GraphQLError, OperationType, subscribe
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, Message

from invoicegraph.auth.permissions import INVOICE_VIEW
from invoicegraph.auth.principal import Principal
from invoicegraph.db.engine import Database
from invoicegraph.db.loaders import Loaders
from invoicegraph.errors import ApiError, InvalidField, LimitExceeded, Unauthorised, UserNotAllowed
from invoicegraph.graphql.context import RequestContext
from invoicegraph.graphql.documents import operation
from invoicegraph.graphql.endpoint import GraphQLEndpoint
from invoicegraph.graphql.errors import formatted_errors
from invoicegraph.graphql.request import GraphQLRequest
from invoicegraph.ids import new_request_id
from invoicegraph.middleware.auth import Authenticator
from invoicegraph.middleware.cors import origin_allowed
from invoicegraph.records.vendor_json import Body
from invoicegraph.schema.build import BillingSchema
from invoicegraph.services.events.feed import EventFeed, Interest, SubscriberTooSlow
from invoicegraph.services.events.model import invoice_of, subscription_row
from invoicegraph.settings import Settings

FORBIDDEN = 4403
# A WebSocket close reason is at most 123 bytes.
_REASON_BYTES = 123
_log = logging.getLogger("invoicegraph.graphql")


class SubscriptionLimits:
    """Connections and subscriptions per credential, in this process."""

    def __init__(self, *, connections: int, subscriptions: int) -> None:
        self.max_connections = connections
        self.max_subscriptions = subscriptions
        self.connections: Counter[str] = Counter()
        self.subscriptions: Counter[str] = Counter()

    def connect(self, credential_id: str) -> None:
        if self.connections[credential_id] >= self.max_connections:
            raise LimitExceeded(f"This credential already holds {self.max_connections} WebSocket connections to this server.")
        self.connections[credential_id] += 1

    def disconnect(self, credential_id: str) -> None:
        self.connections[credential_id] -= 1
        if self.connections[credential_id] <= 0:
            del self.connections[credential_id]

    @contextmanager
    def subscription(self, credential_id: str) -> Iterator[None]:
        if self.subscriptions[credential_id] >= self.max_subscriptions:
            raise LimitExceeded(f"This credential already runs {self.max_subscriptions} subscriptions on this server.")
        self.subscriptions[credential_id] += 1
        try:
            yield
        finally:
            self.subscriptions[credential_id] -= 1
            if self.subscriptions[credential_id] <= 0:
                del self.subscriptions[credential_id]


@dataclass(slots=True)
class SocketContext(RequestContext):
    """`info.context` of a WebSocket connection: the request context, with the connection's own parts.

    `database` and `loaders` are replaced for every event (`Subscriptions.invoice_updates`).
    """

    # Strawberry puts the connection_init payload here.
    connection_params: dict[str, Any] = field(default_factory=dict)
    subscriptions: Subscriptions | None = None


class Subscriptions:
    """The WebSocket side of `/graphql` (an ASGI app for `WebSocketRoute("/graphql")`)."""

    def __init__(
        self,
        schema: BillingSchema,
        endpoint: GraphQLEndpoint,
        *,
        settings: Settings,
        database: Database,
        authenticator: Authenticator,
        feed: EventFeed,
    ) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.database = database
        self.authenticator = authenticator
        self.feed = feed
        self.limits = SubscriptionLimits(
            connections=settings.subscription_connections_per_credential, subscriptions=settings.subscriptions_per_credential
        )
        self.view = _View(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            # Ours is the limit per credential, with a coded error; Strawberry's only backs it up.
            max_subscriptions_per_connection=settings.subscriptions_per_credential + 1,
        )
        # A browser page may open a socket from the origins CORS allows (with their `:*` ports).
        self.view.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        database = self.database.for_request(primary=True)
        context = SocketContext(
            settings=self.settings,
            database=database,
            principal=None,
            loaders=Loaders(database, None),
            request_id=new_request_id(),
            subscriptions=self,
        )
        try:
            await self.view.run(WebSocket(scope, receive, send), context=context)
        finally:
            if context.principal is not None:
                self.limits.disconnect(context.principal.credential_id)
            await context.database.close()

    async def admit(self, context: SocketContext, params: dict[str, Any]) -> None:
        """`connection_init`: the credential in `params`, checked; the connection counted (or a coded refusal)."""
        principal = await self.principal(params, context.request_id)
        self.limits.connect(principal.credential_id)
        context.principal = principal
        context.loaders = Loaders(context.database, principal.platform_id)

    async def principal(self, params: dict[str, Any], request_id: str) -> Principal:
        """The connection's credential as HTTP would judge those headers; it must grant INVOICE.VIEW."""
        raw = [(str(name).lower().encode(), value.encode()) for name, value in params.items() if isinstance(value, str)]
        principal = await self.authenticator.authenticate(Headers(raw=raw), request_id)
        if principal is None:
            raise Unauthorised("Authentication required: send X-API-KEY or Authorization in the connection_init payload.")
        if not principal.has(INVOICE_VIEW):
            raise UserNotAllowed(f"Subscriptions require the {INVOICE_VIEW} permission.")
        return principal

    async def invoice_updates(self, context: SocketContext, interest: Interest) -> AsyncIterator[Body]:
        """The `invoiceUpdated` events of one subscription, each with its own database handle and loaders."""
        principal = context.principal
        if principal is None:
            raise Unauthorised("Authentication required.")
        with self.limits.subscription(principal.credential_id):
            async with self.feed.subscribe(interest) as subscriber:
                while True:
                    try:
                        event = await subscriber.next()
                    except SubscriberTooSlow:
                        raise LimitExceeded("The subscription fell too far behind its events and was ended; subscribe again.") from None
                    database = self.database.for_request(primary=True)
                    context.database, context.loaders = database, Loaders(database, principal.platform_id)
                    try:
                        async with database.session() as session:
                            invoice = await invoice_of(session, event)
                        if invoice is not None:
                            yield subscription_row(event, invoice)
                    finally:
                        await database.close()

    async def open(
        self, context: SocketContext, operation_: Operation[SocketContext, None]
    ) -> AsyncIterator[ExecutionResult] | ExecutionResult:
        """A `subscribe` message judged as an HTTP request would be, then started (or its request errors)."""
        endpoint = self.endpoint
        try:
            request = endpoint.persisted.resolve(
                GraphQLRequest(operation_.query, operation_.variables, operation_.operation_name, None, "GET")
            )
            document = endpoint.documents.get(request.query or "")
            if document.errors or document.ast is None:
                return ExecutionResult(None, list(document.errors))
            chosen = operation(document, operation_.operation_name)
            if chosen.operation != OperationType.SUBSCRIPTION:
                raise InvalidField("Only subscriptions are served over WebSocket; send queries and mutations over HTTP.", field="query")
        except ApiError as error:
            return ExecutionResult(None, [GraphQLError(error.message, original_error=error)])
        started = subscribe(
            endpoint.schema,
            document.ast,
            context_value=context,
            variable_values=operation_.variables,
            operation_name=operation_.operation_name,
            executor_class=endpoint.executor_class,
            hide_suggestions=self.settings.is_production,
        )
        return await started if isawaitable(started) else started

    def failure(self, error: Exception, context: SocketContext) -> list[dict[str, Any]]:
        """A failed stream's errors, coded (our ApiError) or masked (anything else), as over HTTP."""
        wrapped = error if isinstance(error, GraphQLError) else GraphQLError(str(error), original_error=error)
        return formatted_errors([wrapped], request_id=context.request_id, response_headers={})

    def payload(self, result: ExecutionResult, context: SocketContext) -> dict[str, Any]:
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = formatted_errors(result.errors, request_id=context.request_id, response_headers={})
        return body


class _Handler(BaseGraphQLTransportWSHandler[SocketContext, None]):
    """Strawberry's protocol handler with our connection_init, our operations and the credential watch."""

    watch: asyncio.Task[None] | None = None

    @property
    def server(self) -> Subscriptions:
        server = self.context.subscriptions
        if server is None:  # set by Subscriptions.__call__
            raise RuntimeError("a WebSocket context without its server")
        return server

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        self.context.connection_params = payload
        try:
            await self.server.admit(self.context, payload)
        except ApiError as error:
            await self.websocket.close(code=FORBIDDEN, reason=_reason(error))
            return
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        self.watch = asyncio.create_task(self._watch_credential())

    async def run_operation(self, operation: Operation[SocketContext, None]) -> None:
        server = self.server
        try:
            opened = await server.open(self.context, operation)
            if isinstance(opened, ExecutionResult):
                await _send(operation, "error", server.payload(opened, self.context).get("errors", []))
                return
            async with contextlib.aclosing(opened) as results:  # type: ignore[type-var]  # graphql-core's iterator closes
                while True:
                    try:
                        result = await anext(results)
                    except StopAsyncIteration:
                        break
                    except Exception as error:  # the source failed (a limit, a refusal): the operation ends with it
                        await _send(operation, "error", server.failure(error, self.context))
                        return
                    await _send(operation, "next", server.payload(result, self.context))
            await _send(operation, "complete", None)
        except asyncio.CancelledError:
            raise  # the client completed it, or the connection ended
        except Exception:
            # The socket went away under the operation: nothing more can be sent on it.
            _log.debug("subscription %s ended", operation.id, exc_info=True)
            self.operations.pop(operation.id, None)

    async def shutdown(self) -> None:
        if self.watch is not None:
            self.watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watch
        await super().shutdown()

    async def _watch_credential(self) -> None:
        """Check the connection's credential again and again; close the connection when it no longer holds."""
        interval = self.server.settings.subscription_recheck_seconds
        admitted = self.context.principal
        while True:
            await asyncio.sleep(interval)
            try:
                principal = await self.server.principal(self.context.connection_params, self.context.request_id)
                if admitted is None or principal.platform_id != admitted.platform_id:
                    raise UserNotAllowed("The credential may no longer act on this platform.")
            except ApiError as error:
                with contextlib.suppress(Exception):
                    await self.websocket.close(code=FORBIDDEN, reason=_reason(error))
                return
            except Exception:
                # The database is away: the check is tried again; the connection stays as it is.
                _log.warning("could not check a WebSocket's credential again", exc_info=True)


class _View(GraphQL[SocketContext, None]):
    graphql_transport_ws_handler_class = _Handler
    settings: Settings | None = None

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        # Strawberry's documented hook for rules its list cannot express (here: any port of a dev origin).
        return self.settings is not None and origin_allowed(self.settings, origin)


async def _send(operation: Operation[SocketContext, None], kind: str, payload: Any) -> None:
    message: dict[str, Any] = {"id": operation.id, "type": kind}
    if payload is not None:
        message["payload"] = payload
    await operation.send_operation_message(cast("Message", message))


def _reason(error: ApiError) -> str:
    """`CODE: message`, cut to what a close frame can carry."""
    reason = f"{error.code}: {error.message}"
    encoded = reason.encode()
    return reason if len(encoded) <= _REASON_BYTES else encoded[: _REASON_BYTES - 3].decode(errors="ignore") + "..."
