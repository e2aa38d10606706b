"""The GraphQL endpoint: Strawberry's ASGI view with our context, JSON codec and IDE page."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from invoicegraph.auth.middleware import RequestAuth
from invoicegraph.context import RequestContext
from invoicegraph.db.engine import Database
from invoicegraph.db.loaders import Loaders
from invoicegraph.http.graphiql import graphiql_page
from invoicegraph.settings import Settings


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

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        auth: RequestAuth = request.scope["state"]["auth"]
        principal = auth.principal
        return RequestContext(
            request=request,  # type: ignore[arg-type]
            response=response,  # type: ignore[arg-type]
            settings=self.settings,
            database=self.database,
            principal=principal,
            auth_error=None,
            loaders=Loaders(self.database, principal.platform_id if principal else None),
            request_id=auth.request_id,
        )

    def decode_json(self, data: str | bytes) -> object:
        # orjson: fast, and it never turns a number into Decimal-looking text; Decimal inputs must
        # be strings anyway (the scalar refuses numbers).
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Strawberry's page loads GraphiQL from a public CDN; ours serves its own copy.
        return HTMLResponse(graphiql_page())
