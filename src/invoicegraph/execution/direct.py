"""Direct execution: an operation document that already ran cleanly runs again on graphql-core alone.

Strawberry's `Schema.execute` wraps every operation in its extension pipeline: a context manager per
extension and hook (operation, parsing, validation, execution), the parser and validation caches
looked up through them, result conversion and error processing. For an operation whose text already
parsed, validated and executed without errors in this process, none of that can change a clean
outcome: the document is the same object the parser cache would return, validation depends only on
the text (and this process's fixed schema, limits and rules), and our extensions act on anonymous
requests, errors, Idempotency-Keys, a mutation's routing (done here too), or record facts that this
module records itself. So such an operation is executed by graphql-core's `execute` with the same
arguments Strawberry passes (executor class, so the compiled plans apply; context; variables;
operation name).

Anything unusual goes the normal way: a subscription, an anonymous request, a document not seen
before, a mutation sent with an Idempotency-Key (replays and claims are the pipeline's), a
tracing-enabled schema (spans come from the pipeline). A result with errors is not thrown away: it is
left on the context (`premade_result`) and the pipeline runs with it as its own result
(`_remembering`'s hook sets it before graphql-core would execute), so errors are processed, logged,
masked and counted exactly as always, and nothing executes twice: a mutation's effects happen once.

In `verify` plan mode (the test suite) every clean direct query result is also produced by the
pipeline and the two encoded responses must be byte-identical (`DirectOperations.check`). A mutation
cannot be run twice to compare; tests/integration/test_direct_mutations.py compares a mutation's
direct answer with the pipeline's on the same data instead.
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
from invoicegraph.services.idempotency import HEADER as IDEMPOTENCY_HEADER

if TYPE_CHECKING:
    from graphql import DocumentNode
    from strawberry.federation import Schema
    from strawberry.http import GraphQLRequestData

    from invoicegraph.context import RequestContext

# Operation documents kept per process (bounded like the parser and validation caches).
KNOWN_OPERATIONS = 1024

_log = logging.getLogger("invoicegraph.execution")


@dataclass(frozen=True)
class _Known:
    document: DocumentNode
    operation_name: str | None  # as Strawberry reports it (the operation's own name when none was sent)
    operation_type: OperationType


class DirectOperations:
    """The operation documents this process has executed cleanly, and their direct execution."""

    def __init__(self, schema: Schema, *, enabled: bool, verify: bool) -> None:
        self.schema = schema
        self.verify = verify
        # Tracing spans (observability/tracing.py) come from the extension pipeline.
        self.enabled = enabled and not any(getattr(extension, "traces_operations", False) for extension in schema.extensions)
        self._known: OrderedDict[tuple[str, str | None], _Known] = OrderedDict()

    def remember(
        self, query: str, requested_name: str | None, document: DocumentNode, operation_name: str | None, operation_type: OperationType
    ) -> None:
        key = (query, requested_name)
        self._known[key] = _Known(document, operation_name, operation_type)
        self._known.move_to_end(key)
        if len(self._known) > KNOWN_OPERATIONS:
            self._known.popitem(last=False)

    def extension(self) -> type[SchemaExtension]:
        """The schema extension that remembers clean operations and hands the pipeline premade results."""
        return _remembering(self)

    def knows(self, request: GraphQLRequestData) -> bool:
        """Whether `execute` would run this request's document directly (a principal aside)."""
        query = request.query
        return self.enabled and isinstance(query, str) and _well_formed(request) and (query, request.operation_name) in self._known

    def comparable(self, request: GraphQLRequestData) -> bool:
        """`verify` mode: whether a direct result of this request is compared with the pipeline's (queries only)."""
        known = self._known.get((request.query, request.operation_name)) if isinstance(request.query, str) else None
        return self.verify and known is not None and known.operation_type == OperationType.QUERY

    async def execute(self, request: GraphQLRequestData, context: RequestContext, *, mutations: bool) -> ExecutionResult | None:
        """The result of a known operation, or None: the caller runs the pipeline (with `premade_result`, if set).

        `mutations`: whether the request may run one (a POST). A GET carrying a known mutation (by its
        persisted-query hash, say) goes to the pipeline, which refuses it as for any GET mutation.
        """
        query = request.query
        if not self.enabled or context.principal is None or context.executed_directly:
            return None
        if not isinstance(query, str) or not _well_formed(request):
            return None  # malformed parameters get the pipeline's own refusals
        known = self._known.get((query, request.operation_name))
        if known is None:
            return None
        if known.operation_type == OperationType.MUTATION:
            if not mutations or context.request.headers.get(IDEMPOTENCY_HEADER) is not None:
                return None  # replay, claim and storage of the key are the pipeline's (http/graphql_view.py)
            context.database.use_primary()  # as MutationsUsePrimary does
        context.executed_directly = True
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
            PLAN_STATS.direct[(known.operation_type.value, "errors")] += 1
            context.premade_result = result  # the pipeline reports it as its own (see the module text)
            return None
        PLAN_STATS.direct[(known.operation_type.value, "clean")] += 1
        facts = current_facts()
        if facts is not None:
            facts.operation_name = known.operation_name
            facts.operation_type = known.operation_type.value
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


_REMEMBERED = {StrawberryOperationType.QUERY: OperationType.QUERY, StrawberryOperationType.MUTATION: OperationType.MUTATION}


def _remembering(registry: DirectOperations) -> type[SchemaExtension]:
    class RememberOperations(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            execution = self.execution_context
            premade = getattr(execution.context, "premade_result", None)
            if premade is not None:
                # Direct execution ran the operation and met errors: its result is the pipeline's, which
                # then processes its errors (Strawberry executes only when no result is set yet).
                execution.context.premade_result = None
                execution.result = premade
                yield
                return
            yield
            result = execution.result
            document = execution.graphql_document
            requested = getattr(execution, "_provided_operation_name", None)  # the name the request sent
            operation_type = _REMEMBERED.get(execution.operation_type)
            if (
                registry.enabled
                and document is not None
                and isinstance(execution.query, str)
                and operation_type is not None
                and result is not None
                and not getattr(result, "errors", None)
                and getattr(execution.context, "principal", None) is not None
                and _single_operation(document, requested)
            ):
                registry.remember(execution.query, requested, document, execution.operation_name, operation_type)

    return RememberOperations


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
