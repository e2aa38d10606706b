"""Starlette (pure ASGI) middleware: request id, credential and platform → a typed Principal.

Runs once per request before any route. It never reads the body. Outcomes:
- no credential: anonymous (`principal` None); REST routes refuse, GraphQL serves only `__typename`
  and, in development, introspection;
- a credential that is refused (unknown, inactive, expired, bad signature, both headers, one header
  sent twice, or in production a demo key, whatever its status): 401 on every route, before the route runs; the probes and metrics need no credential,
  but one that is sent is checked there too (docs/api.md: "401, on every route");
- a platform that cannot be chosen: `MISSING_FIELD` (400), `USER_NOT_ALLOWED` (403), or
  `INVALID_FIELD` (400) when `x-platform-id` is sent twice (probes and metrics choose no platform).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from invoicegraph.auth.api_keys import verify_api_key
from invoicegraph.auth.credential_cache import CredentialCache
from invoicegraph.auth.keys import is_demo_key
from invoicegraph.auth.principal import CREDENTIAL_ID_MAX_LENGTH, CredentialKind, Principal, api_key_identity, token_identity
from invoicegraph.auth.tokens import TokenVerifier
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import Platform
from invoicegraph.errors import ApiError, InvalidField, MissingField, Unauthorised, UserNotAllowed
from invoicegraph.ids import REQUEST_ID_HEADER, request_id_of
from invoicegraph.middleware.refusal import send_refusal

# Routes that need no credential at all (probes, metrics, the IDE's static assets).
_PUBLIC_PREFIXES = ("/healthz", "/readyz", "/metrics", "/static/")


@dataclass(frozen=True, slots=True)
class RequestAuth:
    request_id: str
    principal: Principal | None


@dataclass(frozen=True, slots=True)
class _Credential:
    kind: CredentialKind
    id: str
    platforms: frozenset[str]
    permissions: frozenset[str]


class AuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Database,
        tokens: TokenVerifier,
        refuse_demo_keys: bool = False,
        credential_cache_seconds: float = 0,
    ) -> None:
        self.app = app
        self.authenticator = Authenticator(
            database, tokens, keys=CredentialCache(credential_cache_seconds), refuse_demo_keys=refuse_demo_keys
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        # The access log settled the id (middleware/access_log.py): a valid one is adopted as it is.
        request_id = request_id_of(headers.get(REQUEST_ID_HEADER))
        public = scope["path"].startswith(_PUBLIC_PREFIXES)
        try:
            principal = await self.authenticator.authenticate(headers, request_id, choose_platform=not public)
        except ApiError as error:
            await send_refusal(scope, send, error)
            return
        scope.setdefault("state", {})["auth"] = RequestAuth(request_id=request_id, principal=principal)
        await self.app(scope, receive, send)


class Authenticator:
    """The credential check: headers → a Principal, None (no credential), or the coded refusal.

    The HTTP middleware runs it on every request's headers; a GraphQL WebSocket runs it on the
    `connection_init` payload, read as headers (graphql/subscriptions.py), and again while it is open.
    """

    def __init__(self, database: Database, tokens: TokenVerifier, *, keys: CredentialCache, refuse_demo_keys: bool = False) -> None:
        self.database = database
        self.tokens = tokens
        self.keys = keys
        # Production: the startup check refuses an active demo key, but one imported or re-activated
        # later must not work either, so every request (and socket) is checked too.
        self.refuse_demo_keys = refuse_demo_keys

    async def authenticate(self, headers: Headers, request_id: str, *, choose_platform: bool = True) -> Principal | None:
        credential = await self._verify(headers)
        if credential is None or not choose_platform:
            return None
        requested = headers.getlist("x-platform-id")
        if len(requested) > 1:
            raise InvalidField("Send one x-platform-id header.", field="x-platform-id")
        platform_id = await self._choose_platform(
            requested[0] if requested else None, credential.platforms, check_exists=credential.kind == "JWT"
        )
        return Principal(
            credential_id=credential.id,
            credential_kind=credential.kind,
            platform_id=platform_id,
            permissions=credential.permissions,
            request_id=request_id,
        )

    async def _verify(self, headers: Headers) -> _Credential | None:
        """The request's one credential, verified; None when it sends none."""
        api_keys, authorizations = headers.getlist("x-api-key"), headers.getlist("authorization")
        if not api_keys and not authorizations:
            return None
        if len(api_keys) + len(authorizations) > 1:
            # Two credentials (or one header twice) would leave it to us which one counts.
            raise Unauthorised("Send exactly one credential: one X-API-KEY or one Authorization header.")
        if api_keys:
            if self.refuse_demo_keys and is_demo_key(api_keys[0]):
                raise Unauthorised("The API key is not valid.")  # the same answer as an unknown key
            key = await verify_api_key(self.database, api_keys[0], cache=self.keys)
            if key is None:
                raise Unauthorised("The API key is not valid.")
            return _Credential("API_KEY", api_key_identity(key.id), key.platforms, key.permissions)
        scheme, _, token = authorizations[0].partition(" ")
        verified = await self.tokens.verify_request(token.strip()) if scheme.lower() == "bearer" else None
        if verified is None:
            raise Unauthorised("The bearer token is not valid.")
        identity = token_identity(verified.issuer, verified.subject)
        if len(identity) > CREDENTIAL_ID_MAX_LENGTH:
            # It could not be stored with an idempotency or audit record (a database error, later).
            raise Unauthorised(f"The bearer token's issuer and subject are too long: at most {CREDENTIAL_ID_MAX_LENGTH - 5} characters.")
        return _Credential("JWT", identity, verified.platforms, verified.permissions)

    async def _choose_platform(self, requested: str | None, allowed: frozenset[str], *, check_exists: bool) -> str:
        if requested is None or requested == "":
            if not allowed:
                raise UserNotAllowed("The credential may not act on any platform.", field="x-platform-id")
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
