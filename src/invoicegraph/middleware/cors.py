"""CORS: an explicit allow-list of origins (`INVOICEGRAPH_CORS_ALLOW_ORIGINS`), empty by default.

Empty means no CORS middleware at all: no `Access-Control-*` header is ever sent, so browsers on other
origins cannot read responses. Credentials travel in headers only (never cookies), so the middleware
never allows credentials, and a wildcard origin is refused: name each origin.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from invoicegraph.settings import Settings

ALLOWED_METHODS = ("GET", "POST")
ALLOWED_HEADERS = ("content-type", "accept", "x-api-key", "authorization", "x-platform-id", "x-request-id", "idempotency-key")
EXPOSED_HEADERS = ("x-request-id", "retry-after", "idempotent-replayed")
PREFLIGHT_MAX_AGE_SECONDS = 600


class InvalidCorsSetting(ValueError):
    pass


def cors_middleware(settings: Settings) -> list[Middleware]:
    """The CORS middleware for the configured origins, or nothing when there are none."""
    origins = [origin.strip().rstrip("/") for origin in settings.cors_allow_origins if origin.strip()]
    if not origins:
        return []
    if "*" in origins:
        raise InvalidCorsSetting("INVOICEGRAPH_CORS_ALLOW_ORIGINS must list origins explicitly; '*' is refused.")
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=list(ALLOWED_METHODS),
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE_SECONDS,
        )
    ]
