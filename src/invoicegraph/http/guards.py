"""The shape of a GraphQL HTTP request, refused with coded errors before Strawberry sees it.

- `POST /graphql` takes `Content-Type: application/json` only (no form or multipart bodies: a browser
  can send those cross-site without a CORS preflight, the classic CSRF shape) → else 415
  `UNSUPPORTED_MEDIA_TYPE`;
- one operation per request: a JSON array body (array batching, a way around rate limits and alias
  limits) → 400 `INVALID_REQUEST`;
- `GET /graphql` serves queries only: a mutation → 405 `INVALID_REQUEST` with `Allow: POST` (GET must
  stay safe; GraphQL over HTTP says 405).

Strawberry refuses the same requests, but with a plain-text body and no code; these answers carry the
GraphQL error shape of every other refusal. Runs inside the body-size limit, so a body read here is
already bounded.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicegraph.errors import ApiError, LimitExceeded, UnsupportedMediaType
from invoicegraph.http.request_errors import get_mutation, refusal

JSON_MEDIA_TYPES = frozenset({"application/json"})


class GraphQLRequestGuard:
    def __init__(self, app: ASGIApp, *, path: str = "/graphql", max_tokens: int = 3000) -> None:
        self.app = app
        self.path = path
        self.max_tokens = max_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "GET":
            if self._is_get_mutation(scope):
                await _refuse(scope, send, get_mutation())
                return
            await self.app(scope, receive, send)
            return
        if method != "POST":
            await self.app(scope, receive, send)
            return
        media_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
        if media_type not in JSON_MEDIA_TYPES:
            refused: ApiError = UnsupportedMediaType(
                "A GraphQL POST must be JSON (Content-Type: application/json); form and multipart bodies are refused.", field="Content-Type"
            )
            await _refuse(scope, send, refused)
            return
        messages, body = await _read_body(receive)
        if body.lstrip()[:1] == b"[":
            batch = LimitExceeded("Batching is off: send one GraphQL operation per request, not a JSON array.", field="body")
            await _refuse(scope, send, batch)
            return
        await self.app(scope, _replay(messages, receive), send)

    def _is_get_mutation(self, scope: Scope) -> bool:
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        query = (params.get("query") or [""])[0]
        if "mutation" not in query:
            return False
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError:
            return False  # Strawberry answers the syntax error
        wanted = (params.get("operationName") or [None])[0]
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [o for o in operations if wanted is None or (o.name is not None and o.name.value == wanted)]
        # Ambiguous (several operations, no name): refuse if any of them is a mutation.
        return any(o.operation == OperationType.MUTATION for o in chosen)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _refuse(scope: Scope, send: Send, error: ApiError) -> None:
    status, headers, body = refusal(error, Headers(scope=scope).get("accept"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
