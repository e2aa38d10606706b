"""Direct execution: a query document that already ran cleanly runs again on graphql-core alone.

Strawberry's `Schema.execute` wraps every operation in its extension pipeline: a context manager per
extension and hook (operation, parsing, validation, execution), the parser and validation caches
looked up through them, result conversion and error processing. For a query whose text already
parsed, validated and executed without errors in this process none of that can change the outcome:
the document is the same object the parser cache would return, validation depends only on the text
(and this process's fixed schema, limits and rules), and our extensions act on mutations (primary
routing, Idempotency-Key), anonymous requests, errors, or record facts that this module records
itself. So such a query is executed by graphql-core's `execute` with the same arguments Strawberry
passes (executor class, so the compiled plans apply; context; variables; operation name), about a
tenth of a full-graph request's CPU less.

Anything unusual goes the normal way: a mutation or subscription, an anonymous request, a document not
seen before, a tracing-enabled schema (spans come from the pipeline), and any result with errors,
which is discarded and executed again by the pipeline so that errors are processed, masked and
reported exactly as always (a query only reads, and through the request's loaders, so running it
twice costs time only).

In `verify` plan mode (the test suite) every direct result is also produced by the pipeline and the
two encoded responses must be byte-identical (`DirectQueries.check`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType, execute
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.http import process_result
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType as StrawberryOperationType
from strawberry.utils.await_maybe import await_maybe

from invoicegraph.execution.context import PLAN_STATS, PlanMismatch
from invoicegraph.observability.facts import OK, current_facts

if TYPE_CHECKING:
    from graphql import DocumentNode
    from strawberry.federation import Schema
    from strawberry.http import GraphQLRequestData

    from invoicegraph.context import RequestContext

# Query documents kept per process (bounded like the parser and validation caches).
KNOWN_QUERIES = 1024

_log = logging.getLogger("invoicegraph.execution")


@dataclass(frozen=True)
class _Known:
    document: DocumentNode
    operation_name: str | None  # as Strawberry reports it (the operation's own name when none was sent)


class DirectQueries:
    """The query documents this process has executed cleanly, and their direct execution."""

    def __init__(self, schema: Schema, *, enabled: bool, verify: bool) -> None:
        self.schema = schema
        self.verify = verify
        # Tracing spans (observability/tracing.py) come from the extension pipeline.
        self.enabled = enabled and not any(getattr(extension, "traces_operations", False) for extension in schema.extensions)
        self._known: OrderedDict[tuple[str, str | None], _Known] = OrderedDict()

    def remember(self, query: str, requested_name: str | None, document: DocumentNode, operation_name: str | None) -> None:
        key = (query, requested_name)
        self._known[key] = _Known(document, operation_name)
        self._known.move_to_end(key)
        if len(self._known) > KNOWN_QUERIES:
            self._known.popitem(last=False)

    def extension(self) -> type[SchemaExtension]:
        """The schema extension that remembers queries that executed without errors."""
        return _remembering(self)

    def knows(self, request: GraphQLRequestData) -> bool:
        """Whether `execute` would run this request's document directly (a principal aside)."""
        query = request.query
        return self.enabled and isinstance(query, str) and _well_formed(request) and (query, request.operation_name) in self._known

    async def execute(self, request: GraphQLRequestData, context: RequestContext) -> ExecutionResult | None:
        """The result of a known query, or None: the caller executes it the normal way."""
        query = request.query
        if not self.enabled or context.principal is None or not isinstance(query, str) or not _well_formed(request):
            return None  # malformed parameters get the pipeline's own refusals
        known = self._known.get((query, request.operation_name))
        if known is None:
            return None
        result = await await_maybe(
            execute(
                self.schema._schema,
                known.document,
                root_value=None,
                context_value=context,
                variable_values=request.variables,
                operation_name=request.operation_name,
                executor_class=self.schema.execution_context_class,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as Strawberry passes it
                operation_extensions=request.extensions,
            )
        )
        if result.errors:
            return None  # the pipeline runs it again and reports its errors as always
        facts = current_facts()
        if facts is not None:
            facts.operation_name = known.operation_name
            facts.operation_type = OperationType.QUERY.value
            facts.outcome = OK
        return ExecutionResult(data=result.data, errors=None)

    def check(self, direct: ExecutionResult, standard: ExecutionResult) -> ExecutionResult:
        """`verify` mode: the pipeline's result, after comparing the direct one with it byte for byte."""
        if orjson.dumps(process_result(direct)) == orjson.dumps(process_result(standard)):
            PLAN_STATS.verified += 1
            return standard
        PLAN_STATS.mismatched += 1
        _log.error("direct execution mismatch: %r != %r", direct.data, standard.data)
        message = "Direct execution mismatch."
        return ExecutionResult(data=None, errors=[GraphQLError(message, original_error=PlanMismatch(message))])


def _remembering(registry: DirectQueries) -> type[SchemaExtension]:
    class RememberQueries(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            yield
            execution = self.execution_context
            result = execution.result
            document = execution.graphql_document
            requested = getattr(execution, "_provided_operation_name", None)  # the name the request sent
            if (
                registry.enabled
                and document is not None
                and isinstance(execution.query, str)
                and execution.operation_type == StrawberryOperationType.QUERY
                and result is not None
                and not getattr(result, "errors", None)
                and getattr(execution.context, "principal", None) is not None
                and _single_operation(document, requested)
            ):
                registry.remember(execution.query, requested, document, execution.operation_name)

    return RememberQueries


def _well_formed(request: GraphQLRequestData) -> bool:
    return (
        (request.operation_name is None or isinstance(request.operation_name, str))
        and (request.variables is None or isinstance(request.variables, dict))
        and (request.extensions is None or isinstance(request.extensions, dict))
    )


def _single_operation(document: DocumentNode, requested: str | None) -> bool:
    """The request names its operation, or the document has only one (what graphql-core then picks)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return requested is not None or len(operations) == 1
