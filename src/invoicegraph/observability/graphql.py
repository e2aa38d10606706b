"""The Strawberry extension that tells the request's facts what GraphQL knows.

After the operation (and after MaskErrors, which sits inside it in the extension list), it records
the operation's name and type and the outcome: `OK`, or the code of the first error as the client
sees it. Failed `refreshInvoice` fields count as refresh outcomes with their error code; refreshes
that ran are noted by the refresh service itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from invoicegraph.observability.facts import OK, current_facts

REFRESH_FIELD = "refreshInvoice"


def outcome_of(errors: Sequence[GraphQLError] | None) -> str:
    """OK, or the first error's code; an uncoded request error is INVALID_REQUEST, a field error INTERNAL_ERROR."""
    if not errors:
        return OK
    first = errors[0]
    code = (first.extensions or {}).get("code")
    if isinstance(code, str) and code:
        return code
    return "INVALID_REQUEST" if first.path is None else "INTERNAL_ERROR"


class RequestFactsExtension(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        facts = current_facts()
        if facts is None:
            return
        context = self.execution_context
        facts.operation_name = context.operation_name
        operation = self._operation()
        if operation is not None:
            facts.operation_type = operation.operation.value
        errors = context.result.errors if context.result is not None else context.pre_execution_errors
        facts.outcome = outcome_of(errors)
        if operation is not None and operation.operation.value == "mutation":
            facts.refresh_outcomes.extend(_failed_refreshes(operation, errors or []))

    def _operation(self) -> OperationDefinitionNode | None:
        document = self.execution_context.graphql_document
        if document is None:
            return None
        wanted = self.execution_context.operation_name
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and (
                wanted is None or (definition.name and definition.name.value == wanted)
            ):
                return definition
        return None


def _failed_refreshes(operation: OperationDefinitionNode, errors: Sequence[GraphQLError]) -> Iterator[str]:
    keys = {
        (selection.alias or selection.name).value
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode) and selection.name.value == REFRESH_FIELD
    }
    for error in errors:
        # The root field itself failed (a deeper path means the refresh ran and a sub-field failed).
        if error.path is not None and len(error.path) == 1 and error.path[0] in keys:
            yield outcome_of([error])
