"""How many fields an operation's response can hold, counted before it runs (`INVOICEGRAPH_MAX_COMPLEXITY`).

Depth, aliases and tokens bound a document's size, not its answer's: connections nest, so
`invoices(first: 100) { edges { node { customer { invoices(first: 100) { … customer { invoices(first:
100) … } } } } } }` is 11 levels and a few dozen tokens, yet asks for a million invoices. Each field
counts 1, times the items its list can hold when the client chooses that number: a connection's
`first` or `last` (25 when both are absent; the page size limit when it is a variable, as the count is
made once per document text, before variables are known), `_entities`' representations and
`nodes`' ids (their number, or the limit when a variable). Fields typed by an interface (`node`)
are measured through the interface's fields and any fragment on a type that implements it. Lists whose length is the data's (periods, lines, coupons) count
as one: a client cannot grow them, and depth bounds their nesting.

Fragments are measured once per (fragment, type) and multiplied by their spreads, as rules.py counts
aliases, so a fragment bomb costs linear time to measure.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# A connection's page size when neither `first` nor `last` is given (resolvers/paging.py).
DEFAULT_PAGE_SIZE = 25
# Above this the count stops growing: the answer is "too many" anyway, and big integers stay small.
_CEILING = 10**12


class Complexity:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], *, page_size: int, entities: int) -> None:
        self.schema = schema
        self.fragments = fragments
        self.page_size = page_size
        self.entities = entities
        self._memo: dict[tuple[str, str], int] = {}

    def of_operation(self, operation: OperationDefinitionNode) -> int:
        return self._selections(self.schema.get_root_type(operation.operation), operation.selection_set)

    def _selections(self, type_: GraphQLObjectType | GraphQLInterfaceType | None, selection_set: SelectionSetNode | None) -> int:
        if type_ is None or selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(type_, selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition is not None else type_
                total += self._selections(
                    inner if isinstance(inner, (GraphQLObjectType, GraphQLInterfaceType)) else type_, selection.selection_set
                )
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(type_, selection.name.value)
        return min(total, _CEILING)

    def _fragment(self, type_: GraphQLObjectType | GraphQLInterfaceType, name: str) -> int:
        key = (name, type_.name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = 0  # a cycle counts as nothing (validation reports it)
        fragment = self.fragments.get(name)
        inner = self.schema.get_type(fragment.type_condition.name.value) if fragment is not None else None
        cost = 0
        if fragment is not None:
            cost = self._selections(
                inner if isinstance(inner, (GraphQLObjectType, GraphQLInterfaceType)) else type_, fragment.selection_set
            )
        self._memo[key] = cost
        return cost

    def _field(self, parent: GraphQLObjectType | GraphQLInterfaceType, node: FieldNode) -> int:
        field = parent.fields.get(node.name.value)
        if field is None:
            return 1  # unknown or introspection (`__typename`, `__schema`…): validation has its own say
        below = self._selections(_named(field.type), node.selection_set)
        return min(self._items(field, node) * (1 + below), _CEILING)

    def _items(self, field: GraphQLField, node: FieldNode) -> int:
        """How many items the client makes this field hold (1 when the data decides)."""
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        if "first" in field.args:
            sizes = [given[name] for name in ("first", "last") if name in given and name in field.args]
            if not sizes:
                default = field.args["first"].default_value
                return default if isinstance(default, int) else DEFAULT_PAGE_SIZE
            return max(max(int(value.value), 0) if isinstance(value, IntValueNode) else self.page_size for value in sizes)
        if "representations" in field.args:
            value = given.get("representations")
            return len(value.values) if isinstance(value, ListValueNode) else self.entities
        if "ids" in field.args:
            value = given.get("ids")
            return len(value.values) if isinstance(value, ListValueNode) else self.page_size
        return 1


def _named(type_: GraphQLOutputType) -> GraphQLObjectType | GraphQLInterfaceType | None:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_ if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)) else None
