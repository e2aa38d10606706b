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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, is_iterable
from graphql.type.introspection import TypeNameMetaFieldDef

from invoicegraph.execution.loads import PageLoad, PlanLoad, has_variable, page_plan, plan_load, prefetches
from invoicegraph.execution.unrolled import object_completer
from invoicegraph.library_internals import is_default_resolver

if TYPE_CHECKING:
    from graphql import GraphQLField
    from graphql.execution import Executor as ExecutionContext
    from graphql.execution.collect_fields import FieldDetails


class GiveUp(Exception):
    """The plan met something only graphql-core's error handling can answer."""


# A completer: (value, response path or None when nothing below needs one, run) -> completed value.
Completer = Callable[[Any, "Path | None", "Run"], Any]


@dataclass
class Run:
    """One completion of one root value: the executor, its pending awaitables, argument values."""

    context: ExecutionContext[Any]
    pending: list[tuple[Awaitable[Any], Callable[[Any], None]]] = field(default_factory=list)
    arguments: dict[int, dict[str, Any]] = field(default_factory=dict)

    async def drain(self) -> None:
        """Await pending resolver results level by level; completing them may queue more.

        All awaitables of one level are started together, so every loader key of that level is
        queued before any batch is dispatched (as graphql-core's concurrent field execution does).
        """
        while self.pending:
            batch, self.pending = self.pending, []
            values = await asyncio.gather(*[awaitable for awaitable, _ in batch], return_exceptions=True)
            for (_, then), value in zip(batch, values, strict=True):
                if isinstance(value, BaseException):
                    raise GiveUp from value
                then(value)

    def discard(self) -> None:
        """After giving up: leave no coroutine unawaited and no failed future unobserved."""
        for awaitable, _ in self.pending:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            elif isinstance(awaitable, asyncio.Future):
                awaitable.add_done_callback(_observe)
        self.pending = []


