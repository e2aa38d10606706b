"""Rendering the vendor's ApiError on REST routes."""

from __future__ import annotations

from starlette.responses import Response

from invoicegraph.errors import ApiError
from invoicegraph.rest.json import JSONBody


def error_response(error: ApiError) -> Response:
    return JSONBody(error.to_rest(), status_code=error.http_status, headers=error.headers)
