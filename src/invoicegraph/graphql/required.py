"""The permissions an operation needs: every permission check on the fields it selects, read statically.

An idempotent replay answers the stored response without executing anything, so the field checks that
would have refused the caller never run. The endpoint therefore replays only to a caller that holds
what the operation's fields check (graphql/endpoint.py): the permission the original request needed
to get that answer. A caller without it executes as if it had sent no key, and is refused where the
field is.

The walk is conservative: a field under `@skip`/`@include` counts whatever the variables say, and a
fragment on a type counts whichever type the value turns out to be.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.permission import PermissionExtension

from invoicegraph.auth.principal import Principal

# One check: the permissions of which any one grants (empty: any valid credential).
Check = frozenset[str]


def required_checks(
    schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> frozenset[Check]:
    """Every permission check on a field the operation selects, at any depth."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return frozenset()
    return frozenset(_checks(schema, root, operation.selection_set, fragments, set()))


def permits(principal: Principal, checks: frozenset[Check]) -> bool:
    return all(not check or not principal.permissions.isdisjoint(check) for check in checks)


def _checks(
    schema: GraphQLSchema,
    parent: GraphQLNamedType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[tuple[str, str]],
) -> Iterator[Check]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            fields = parent.fields if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)) else {}
            field = fields.get(selection.name.value)
            if field is None:
                continue  # __typename and introspection: no check
            definition = (field.extensions or {}).get("strawberry-definition")
            for extension in getattr(definition, "extensions", ()):
                if isinstance(extension, PermissionExtension):
                    for permission in extension.permissions:
                        yield frozenset(getattr(permission, "permissions", ()))
            if selection.selection_set is not None:
                yield from _checks(schema, get_named_type(field.type), selection.selection_set, fragments, seen)
        elif isinstance(selection, InlineFragmentNode):
            condition = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            yield from _checks(schema, condition or parent, selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            # Each fragment is walked once per parent type: a fragment spread many times adds nothing new.
            if fragment is None or (fragment.name.value, parent.name) in seen:
                continue
            seen.add((fragment.name.value, parent.name))
            condition = schema.get_type(fragment.type_condition.name.value)
            yield from _checks(schema, condition or parent, fragment.selection_set, fragments, seen)
