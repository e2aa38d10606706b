"""GraphQL errors as the client sees them: every one coded, the unexpected ones masked and logged.

graphql-core wraps what a resolver (or a permission check) raises into a GraphQLError whose
`original_error` is the exception. Here each error of a result becomes its response entry:

- one of our coded errors (`ApiError`, errors.py) keeps its message, and its code, type, field and
  resource go into `extensions` (camelCase), as REST puts them into its body;
- a request error (syntax, validation, a variable that does not coerce, a scalar refusing a literal)
  is the client's to fix: `INVALID_REQUEST`, or `INVALID_FIELD` / `MISSING_FIELD` naming
  `variables.<name>`;
- anything else is a bug or an outage: logged with its traceback and the request id, and answered as
  `INTERNAL_ERROR` with a message that quotes the request id. A lost database connection is an outage,
  not a bug: the same code with a retry hint (`retryable`, `retryAfter`, and a `Retry-After` header).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from graphql import GraphQLError

from invoicegraph.db.outage import RETRY_AFTER_SECONDS, is_database_unavailable
from invoicegraph.errors import ApiError, InternalError

_log = logging.getLogger("invoicegraph.graphql")
_VARIABLE = re.compile(r"^Variable '\$(?P<name>[_A-Za-z][_0-9A-Za-z]*)'")


def api_error_of(error: GraphQLError) -> ApiError | None:
    original = error.original_error
    # A GraphQLError may wrap another GraphQLError that wraps the ApiError.
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original if isinstance(original, ApiError) else None


def is_request_error(errors: Sequence[GraphQLError]) -> bool:
    """Errors raised before execution (no field path): the response has no `data` entry."""
    return bool(errors) and all(error.path is None for error in errors)


def formatted_errors(errors: Sequence[GraphQLError], *, request_id: str, response_headers: dict[str, str]) -> list[dict[str, Any]]:
    """The `errors` entries of a response (see the module text)."""
    return [_formatted(error, request_id, response_headers) for error in errors]


def _formatted(error: GraphQLError, request_id: str, response_headers: dict[str, str]) -> dict[str, Any]:
    api_error = api_error_of(error)
    if api_error is not None:
        if isinstance(api_error, InternalError):
            _log.error("coded internal error (request %s): %s", request_id, api_error.message, exc_info=api_error)
        response_headers.update(api_error.headers)  # Retry-After of a retryable error
        return _entry(error, api_error.message, {**(error.extensions or {}), **api_error.to_extensions()})
    original = error.original_error
    if original is None or isinstance(original, GraphQLError) or (error.path is None and isinstance(original, ValueError | TypeError)):
        return _entry(error, error.message, _request_error_extensions(error))
    return _masked(error, original, request_id, response_headers)


def _request_error_extensions(error: GraphQLError) -> dict[str, Any]:
    code, field = "INVALID_REQUEST", None
    variable = _VARIABLE.match(error.message)
    if variable is not None:
        field = f"variables.{variable.group('name')}"
        code = "MISSING_FIELD" if error.message.endswith(("was not provided.", "to be provided.")) else "INVALID_FIELD"
    return {**(error.extensions or {}), "code": code, "type": "INVALID_REQUEST", "field": field, "resourceId": None, "resourceType": None}


def _masked(error: GraphQLError, original: BaseException, request_id: str, response_headers: dict[str, str]) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": "INTERNAL_ERROR", "type": "API_ERROR", "field": None, "resourceId": None, "resourceType": None}
    extensions["requestId"] = request_id
    if is_database_unavailable(original):
        message = "The database is unavailable; retry shortly."
        extensions.update(retryable=True, retryAfter=RETRY_AFTER_SECONDS)
        response_headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        _log.warning("database unavailable (request %s): %r", request_id, original)
    else:
        message = "Internal error."
        _log.error("unexpected error masked as INTERNAL_ERROR (request %s) at %s", request_id, error.path, exc_info=original)
    return _entry(error, f"{message} Quote request id {request_id} to support.", extensions)


def _entry(error: GraphQLError, message: str, extensions: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"message": message}
    if error.locations:
        entry["locations"] = [{"line": location.line, "column": location.column} for location in error.locations]
    if error.path is not None:
        entry["path"] = error.path
    entry["extensions"] = extensions
    return entry
