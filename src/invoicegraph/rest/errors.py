"""Rendering the vendor's ApiError on REST routes."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from invoicegraph.errors import ApiError, MethodNotAllowed, ResourceNotFound
from invoicegraph.rest.json import JSONBody


def error_response(error: ApiError) -> Response:
    return JSONBody(error.to_rest(), status_code=error.http_status, headers=error.headers)


async def route_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no route) and 405 (wrong method) as coded ApiErrors, like every other refusal.

    A client of a billing API reads every error body the same way; the router's plain-text "Not Found"
    would be the one answer it could not parse. Registered for those two status codes only (app.py).
    Messages name the method, never the path: nothing free-form the caller sent is reflected.
    """
    if isinstance(exc, HTTPException) and exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return error_response(
            MethodNotAllowed(f"This route does not answer {request.method}; it answers {allowed}.", headers={"Allow": allowed})
        )
    return error_response(ResourceNotFound("No route answers this path."))
