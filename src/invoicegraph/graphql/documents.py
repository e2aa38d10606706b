"""Operation documents: parsed, held to our limits and validated once per text, then picked per request.

A document's text is parsed (with graphql-core's token limit), measured against our limits
(graphql/limits.py: depth, aliases, directives, repeated fields, complexity, mutations per operation;
one coded error each) and, when within them, validated with graphql-core's rules, the rule that
bounds nested introspection, Strawberry's input rules, and, in production, the rule that refuses
introspection. The outcome (the syntax tree, or the request errors) is kept for the text, bounded
least-recently-used, so a document that comes back costs one dict lookup.

Per request, `operation` picks the operation to run: the one named by `operationName`, or the only one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    MaxIntrospectionDepthRule,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    parse,
    specified_rules,
    validate,
)
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from invoicegraph.errors import InvalidField, MissingField
from invoicegraph.graphql.complexity import Complexity
from invoicegraph.graphql.limits import Limits, check_limits, recode_parse_error

# Documents one process keeps; bounded so that a flood of distinct queries cannot grow memory.
CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class Document:
    """A document text as this process judged it: its syntax tree, or why it is refused."""

    ast: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    operations: tuple[OperationDefinitionNode, ...] = ()
    # Each operation's complexity (graphql/complexity.py), what the fairness limits charge (middleware/limits.py).
    costs: tuple[int, ...] = ()

    def cost(self, operation: OperationDefinitionNode) -> int:
        return self.costs[self.operations.index(operation)] if self.costs else 0


class Documents:
    def __init__(
        self, schema: GraphQLSchema, limits: Limits, *, introspection: bool, hide_suggestions: bool, size: int = CACHE_SIZE
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.hide_suggestions = hide_suggestions
        self.size = size
        rules = [*specified_rules, MaxIntrospectionDepthRule, MaybeNullValidationRule, OneOfInputValidationRule]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self._known: OrderedDict[str, Document] = OrderedDict()

    def get(self, text: str) -> Document:
        known = self._known.get(text)
        if known is not None:
            self._known.move_to_end(text)
            return known
        document = self._judge(text)
        self._known[text] = document
        if len(self._known) > self.size:
            self._known.popitem(last=False)
        return document

    def _judge(self, text: str) -> Document:
        try:
            ast = parse(text, max_tokens=self.limits.max_tokens)
        except GraphQLError as error:
            recode_parse_error(error)  # the token limit's syntax error gets our code
            return Document(None, (error,))
        errors = check_limits(ast, self.limits, self.schema) or validate(
            self.schema, ast, self.rules, hide_suggestions=self.hide_suggestions
        )
        for found in errors:
            recode_parse_error(found)  # graphql-core's "validation aborted" gets our code
        operations = tuple(d for d in ast.definitions if isinstance(d, OperationDefinitionNode))
        costs: tuple[int, ...] = ()
        if not errors:
            fragments = {d.name.value: d for d in ast.definitions if isinstance(d, FragmentDefinitionNode)}
            complexity = Complexity(self.schema, fragments, page_size=self.limits.max_page_size, entities=self.limits.max_entities)
            costs = tuple(complexity.of_operation(operation) for operation in operations)
        return Document(ast, tuple(errors), operations, costs)


class AmbiguousOperation(MissingField):
    """Several operations and no operationName: the document is the client's to fix (a request error)."""


def operation(document: Document, operation_name: str | None) -> OperationDefinitionNode:
    """The operation a request runs (GraphQL's "GetOperation"); raises the coded error when there is none.

    An operationName the document does not have is INVALID_FIELD (400: the request names something
    that is not there); several operations without a name is a GraphQL request error.
    """
    if operation_name is None:
        if len(document.operations) == 1:
            return document.operations[0]
        raise AmbiguousOperation("Must provide operationName: the document contains several operations.", field="operationName")
    for candidate in document.operations:
        if candidate.name is not None and candidate.name.value == operation_name:
            return candidate
    raise InvalidField("The document has no operation of the name given in operationName.", field="operationName")
