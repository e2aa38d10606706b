"""CORS: which browser origins may call the API (`INVOICEGRAPH_CORS_ALLOW_ORIGINS`).

Unset, the environment decides: development allows the local dev servers (`http://localhost:<any
port>` and `http://127.0.0.1:<any port>`: Vite, Next.js, webpack), so a frontend on its own port
works against `make run` without a setting; production allows no origin at all (no middleware, no
`Access-Control-*` header ever, so browsers on other origins cannot read responses). Set, it is the
whole list, in either environment (`[]` turns CORS off in development too); an entry may name any port
with `:*` (`http://localhost:*`). Credentials travel in headers only (never cookies), so the
middleware never allows credentials, and a wildcard origin is refused: name each origin.
"""

from __future__ import annotations

import re

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from invoicegraph.settings import Settings

ALLOWED_METHODS = ("GET", "POST")
ALLOWED_HEADERS = ("content-type", "accept", "x-api-key", "authorization", "x-platform-id", "x-request-id", "idempotency-key")
EXPOSED_HEADERS = ("x-request-id", "retry-after", "idempotent-replayed")
PREFLIGHT_MAX_AGE_SECONDS = 600
# What development allows when the setting is unset: the loopback dev servers, on any port.
DEVELOPMENT_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")


class InvalidCorsSetting(ValueError):
    pass


def allowed_origins(settings: Settings) -> list[str]:
    """The origins in force: the setting's, or the environment's default when it is unset."""
    configured = settings.cors_allow_origins
    if configured is None:
        return [] if settings.is_production else list(DEVELOPMENT_ORIGINS)
    return [origin.strip().rstrip("/") for origin in configured if origin.strip()]


def _origin_pattern(origins: list[str]) -> str | None:
    """One regular expression for the entries with any port (`scheme://host:*`); None when there are none."""
    any_port = [origin[: -len(":*")] for origin in origins if origin.endswith(":*")]
    if not any_port:
        return None
    return "^(?:" + "|".join(re.escape(origin) for origin in any_port) + r")(?::\d{1,5})?$"


def origin_allowed(settings: Settings, origin: str) -> bool:
    """Whether a page on `origin` may call the API (a WebSocket handshake asks it too, graphql/subscriptions.py)."""
    origins = allowed_origins(settings)
    pattern = _origin_pattern(origins)
    return origin.rstrip("/") in origins or (pattern is not None and re.fullmatch(pattern, origin.rstrip("/")) is not None)


def cors_middleware(settings: Settings) -> list[Middleware]:
    """The CORS middleware for the origins in force, or nothing when there are none."""
    origins = allowed_origins(settings)
    if not origins:
        return []
    if any("*" in origin and not origin.endswith(":*") for origin in origins) or any(origin.count("*") > 1 for origin in origins):
        raise InvalidCorsSetting("INVOICEGRAPH_CORS_ALLOW_ORIGINS must list origins explicitly; '*' is refused (only a port may be ':*').")
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=[origin for origin in origins if not origin.endswith(":*")],
            allow_origin_regex=_origin_pattern(origins),
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE_SECONDS,
        )
    ]
