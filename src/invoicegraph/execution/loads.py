"""What a compiled plan may load itself instead of calling a field's resolver (execution/plan.py).

A resolver can describe its load (`PlanLoad`, or `PlanPage` for a field with arguments); the plan then
starts that load directly, without Strawberry's resolver wrapper (argument conversion, `Info`, the
extension chain, a coroutine to step), and may start a loaded record's own pages with the record, in
the same loop tick (`PageLoad.prefetch`), so that their reads join the record's statement. Verify mode
compares every such result with graphql-core's, which calls the resolver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from graphql import ListValueNode, ObjectValueNode, VariableNode
from strawberry.permission import PermissionExtension

if TYPE_CHECKING:
    from graphql import GraphQLField


class PlanLoad(Protocol):
    """What a resolver awaits, described so that the plan can do it without calling the resolver.

    A resolver function may carry one as its `plan_load` attribute (schema/loading.py does for its
    loader fields). `start(parent, context)` returns what the resolver would await (a loader's
    future) or its result when it awaits nothing; `finish(value, context)` turns the awaited value
    into the resolver's result. The plan uses it only for fields without arguments and without field
    extensions, where Strawberry's wrapper adds nothing but the call itself: no argument conversion,
    no `Info`, no coroutine to step. Verify mode compares every such result with graphql-core's,
    which calls the resolver. Either may raise: the plan then gives up (graphql-core calls the
    resolver and reports its error).

    A load of records by id may also say which ids it loads for a parent (`keys(parent)`): fields of
    those records that load by the record's own id (`PageLoad`) are then started with it, in the
    same loop tick, so that their reads join the records' statement instead of costing a level.
    """

    def start(self, parent: Any, context: Any) -> Any: ...

    def finish(self, value: Any, context: Any) -> Any: ...


class PageLoad(PlanLoad, Protocol):
    """A prepared load of a field with arguments, keyed by its parent's id (`PlanPage.prepare`)."""

    def prefetch(self, key: str, context: Any) -> None:
        """Start the load for the parent whose id is `key`, if the request may; its result is cached."""
        ...


class PlanPage(Protocol):
    """A resolver with arguments (a connection, say) whose load the plan can start itself.

    A resolver function may carry one as its `plan_page` attribute. For a document whose arguments
    to the field are literals (no variables), the plan calls `prepare` once with their values
    (graphql-core's, defaults applied) and a function that tells which field names are selected at a
    path below the field (None: not selected); it returns the load, or None to leave the field to its
    resolver. The field's extensions must all be permission checks of `enforces`, which the load makes
    itself (raising when refused, so that the resolver reports it).
    """

    enforces: tuple[type, ...]

    def prepare(self, arguments: dict[str, Any], selected: Callable[[tuple[str, ...]], frozenset[str] | None]) -> PageLoad | None: ...


def plan_load(strawberry_field: Any, definition: GraphQLField) -> PlanLoad | None:
    """The resolver's `PlanLoad`, when nothing but the call itself stands between it and graphql-core."""
    resolver = getattr(strawberry_field, "base_resolver", None)
    loads = getattr(getattr(resolver, "wrapped_func", None), "plan_load", None)
    if loads is None or definition.args or getattr(strawberry_field, "extensions", None):
        return None
    plan_load: PlanLoad = loads
    return plan_load


def page_plan(strawberry_field: Any) -> PlanPage | None:
    """The resolver's `PlanPage`, when the field's only extensions are permission checks it makes itself."""
    resolver = getattr(strawberry_field, "base_resolver", None)
    page: PlanPage | None = getattr(getattr(resolver, "wrapped_func", None), "plan_page", None)
    if page is None or not _only_permissions(getattr(strawberry_field, "extensions", None) or (), page.enforces):
        return None
    return page


def has_variable(value: Any) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(has_variable(item) for item in value.values)
    if isinstance(value, ObjectValueNode):
        return any(has_variable(item.value) for item in value.fields)
    return False


def _only_permissions(extensions: Any, enforced: tuple[type, ...]) -> bool:
    """Every field extension is a permission check the load makes itself."""
    return all(
        isinstance(extension, PermissionExtension) and all(type(permission) in enforced for permission in extension.permissions)
        for extension in extensions
    )


def prefetches(complete: Any) -> tuple[PageLoad, ...]:
    """The page loads of the fields of the object(s) `complete` completes (through non-null and lists)."""
    while not hasattr(complete, "fields"):
        inner = getattr(complete, "inner", None) or getattr(complete, "item", None)
        if inner is None:
            return ()
        complete = inner
    fields: tuple[Any, ...] = complete.fields
    pages: list[PageLoad] = [f.loads for f in fields if callable(getattr(f.loads, "prefetch", None))]
    return tuple(pages)
