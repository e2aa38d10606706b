"""The Strawberry extensions of the service: caches, limits, the anonymous gate, error masking.

Passed as classes or factories, never instances: a shared instance would carry one request's state
into another's (Strawberry ≥ 0.341 warns about it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from invoicegraph.errors import ApiError
from invoicegraph.http.anonymous_gate import AnonymousGate
from invoicegraph.settings import Settings

# Documents seen by one process; bounded so that a flood of distinct queries cannot grow memory.
DOCUMENT_CACHE_SIZE = 1024


def should_mask(error: GraphQLError) -> bool:
    """Mask only the unexpected: our coded errors, validation and syntax errors keep their codes."""
    original = error.original_error
    return not (original is None or isinstance(original, (GraphQLError, ApiError)))


class MaskUnexpectedErrors(MaskErrors):
    """MaskErrors that keeps the vendor shape: a masked error still says `INTERNAL_ERROR`.

    The details were already logged (with the request id) by the schema's error processing.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        extensions = {"code": "INTERNAL_ERROR", "type": "API_ERROR", "field": None, "resourceId": None, "resourceType": None}
        if request_id:
            extensions["requestId"] = request_id
        return GraphQLError(
            message=f"Internal error. Quote request id {request_id} to support." if request_id else self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )


def build_extensions(settings: Settings) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: QueryDepthLimiter(max_depth=settings.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        AnonymousGate,
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    extensions.append(MaskUnexpectedErrors)
    return extensions
