"""Coded errors in GraphQL responses: `ApiError.to_extensions()` into `errors[].extensions`.

graphql-core wraps an exception raised in a resolver (or a permission check, or a schema extension)
into a GraphQLError whose `original_error` is the exception; it copies an `extensions` attribute only
if the exception has one, and ApiError does not. `Schema.process_errors` runs before schema extensions
such as MaskErrors see the errors (strawberry/schema/schema.py `_execute_operation`), so the schema's
override (build.py) calls `add_api_error_extensions` there. A MaskErrors predicate must then leave
ApiErrors unmasked (see `is_unexpected_error`), or it drops the extensions again.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import GraphQLError

from invoicegraph.errors import ApiError, InternalError
from invoicegraph.graphql.errors import api_error_of


def add_api_error_extensions(errors: Iterable[GraphQLError]) -> None:
    """Copy code/type/field/resourceId/resourceType of coded errors into their extensions."""
    for error in errors:
        api_error = api_error_of(error)
        if api_error is not None:
            error.extensions = {**(error.extensions or {}), **api_error.to_extensions()}


def should_log(error: GraphQLError) -> bool:
    """Whether an error is worth a log line with traceback: unexpected exceptions and InternalError.

    Request errors (syntax, validation) and coded client errors (not found, not allowed...) are not.
    """
    api_error = api_error_of(error)
    if api_error is not None:
        return isinstance(api_error, InternalError)
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def is_unexpected_error(error: GraphQLError) -> bool:
    """MaskErrors predicate: mask only exceptions that are neither GraphQL errors nor ApiErrors."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return not isinstance(original, ApiError)
