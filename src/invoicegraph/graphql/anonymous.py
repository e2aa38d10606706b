"""Anonymous GraphQL requests may only ask for `__typename` (and, when enabled, introspection).

GraphQL-over-HTTP tooling and IDEs connect before a key is set, so an anonymous request is not
refused at the door; instead every data field answers `UNAUTHORISED` (docs/api.md): the
operation executes, `__typename` answers, and each root field's own permission check (schema/
permissions.py; `_entities` checks in its resolver, schema/build.py) refuses it with its path, before
any resolver reads anything. Federation's `_service` and `_entities` are data fields like any other
(clients may reach the subgraph directly).

This gate is the safety net behind those checks: a root field that has no permission check (none
today; a test walks the schema) is refused for anonymous requests before execution (graphql/endpoint.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import FragmentDefinitionNode
from strawberry.permission import PermissionExtension

from invoicegraph.errors import Unauthorised

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
# Root fields whose resolver checks the credential first thing (schema/build.py `entities_resolver`).
_CHECKED_IN_RESOLVER = frozenset({"_entities"})


def checks_credential(root: GraphQLObjectType | None, name: str) -> bool:
    """Whether the root field `name` refuses a request without a credential itself, before resolving."""
    if name in _CHECKED_IN_RESOLVER:
        return True
    field = root.fields.get(name) if root is not None else None
    definition = (field.extensions or {}).get("strawberry-definition") if field is not None else None
    return definition is not None and any(isinstance(extension, PermissionExtension) for extension in definition.extensions)


def anonymous_refusal(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode], schema: GraphQLSchema, *, introspection: bool
) -> Unauthorised | None:
    """For a request without a credential: the refusal when the operation asks for a root field that
    does not check the credential itself (none today), else None (the fields answer for themselves)."""
    allowed = {"__typename"} | (_INTROSPECTION_ROOTS if introspection else set())
    root = schema.get_root_type(operation.operation)
    if any(name not in allowed and not checks_credential(root, name) for name in _root_fields(operation.selection_set, fragments, set())):
        return Unauthorised("A credential is required: send X-API-KEY or Authorization: Bearer.")
    return None


def _root_fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                seen.add(name)
                yield from _root_fields(fragments[name].selection_set, fragments, seen)
