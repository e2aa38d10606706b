"""Compiled completion plans: a root field's selection is resolved once, then values are completed fast.

graphql-core completes every field of every object through one generic path: look the field up,
build a `GraphQLResolveInfo`, call Strawberry's wrapper around our dict getter, check for an
awaitable, create a `Path`, complete by type. For the full Invoice graph that is ~400 fields per
request and most of its CPU time. A plan does the type dispatch once per document: every field of
the merged selection gets its getter, its completion (leaf coercion, list, object, non-null check)
and its child plan as closures, so completing a value is a few dict reads and scalar coercions.

What a plan does exactly as graphql-core does: field collection (it calls the executor's own
`collect_subfields`, so fragments, `@skip`/`@include`, merging and response order are the same),
leaf coercion (`coerce_output_value` of the same types), `__typename`, and resolvers (called with the
same `info`, path and arguments). Where it would have to produce an error, it does not try: it raises
`GiveUp` and the caller completes the value again with graphql-core (`context.py`). That covers a
resolver that raises, null in a non-null position, a list value that is not a list, a coercion that
fails. Abstract types, `@defer`/`@stream`, fragment variables and introspection are not planned at all.

This module compiles the plans (`Compiler`); what they are made of and how they run is `completers.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import GraphQLLeafType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLOutputType
from graphql.execution.values import get_argument_values
from graphql.type.introspection import TypeNameMetaFieldDef

from invoicegraph.execution.completers import (
    Completer,
    FieldPlan,
    ObjectCompleter,
    finishing,
    leaf,
    list_of,
    non_null,
    object_looped,
    object_unrolled,
)
from invoicegraph.execution.loads import PageLoad, has_variable, page_plan, plan_load, prefetches
from invoicegraph.library_internals import is_default_resolver

if TYPE_CHECKING:
    from graphql import GraphQLField
    from graphql.execution import Executor as ExecutionContext
    from graphql.execution.collect_fields import FieldDetails


class Compiler:
    """Builds completers for one executor's schema, fragments and (directive) variable values."""

    def __init__(self, context: ExecutionContext[Any], *, unrolled: bool = False) -> None:
        """`unrolled`: objects completed by generated code (fast, but ~6x dearer to build: hot documents)."""
        self.context = context
        self.object = object_unrolled if unrolled else object_looped

    def completer(self, return_type: GraphQLOutputType, details: list[FieldDetails]) -> tuple[Completer, bool] | None:
        """(completer, needs_path) for values of `return_type` selected by `details`; None if not plannable."""
        if isinstance(return_type, GraphQLNonNull):
            inner = self.completer(return_type.of_type, details)
            return None if inner is None else (non_null(inner[0]), inner[1])
        if isinstance(return_type, GraphQLList):
            inner = self.completer(return_type.of_type, details)
            return None if inner is None else (list_of(inner[0], inner[1]), inner[1])
        if isinstance(return_type, GraphQLLeafType):
            return leaf(return_type.coerce_output_value), False
        if isinstance(return_type, GraphQLObjectType) and not return_type.is_type_of:
            return self._object(return_type, details)
        return None  # abstract types, and object types that check their values

    def _object(self, type_: GraphQLObjectType, details: list[FieldDetails]) -> tuple[Completer, bool] | None:
        grouped, defer_usages, *_ = self.context.collect_subfields(type_, details)
        if defer_usages:
            return None
        fields: list[FieldPlan] = []
        for key, field_details in grouped.items():
            planned = self._field(type_, key, list(field_details))
            if planned is None:
                return None
            fields.append(planned)
        return ObjectCompleter(self.object(type_.name, tuple(fields)), tuple(fields)), any(f.needs_path for f in fields)

    def _field(self, parent: GraphQLObjectType, key: str, details: list[FieldDetails]) -> FieldPlan | None:
        node = details[0].node
        name = node.name.value
        if any(d.fragment_variable_values is not None or d.defer_usage is not None for d in details):
            return None
        if name == "__typename":
            return FieldPlan(key, parent, None, name, None, TypeNameMetaFieldDef, details, leaf(str), False, parent.name)
        definition = parent.fields.get(name)
        if definition is None:
            return None
        inner = self.completer(definition.type, details)
        if inner is None:
            return None
        complete, below = inner
        strawberry_field = (definition.extensions or {}).get("strawberry-definition")
        if is_default_resolver(definition.resolve) and strawberry_field is not None:
            # Strawberry's basic-field wrapper calls `default_resolver(source, python_name)` and nothing else.
            getter = strawberry_field.default_resolver
            return FieldPlan(key, parent, getter, strawberry_field.python_name, None, definition, details, complete, below)
        if definition.resolve is None:
            return None
        loads = plan_load(strawberry_field, definition) or self._page_load(strawberry_field, definition, details)
        if loads is None:
            return FieldPlan(key, parent, None, name, definition.resolve, definition, details, complete, True)
        prefetch = prefetches(complete) if callable(getattr(loads, "keys", None)) else ()
        return FieldPlan(
            key,
            parent,
            None,
            name,
            definition.resolve,
            definition,
            details,
            finishing(complete, loads),
            True,
            loads=loads,
            prefetch=prefetch,
        )

    def _page_load(self, strawberry_field: Any, definition: GraphQLField, details: list[FieldDetails]) -> PageLoad | None:
        """The field's `PlanPage` load, prepared with the document's literal arguments; None otherwise."""
        page = page_plan(strawberry_field)
        if page is None:
            return None
        node = details[0].node
        if any(has_variable(argument.value) for argument in node.arguments or ()):
            return None  # the value would be the request's: not the plan's to fix
        try:
            arguments = get_argument_values(definition, node, self.context.variable_values)
        except Exception:  # graphql-core reports it when it calls the resolver
            return None
        return page.prepare(arguments, lambda path: self._selected(definition.type, details, path))

    def _selected(self, return_type: GraphQLOutputType, details: list[FieldDetails], path: tuple[str, ...]) -> frozenset[str] | None:
        """Names of the fields selected at `path` below a field (fragments and directives applied)."""
        for name in (*path, None):
            named = return_type
            while isinstance(named, (GraphQLNonNull, GraphQLList)):
                named = named.of_type
            if not isinstance(named, GraphQLObjectType):
                return None
            grouped, *_ = self.context.collect_subfields(named, details)
            if name is None:
                return frozenset(d.node.name.value for group in grouped.values() for d in group)
            details = [d for group in grouped.values() for d in group if d.node.name.value == name]
            definition = named.fields.get(name)
            if not details or definition is None:
                return None
            return_type = definition.type
        return None
