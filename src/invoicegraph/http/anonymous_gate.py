"""Anonymous GraphQL requests may only ask for `__typename` (and, when enabled, introspection).

GraphQL-over-HTTP tooling and IDEs connect before a key is set, so an anonymous request is not
refused at the door; instead every data field answers `UNAUTHORISED` (api.md "Authentication"): the
operation executes, `__typename` answers, and each root field's own permission check (schema/
permissions.py; `_entities` checks in its resolver, schema/build.py) refuses it with its path, before
any resolver reads anything. Federation's `_service` and `_entities` are data fields like any other
(clients may reach the subgraph directly).

This gate is the safety net behind those checks: a root field that has no permission check (none
today; a test walks the schema) is refused for anonymous requests before execution.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import FragmentDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.permission import PermissionExtension

from invoicegraph.context import RequestContext
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


class AnonymousGate(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        # Before the yield: Strawberry checks `pre_execution_errors` inside the validation step,
        # before the code after an extension's yield runs. Listed after ValidationCache, so an
        # invalid document keeps its validation errors.
        self._check()
        yield

    def _check(self) -> None:
        context = self.execution_context.context
        if not isinstance(context, RequestContext) or context.principal is not None:
            return
        document = self.execution_context.graphql_document
        if document is None or self.execution_context.pre_execution_errors:
            return
        allowed = {"__typename"} | (_INTROSPECTION_ROOTS if context.settings.introspection_enabled else set())
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        schema = self.execution_context.schema._schema
        refused = sorted(
            {
                name
                for definition in document.definitions
                if isinstance(definition, OperationDefinitionNode)
                for name in _root_fields(definition.selection_set, fragments, set())
                if name not in allowed and not checks_credential(schema.get_root_type(definition.operation), name)
            }
        )
        if refused:
            error = Unauthorised("A credential is required: send X-API-KEY or Authorization: Bearer.")
            self.execution_context.pre_execution_errors = [
                GraphQLError(error.message, original_error=error, extensions=error.to_extensions())
            ]


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
