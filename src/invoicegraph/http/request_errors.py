"""Malformed GraphQL HTTP requests answered as coded GraphQL errors, never as plain text.

Strawberry refuses what it cannot run (a body that is not JSON, no `query`, a `variables` that is not
an object, an operationName the document does not have, a mutation over GET through a persisted
query hash…) with an `HTTPException` that its ASGI app turns into a `text/plain` body. GraphQL over
HTTP wants a GraphQL response there (`{"errors": [...]}` without `data`), and api.md wants every error
coded: here each refusal becomes the `ApiError` that names its field, in the media type the client
prefers (`application/graphql-response+json` when its Accept header asks for it, else JSON), with
the HTTP status Strawberry chose (405 and `Allow: POST` for a mutation over GET, as the request guard
answers one sent in full).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from invoicegraph.errors import ApiError, InvalidField, MethodNotAllowed, MissingField, ResourceNotFound, UnsupportedMediaType
from invoicegraph.http.media_types import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, prefers_graphql_response_json

# Strawberry's reasons (strawberry/http/async_base_view.py) for refusals that carry no other cause.
_BY_REASON: dict[str, ApiError] = {
    "The GraphQL operation's `query` must be a string or null, if provided.": InvalidField(
        "`query` must be a string (the GraphQL document).", field="query"
    ),
    "The GraphQL operation's `variables` must be an object or null, if provided.": InvalidField(
        "`variables` must be a JSON object.", field="variables"
    ),
    "The GraphQL operation's `extensions` must be an object or null, if provided.": InvalidField(
        "`extensions` must be a JSON object.", field="extensions"
    ),
    "Unsupported content type": UnsupportedMediaType("A GraphQL POST must be JSON (Content-Type: application/json).", field="Content-Type"),
    "GraphQL only supports GET and POST requests.": MethodNotAllowed(
        "GraphQL is served over GET and POST only.", headers={"Allow": "GET, POST"}
    ),
    "Not Found": ResourceNotFound("The GraphQL IDE is not served here; send a query."),
}


def refusal(error: ApiError, accept: str | None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """(status, headers, body) of a request refused before execution: one coded error, no `data`."""
    body = orjson.dumps({"errors": [{"message": error.message, "extensions": error.to_extensions()}]})
    media_type = GRAPHQL_RESPONSE_JSON if prefers_graphql_response_json(accept) else APPLICATION_JSON
    headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in error.headers.items()]
    return error.http_status, headers, body


def get_mutation() -> MethodNotAllowed:
    """GET must stay safe: a mutation over GET is 405 with `Allow: POST` (GraphQL over HTTP)."""
    return MethodNotAllowed("Mutations are not allowed over GET; send them with POST.", field="query", headers={"Allow": "POST"})


def http_exception_response(request: Request, exception: HTTPException) -> Response:
    """Strawberry's refusal as a coded GraphQL error response."""
    error = coded(request, exception)
    status, headers, body = refusal(error, request.headers.get("accept"))
    response = Response(body, status_code=status)
    for name, value in headers:
        if name != b"content-length":
            response.headers[name.decode()] = value.decode()
    return response


def coded(request: Request, exception: HTTPException) -> ApiError:
    cause = exception.__cause__
    if isinstance(cause, InvalidOperationTypeError):
        if request.method == "GET":
            return get_mutation()
        return InvalidField("This operation type is not served over HTTP.", field="query")
    if isinstance(cause, CannotGetOperationTypeError):
        return InvalidField("The document has no operation of the name given in operationName.", field="operationName")
    if isinstance(cause, MissingQueryError):
        return MissingField("No GraphQL document: send `query`, or a persisted query's hash in `extensions`.", field="query")
    if isinstance(cause, json.JSONDecodeError):
        if request.method == "GET":
            return InvalidField("A query parameter is not valid JSON.", field=_bad_json_parameter(request))
        return InvalidField("The request body is not valid JSON.", field="body")
    known = _BY_REASON.get(exception.reason)
    if known is not None:
        return type(known)(known.message, field=known.field, headers=known.headers)
    return InvalidField("The request is not a GraphQL request this server can run.")


def _bad_json_parameter(request: Request) -> str | None:
    for name in ("variables", "extensions"):
        value = request.query_params.get(name)
        if value is not None:
            try:
                json.loads(value)
            except ValueError:
                return name
    return None


_VARIABLE = re.compile(r"^Variable '\$(?P<name>[_A-Za-z][_0-9A-Za-z]*)'")


def code_request_errors(errors: list[Any]) -> None:
    """Give graphql-core's request errors (syntax, validation, variable values) a code, in place.

    Our own refusals are coded already. A variable's value that does not coerce is bad input
    (`INVALID_FIELD`, or `MISSING_FIELD` when a required one is absent) naming `variables.<name>`; a
    document that does not parse or validate is `INVALID_REQUEST`.
    """
    for error in errors:
        if not isinstance(error, dict):
            continue
        extensions = error.get("extensions")
        if isinstance(extensions, dict) and "code" in extensions:
            continue
        message = str(error.get("message", ""))
        variable = _VARIABLE.match(message)
        code, field = "INVALID_REQUEST", None
        if variable is not None:
            field = f"variables.{variable.group('name')}"
            missing = message.endswith(("was not provided.", "to be provided."))
            code = "MISSING_FIELD" if missing else "INVALID_FIELD"
        error["extensions"] = {
            **(extensions if isinstance(extensions, dict) else {}),
            "code": code,
            "type": "INVALID_REQUEST",
            "field": field,
            "resourceId": None,
            "resourceType": None,
        }
