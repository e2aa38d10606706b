"""The Strawberry extensions of the service: caches, limits, the anonymous gate, error masking.

Passed as classes or factories, never instances: a shared instance would carry one request's state
into another's (Strawberry ≥ 0.341 warns about it).

Order matters: parse (cache, token limit) → `LimitedValidation` (our limits first, then graphql-core's
rules, cached) → `AnonymousGate` → `MaskUnexpectedErrors` (outermost on the operation, so it sees every
error last).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from graphql import ASTValidationRule, GraphQLError, MaxIntrospectionDepthRule
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document

from invoicegraph.errors import ApiError
from invoicegraph.http.anonymous_gate import AnonymousGate
from invoicegraph.http.faults import RETRY_AFTER_SECONDS, is_database_unavailable
from invoicegraph.http.rules import Limits, check_limits, operation_choice_errors, recode_parse_error
from invoicegraph.settings import Settings

# Documents seen by one process; bounded so that a flood of distinct queries cannot grow memory.
DOCUMENT_CACHE_SIZE = 1024

_log = logging.getLogger("invoicegraph.graphql")


def should_mask(error: GraphQLError) -> bool:
    """Mask only the unexpected: our coded errors, validation and syntax errors keep their codes.

    A request error (no `path`: the document or its variables were refused before execution) that
    wraps a ValueError or TypeError is a scalar refusing a literal or a variable (`DateTime: '…' is
    not a valid date-time`): a validation error written for the client, not an incident.
    """
    original = error.original_error
    if original is None or isinstance(original, (GraphQLError, ApiError)):
        return False
    return not (error.path is None and isinstance(original, (ValueError, TypeError)))


class MaskUnexpectedErrors(MaskErrors):
    """MaskErrors that keeps the vendor shape: a masked error still says `INTERNAL_ERROR`.

    The traceback was already logged by the schema's error processing; this adds one line that ties
    it to the request id the client sees. A lost database connection is not a bug but an outage:
    the client gets the same code with a retry hint (`retryable`, `retryAfter`, and a `Retry-After`
    header), as REST answers 503.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message="Internal error.")

    def _process_result(self, result: object) -> None:
        # Most results have no errors; the base class first checks the result against a runtime
        # Protocol (slow isinstance), which then finds nothing to mask.
        if getattr(result, "errors", None):
            super()._process_result(result)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        extensions: dict[str, Any] = {
            "code": "INTERNAL_ERROR",
            "type": "API_ERROR",
            "field": None,
            "resourceId": None,
            "resourceType": None,
        }
        if request_id:
            extensions["requestId"] = request_id
        if is_database_unavailable(error.original_error):
            message = "The database is unavailable; retry shortly."
            extensions.update(retryable=True, retryAfter=RETRY_AFTER_SECONDS)
            response = getattr(context, "response", None)
            if response is not None:
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            _log.warning("database unavailable (request %s): %r", request_id, error.original_error)
        else:
            message = "Internal error."
            _log.error("unexpected error masked as INTERNAL_ERROR (request %s): %r", request_id, error.original_error)
        return GraphQLError(
            message=f"{message} Quote request id {request_id} to support." if request_id else message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )


class CodedParserCache(ParserCache):
    """ParserCache whose syntax error for too many tokens carries our code (`rules.recode_parse_error`)."""

    def on_parse(self) -> Iterator[None]:
        try:
            yield from super().on_parse()
        except GraphQLError as error:
            recode_parse_error(error)
            raise


_ValidationKey = tuple[object, Limits, str, tuple[type[ASTValidationRule], ...]]
_validated: OrderedDict[_ValidationKey, list[GraphQLError]] = OrderedDict()


class LimitedValidation(SchemaExtension):
    """Our document limits first (one coded error each), then graphql-core's validation; both cached.

    Replaces Strawberry's ValidationCache, QueryDepthLimiter and MaxAliasesLimiter (see `rules.py`).
    Keyed by the schema, the limits, the query text and the rules in force (DisableIntrospection adds
    one in production). graphql-core's recommended `MaxIntrospectionDepthRule` runs with the specified
    rules: our depth limit does not count introspection fields (GraphiQL's own introspection query is
    deeper than any data query needs), and that rule refuses the nested `fields { type { fields … } }`
    introspection that grows exponentially with its depth.

    A document with several operations and no operationName is refused here (`operation_choice_errors`):
    Strawberry would otherwise pick the first operation, where GraphQL requires an error.
    """

    def __init__(self, limits: Limits, *, cache: bool = True) -> None:
        self.limits = limits
        self.cache = cache  # off only for the benchmark baseline (settings.naive_execution)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            key: _ValidationKey | None = None
            if isinstance(context.query, str) and self.cache:
                key = (context.schema._schema, self.limits, context.query, tuple(context.validation_rules))
            errors = _validated.get(key) if key is not None else None
            if errors is None:
                errors = check_limits(document, self.limits, context.schema._schema) or validate_document(
                    context.schema._schema, document, (*context.validation_rules, MaxIntrospectionDepthRule)
                )
                for error in errors:
                    recode_parse_error(error)
                if key is not None:
                    _validated[key] = errors
                    if len(_validated) > DOCUMENT_CACHE_SIZE:
                        _validated.popitem(last=False)
            elif key is not None:
                _validated.move_to_end(key)
            # Per request, not cached: the choice depends on the operationName sent with the text.
            context.pre_execution_errors = errors or operation_choice_errors(document, getattr(context, "_provided_operation_name", None))
        yield


def build_extensions(settings: Settings) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    limits = Limits.from_settings(settings)
    extensions: list[Any] = [
        lambda: CodedParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if not settings.introspection_enabled:
        # Adds graphql-core's NoSchemaIntrospectionCustomRule to the rules LimitedValidation runs.
        extensions.append(DisableIntrospection)
    extensions += [lambda: LimitedValidation(limits, cache=not settings.naive_execution), AnonymousGate, MaskUnexpectedErrors]
    if settings.naive_execution:
        # Benchmark baseline only (`make bench`): every request is parsed again (no parser cache).
        extensions.pop(0)
    return extensions