def _observe(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


@dataclass(frozen=True)
class _Field:
    key: str  # response name
    parent: GraphQLObjectType
    getter: Callable[[Any, str], Any] | None  # the default resolver, for fields without a resolver
    python_name: str
    resolve: Callable[..., Any] | None  # Strawberry's resolver wrapper, for fields with a resolver
    definition: GraphQLField | None
    details: list[FieldDetails]
    complete: Completer
    needs_path: bool  # a resolver runs at or below this field (its info carries the path)
    constant: str | None = None  # __typename
    loads: PlanLoad | None = None  # a loader field the plan runs itself (see `PlanLoad`)
    prefetch: tuple[PageLoad, ...] = ()  # loads of the loaded records' own fields, started with this one

    @property
    def return_type(self) -> GraphQLOutputType | None:
        return None if self.definition is None else self.definition.type


class Compiler:
    """Builds completers for one executor's schema, fragments and (directive) variable values."""

    def __init__(self, context: ExecutionContext[Any], *, unrolled: bool = False) -> None:
        """`unrolled`: objects completed by generated code (fast, but ~6x dearer to build: hot documents)."""
        self.context = context
        self.object = _object_unrolled if unrolled else _object_looped

    def completer(self, return_type: GraphQLOutputType, details: list[FieldDetails]) -> tuple[Completer, bool] | None:
        """(completer, needs_path) for values of `return_type` selected by `details`; None if not plannable."""
        if isinstance(return_type, GraphQLNonNull):
            inner = self.completer(return_type.of_type, details)
            return None if inner is None else (_non_null(inner[0]), inner[1])
        if isinstance(return_type, GraphQLList):
            inner = self.completer(return_type.of_type, details)
            return None if inner is None else (_list(inner[0], inner[1]), inner[1])
        if isinstance(return_type, GraphQLLeafType):
            return _leaf(return_type.coerce_output_value), False
        if isinstance(return_type, GraphQLObjectType) and not return_type.is_type_of:
            return self._object(return_type, details)
        return None  # abstract types, and object types that check their values

    def _object(self, type_: GraphQLObjectType, details: list[FieldDetails]) -> tuple[Completer, bool] | None:
        grouped, defer_usages, *_ = self.context.collect_subfields(type_, details)
        if defer_usages:
            return None
        fields: list[_Field] = []
        for key, field_details in grouped.items():
            planned = self._field(type_, key, list(field_details))
            if planned is None:
                return None
            fields.append(planned)
        return ObjectCompleter(self.object(type_.name, tuple(fields)), tuple(fields)), any(f.needs_path for f in fields)

    def _field(self, parent: GraphQLObjectType, key: str, details: list[FieldDetails]) -> _Field | None:
        node = details[0].node
        name = node.name.value
        if any(d.fragment_variable_values is not None or d.defer_usage is not None for d in details):
            return None
        if name == "__typename":
            return _Field(key, parent, None, name, None, TypeNameMetaFieldDef, details, _leaf(str), False, parent.name)
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
            return _Field(key, parent, getter, strawberry_field.python_name, None, definition, details, complete, below)
        if definition.resolve is None:
            return None
        loads = plan_load(strawberry_field, definition) or self._page_load(strawberry_field, definition, details)
        if loads is None:
            return _Field(key, parent, None, name, definition.resolve, definition, details, complete, True)
        prefetch = prefetches(complete) if callable(getattr(loads, "keys", None)) else ()
        return _Field(
            key,
            parent,
            None,
            name,
            definition.resolve,
            definition,
            details,
            _finishing(complete, loads),
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


def _finishing(complete: Completer, loads: PlanLoad) -> Completer:
    finish = loads.finish

    def finished(value: Any, path: Path | None, run: Run) -> Any:
        try:
            finished_value = finish(value, run.context.context_value)
        except Exception as error:
            raise GiveUp from error
        return complete(finished_value, path, run)

    return finished


def _start_load(planned: _Field, source: Any, run: Run) -> Any:
    loads = planned.loads
    if loads is None:
        raise GiveUp
    context = run.context.context_value
    try:
        started = loads.start(source, context)
        if planned.prefetch:
            for key in loads.keys(source):  # type: ignore[attr-defined]  # a load with prefetches has keys
                for page in planned.prefetch:
                    page.prefetch(key, context)
    except Exception as error:
        raise GiveUp from error
    return started


def _leaf(coerce: Callable[[Any], Any]) -> Completer:
    def complete(value: Any, path: Path | None, run: Run) -> Any:
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception):
            raise GiveUp
        try:
            coerced = coerce(value)
        except Exception as error:
            raise GiveUp from error
        if coerced is None or coerced is Undefined:
            raise GiveUp
        return coerced

    return complete


class NonNullCompleter:
    """Completes a non-null value: the item's completion, refusing null (graphql-core reports it)."""

    __slots__ = ("inner",)

    def __init__(self, inner: Completer) -> None:
        self.inner = inner  # generated object code inlines the check (unrolled.py)

    def __call__(self, value: Any, path: Path | None, run: Run) -> Any:
        completed = self.inner(value, path, run)
        if completed is None:
            raise GiveUp
        return completed


def _non_null(inner: Completer) -> Completer:
    return NonNullCompleter(inner)


class ListCompleter:
    """Completes a list value item by item; awaitable items complete when they resolve."""

    __slots__ = ("item", "needs_path")

    def __init__(self, item: Completer, needs_path: bool) -> None:
        self.item = item
        self.needs_path = needs_path

    def __call__(self, value: Any, path: Path | None, run: Run) -> Any:
        if value is None or value is Undefined:
            return None
        if type(value) is not list and (isinstance(value, Exception) or not is_iterable(value) or run.context.is_async_iterable(value)):
            raise GiveUp  # (a list is iterable and not async-iterable: its checks are skipped)
        is_awaitable = run.context.is_awaitable
        item, needs_path = self.item, self.needs_path
        completed: list[Any] = []
        for index, element in enumerate(value):
            item_path = Path(path, index, None) if needs_path else None
            if is_awaitable(element):
                completed.append(None)
                run.pending.append((element, _Later(completed, index, item, item_path, run)))
            else:
                completed.append(item(element, item_path, run))
        return completed


def _list(item: Completer, needs_path: bool) -> Completer:
    return ListCompleter(item, needs_path)


class ObjectCompleter:
    """Completes an object value with the completer built for its selection; knows its fields."""

    __slots__ = ("complete", "fields")

    def __init__(self, complete: Completer, fields: tuple[_Field, ...]) -> None:
        self.complete = complete
        self.fields = fields  # read by `prefetches` (loads.py)

    def __call__(self, value: Any, path: Path | None, run: Run) -> Any:
        return self.complete(value, path, run)


def _object_unrolled(typename: str, fields: tuple[_Field, ...]) -> Completer:
    # Generated straight-line code (unrolled.py); the helpers are the names its source refers to.
    helpers = {
        "GiveUp": GiveUp,
        "Undefined": Undefined,
        "Path": Path,
        "_Later": _Later,
        "_call_resolver": _call_resolver,
        "_start_load": _start_load,
    }
    return object_completer(typename, fields, helpers)


def _object_looped(typename: str, fields: tuple[_Field, ...]) -> Completer:
    # One generic loop over the fields: cheap to build, for documents seen once or twice.
    def complete(value: Any, path: Path | None, run: Run) -> Any:
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception):
            raise GiveUp
        context = run.context
        is_awaitable = context.is_awaitable
        completed: dict[str, Any] = {}
        for planned in fields:
            key = planned.key
            getter = planned.getter
            if getter is not None:
                result = getter(value, planned.python_name)
                if is_awaitable(result):
                    raise GiveUp  # a plain field never returns one; graphql-core would await it
                child_path = Path(path, key, typename) if planned.needs_path else None
                completed[key] = planned.complete(result, child_path, run)
            elif planned.constant is not None:
                completed[key] = planned.constant
            else:
                child_path = Path(path, key, typename)
                result = _start_load(planned, value, run) if planned.loads is not None else _call_resolver(planned, value, child_path, run)
                if is_awaitable(result):
                    completed[key] = None
                    run.pending.append((result, _Later(completed, key, planned.complete, child_path, run)))
                else:
                    completed[key] = planned.complete(result, child_path, run)
        return completed

    return complete


def _call_resolver(planned: _Field, source: Any, path: Path, run: Run) -> Any:
    context = run.context
    definition = planned.definition
    resolve = planned.resolve
    if definition is None or resolve is None:  # not a resolver field: never planned this way
        raise GiveUp
    nodes = [d.node for d in planned.details]
    info = context.build_resolve_info(definition, nodes, planned.parent, path)
    arguments = run.arguments.get(id(planned))
    try:
        if arguments is None:
            node = planned.details[0].node
            arguments = get_argument_values(definition, node, context.variable_values) if definition.args or node.arguments else {}
            run.arguments[id(planned)] = arguments
        return resolve(source, info, **arguments)
    except Exception as error:
        raise GiveUp from error


class _Later:
    """Completes an awaited value into its place in the parent dict or list."""

    __slots__ = ("complete", "container", "key", "path", "run")

    def __init__(self, container: Any, key: Any, complete: Completer, path: Path | None, run: Run) -> None:
        self.container = container
        self.key = key
        self.complete = complete
        self.path = path
        self.run = run

    def __call__(self, value: Any) -> None:
        self.container[self.key] = self.complete(value, self.path, self.run)
