"""What a mutation's answer would refuse, refused before the mutation writes.

`refreshInvoice` commits, then its answer is completed. A selection that the answer refuses (a nested
field that needs a permission the caller lacks, `refreshHistory(first: 101)`) would otherwise turn a
committed refresh into `data: null` and an error: the client reads "nothing happened" although the
invoice changed (schema sketch: refresh failures are top-level errors with null data). So before it
writes, the resolver checks the selection below it for what can be known without data: the
permissions of guarded fields and the range of `first`. Other argument errors of a nested field
(a customer's invoice filter with `to` before `from`) still surface after the write, as field errors.

The walk over the selection is done once per operation text and field (the parser cache keeps the
same syntax tree for the same text): it finds the guarded fields and the `first` arguments; each
request then only checks those. Selections whose `@skip`/`@include` read variables are walked per
request, since which fields run depends on the values.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values
from strawberry.permission import PermissionExtension

from invoicegraph.errors import InvalidField
from invoicegraph.resolvers.paging import checked_first_of
from invoicegraph.resolvers.types import Info

_CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class _Check:
    field: GraphQLField
    node: FieldNode
    path: str  # response keys from the mutation's value, dotted (the error's `field` prefix)
    # The field with its `first` argument alone (None without one): coerced by graphql-core as the
    # whole field's arguments would be, without coercing the others (a page has a dozen).
    first: GraphQLField | None


# (the field node, its checks): the node is kept so that its id is not reused while cached.
_walked: OrderedDict[int, tuple[FieldNode, tuple[_Check, ...]]] = OrderedDict()


def refuse_early(info: Info) -> None:
    """Raise, before any write, the coded error the answer's selection would raise after it."""
    raw = info._raw_info
    variables = _variable_values(raw.variable_values)
    node = raw.field_nodes[0]
    cached = _walked.get(id(node)) if len(raw.field_nodes) == 1 else None
    if cached is not None and cached[0] is node:
        checks = cached[1]
        _walked.move_to_end(id(node))
    else:
        walk = _Walk(raw.fragments, variables)
        walk.selections(_named(raw.return_type), [n.selection_set for n in raw.field_nodes], ())
        checks = tuple(walk.checks)
        if len(raw.field_nodes) == 1 and not walk.variable_directives:
            _walked[id(node)] = (node, checks)
            if len(_walked) > _CACHE_SIZE:
                _walked.popitem(last=False)
    for check in checks:
        definition = (check.field.extensions or {}).get("strawberry-definition")
        for extension in getattr(definition, "extensions", ()):
            if isinstance(extension, PermissionExtension):
                for permission in extension.permissions:
                    permission.has_permission(None, info)  # our permissions raise their coded error
        if check.first is not None:
            arguments = get_argument_values(check.first, check.node, variables)
            try:
                checked_first_of(info.context, arguments.get("first"))
            except InvalidField as error:
                raise InvalidField(error.message, field=f"{check.path}.first") from None


class _Walk:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variable_values: VariableValues) -> None:
        self.fragments = fragments
        self.variable_values = variable_values
        self.checks: list[_Check] = []
        self.variable_directives = False
        self._fragments_seen: set[str] = set()

    def selections(self, type_: GraphQLObjectType | None, selection_sets: list[SelectionSetNode | None], path: tuple[str, ...]) -> None:
        if type_ is None:
            return
        for selection_set in selection_sets:
            for selection in selection_set.selections if selection_set is not None else ():
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    self._field(type_, selection, path)
                elif isinstance(selection, InlineFragmentNode):
                    self.selections(type_, [selection.selection_set], path)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    key = f"{selection.name.value}@{'.'.join(path)}"
                    if fragment is not None and key not in self._fragments_seen:
                        self._fragments_seen.add(key)
                        self.selections(type_, [fragment.selection_set], path)

    def _field(self, type_: GraphQLObjectType, node: FieldNode, path: tuple[str, ...]) -> None:
        name = node.name.value
        field = type_.fields.get(name)
        if field is None or name.startswith("__"):
            return
        here = (*path, (node.alias or node.name).value)
        definition = (field.extensions or {}).get("strawberry-definition")
        guarded = any(isinstance(e, PermissionExtension) for e in getattr(definition, "extensions", ()))
        if guarded or "first" in field.args:
            first = GraphQLField(field.type, args={"first": field.args["first"]}) if "first" in field.args else None
            self.checks.append(_Check(field, node, ".".join(here), first))
        if node.selection_set is not None:
            self.selections(_named(field.type), [node.selection_set], here)

    def _included(self, node: SelectionNode) -> bool:
        for directive in node.directives or ():
            if any(isinstance(argument.value, VariableNode) for argument in directive.arguments or ()):
                self.variable_directives = True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variable_values)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variable_values)
        return not (include is not None and include.get("if") is False)


def _variable_values(values: object) -> VariableValues:
    """graphql-core's container: Strawberry's executor hands resolvers the plain coerced dict instead."""
    if isinstance(values, VariableValues):
        return values
    return VariableValues({}, dict(values) if isinstance(values, dict) else {})


def _named(type_: GraphQLOutputType) -> GraphQLObjectType | None:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_ if isinstance(type_, GraphQLObjectType) else None
