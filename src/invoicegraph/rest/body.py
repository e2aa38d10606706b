"""Reading a write route's JSON object body, and sending a rendered (or replayed) response."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from invoicegraph import strict_json
from invoicegraph.errors import InvalidField, UnsupportedMediaType, reflected
from invoicegraph.services.idempotency import REPLAYED_HEADER, RawResponse


async def object_body(request: Request, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The body as a JSON object whose keys are among `allowed`; an empty body is `{}`."""
    raw = await request.body()
    if not raw.strip():
        return {}
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("The request body must be JSON (Content-Type: application/json).", field="Content-Type")
    try:
        body = strict_json.loads(raw)
    except strict_json.MalformedJSON as error:
        raise InvalidField(str(error), field="body") from None
    if not isinstance(body, dict):
        raise InvalidField("The request body must be a JSON object.", field="body")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        taken = " and ".join(f"`{name}`" for name in allowed) if len(allowed) <= 2 else ", ".join(f"`{name}`" for name in allowed)
        raise InvalidField(f"Unknown field {reflected(unknown[0])}; the body takes {taken}.", field=unknown[0])
    return body


def sent(response: RawResponse, *, replayed: bool) -> Response:
    """A response as rendered (or as stored, for a replay: the same bytes, status and media type)."""
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    return Response(response.body, status_code=response.status, media_type=response.media_type, headers=headers)
