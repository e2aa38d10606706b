"""One renderer for "refuse this request": the vendor's ApiError on REST, a GraphQL error body on /graphql.

Middleware refuses requests before any route runs (a bad credential, a body too large, a database
outage); the GraphQL endpoint refuses malformed GraphQL requests. All of them answer here, so a client
reads every refusal the same way: REST gets the vendor's `ApiError` body; GraphQL gets
`{"errors": [{"message", "extensions": {"code", …}}]}` without `data`, in the media type its Accept
header prefers (GraphQL over HTTP defines `application/json` and `application/graphql-response+json`).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.types import Scope, Send

from invoicegraph.errors import ApiError

GRAPHQL_PATH = "/graphql"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
_EXACT = 2  # specificity of a media range naming the type (vs 1 for `type/*`, 0 for `*/*`)


def prefers_graphql_response_json(accept: str | None) -> bool:
    """True when the Accept header ranks application/graphql-response+json at least as high as JSON.

    No Accept header, `*/*` or `application/*` alone mean application/json (the spec's legacy
    default, which every existing client expects). An explicit graphql-response+json wins a tie
    with an explicit application/json, as the spec recommends to servers that support both.
    """
    if not accept:
        return False
    ranked = _media_ranges(accept)
    ours = _quality(ranked, GRAPHQL_RESPONSE_JSON)
    theirs = _quality(ranked, APPLICATION_JSON)
    if ours[1] < _EXACT or ours[0] <= 0:
        return False  # only when named: a wildcard alone means application/json
    # Compare (quality, specificity): on equal quality the more specific range wins, then ours.
    return ours >= theirs


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())  # float-ok: an HTTP Accept q-value
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def _quality(ranges: list[tuple[str, float]], media_type: str) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching `media_type`; (0, 0) when none does."""
    main = media_type.split("/", 1)[0]
    best: tuple[int, float] | None = None
    for media, quality in ranges:
        specificity = _EXACT if media == media_type else 1 if media == f"{main}/*" else 0 if media == "*/*" else -1
        if specificity >= 0 and (best is None or specificity > best[0]):
            best = (specificity, quality)
    if best is None:
        return (0.0, 0)
    return (best[1], best[0])


def refusal(
    error: ApiError, *, graphql: bool, accept: str | None = None, extensions: dict[str, Any] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """(status, headers, body) of a refused request; `extensions` adds to a GraphQL error's extensions."""
    if graphql:
        body = orjson.dumps({"errors": [{"message": error.message, "extensions": {**error.to_extensions(), **(extensions or {})}}]})
        media_type = GRAPHQL_RESPONSE_JSON if prefers_graphql_response_json(accept) else APPLICATION_JSON
    else:
        body = orjson.dumps(error.to_rest())
        media_type = APPLICATION_JSON
    headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in error.headers.items()]
    return error.http_status, headers, body


def is_graphql(scope: Scope) -> bool:
    return bool(scope["path"] == GRAPHQL_PATH or scope["path"].startswith(GRAPHQL_PATH + "/"))


async def send_refusal(scope: Scope, send: Send, error: ApiError, *, extensions: dict[str, Any] | None = None) -> None:
    """Answer a refused request from ASGI middleware, in the shape of the route it was meant for."""
    status, headers, body = refusal(error, graphql=is_graphql(scope), accept=Headers(scope=scope).get("accept"), extensions=extensions)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
