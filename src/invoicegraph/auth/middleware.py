"""Starlette (pure ASGI) middleware: request id, credential and platform → a typed Principal.

Runs once per request before any route. It never reads the body. Outcomes:
- no credential: anonymous (`principal` None); REST routes refuse, GraphQL serves only `__typename`
  and, in development, introspection;
- a credential that is refused (unknown, inactive, expired, bad signature, both headers): 401 on
  every route, before the route runs;
- a platform that cannot be chosen: `MISSING_FIELD` (400) or `USER_NOT_ALLOWED` (403).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import orjson
from sqlalchemy import select
from sqlmodel import col
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicegraph.auth.api_keys import verify_api_key
from invoicegraph.auth.principal import CredentialKind, Principal
from invoicegraph.auth.tokens import TokenVerifier
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import Platform
from invoicegraph.errors import ApiError, MissingField, Unauthorised, UserNotAllowed

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^reqr_[A-Za-z0-9_-]{1,64}$")
# Routes that need no credential at all (probes, metrics, the IDE's static assets).
_PUBLIC_PREFIXES = ("/healthz", "/readyz", "/metrics", "/static/")


@dataclass(frozen=True, slots=True)
class RequestAuth:
    request_id: str
    principal: Principal | None


def new_request_id() -> str:
    return "reqr_" + secrets.token_hex(12)


class AuthMiddleware:
    def __init__(self, app: ASGIApp, *, database: Database, tokens: TokenVerifier) -> None:
        self.app = app
        self.database = database
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        incoming = headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else new_request_id()

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        principal: Principal | None = None
        if not scope["path"].startswith(_PUBLIC_PREFIXES):
            try:
                principal = await self._authenticate(headers, request_id)
            except ApiError as error:
                await _refuse(scope, error, send_with_request_id)
                return
        scope.setdefault("state", {})["auth"] = RequestAuth(request_id=request_id, principal=principal)
        await self.app(scope, receive, send_with_request_id)

    async def _authenticate(self, headers: Headers, request_id: str) -> Principal | None:
        api_key = headers.get("x-api-key")
        authorization = headers.get("authorization")
        if api_key is None and authorization is None:
            return None
        if api_key is not None and authorization is not None:
            raise Unauthorised("Send exactly one credential: X-API-KEY or Authorization, not both.")
        kind: CredentialKind
        if api_key is not None:
            key = await verify_api_key(self.database, api_key)
            if key is None:
                raise Unauthorised("The API key is not valid.")
            kind, credential_id, platforms, permissions = "API_KEY", key.id, key.platforms, key.permissions
        else:
            scheme, _, token = (authorization or "").partition(" ")
            verified = self.tokens.verify(token.strip()) if scheme.lower() == "bearer" else None
            if verified is None:
                raise Unauthorised("The bearer token is not valid.")
            kind, credential_id = "JWT", verified.subject
            platforms, permissions = verified.platforms, verified.permissions
        platform_id = await self._choose_platform(headers.get("x-platform-id"), platforms, check_exists=kind == "JWT")
        return Principal(
            credential_id=credential_id,
            credential_kind=kind,
            platform_id=platform_id,
            permissions=permissions,
            request_id=request_id,
        )

    async def _choose_platform(self, requested: str | None, allowed: frozenset[str], *, check_exists: bool) -> str:
        if requested is None or requested == "":
            if len(allowed) != 1:
                raise MissingField("Header x-platform-id is required: the credential may act on several platforms.", field="x-platform-id")
            (platform_id,) = allowed
        elif requested in allowed:
            platform_id = requested
        else:
            # Same answer whether the platform exists or not, so platform ids cannot be probed.
            raise UserNotAllowed("The credential may not act on this platform.", field="x-platform-id")
        # API keys are joined with existing platforms already; a token's claim may name anything.
        if check_exists and not await self._platform_exists(platform_id):
            raise UserNotAllowed("The credential may not act on this platform.", field="x-platform-id")
        return platform_id

    async def _platform_exists(self, platform_id: str) -> bool:
        async with self.database.read() as session:
            found = await session.scalar(select(col(Platform.id)).where(col(Platform.id) == platform_id))
        return found is not None


async def _refuse(scope: Scope, error: ApiError, send: Send) -> None:
    """Answer a refused request: the vendor ApiError on REST, a GraphQL error body on /graphql."""
    if scope["path"].startswith("/graphql"):
        body = orjson.dumps({"errors": [{"message": error.message, "extensions": error.to_extensions()}]})
    else:
        body = orjson.dumps(error.to_rest())
    await send(
        {
            "type": "http.response.start",
            "status": error.http_status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
