"""What a compiled plan may load itself instead of calling a field's resolver (execution/plan.py).

A resolver can describe its load (`PlanLoad`, or `PlanPage` for a field with arguments); the plan then
starts that load directly, without Strawberry's resolver wrapper (argument conversion, `Info`, the
extension chain, a coroutine to step), and may start a loaded record's own pages with the record, in
the same loop tick (`PageLoad.prefetch`), so that their reads join the record's statement. Verify mode
compares every such result with graphql-core's, which calls the resolver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from graphql import ListValueNode, ObjectValueNode, VariableNode
from strawberry.permission import PermissionExtension

from invoicegraph.execution.hints import HINTS, PageLoad, PlanLoad, PlanPage

if TYPE_CHECKING:
    from graphql import GraphQLField
    from strawberry.types.field import StrawberryField

__all__ = ["PageLoad", "PlanLoad", "has_variable", "page_plan", "plan_load", "prefetches"]


def _resolver_of(strawberry_field: StrawberryField | None) -> Any:
    resolver = strawberry_field.base_resolver if strawberry_field is not None else None
    return resolver.wrapped_func if resolver is not None else None


def plan_load(strawberry_field: StrawberryField | None, definition: GraphQLField) -> PlanLoad | None:
    """The resolver's `PlanLoad`, when nothing but the call itself stands between it and graphql-core."""
    loads = HINTS.loads.get(_resolver_of(strawberry_field))
    if loads is None or definition.args or (strawberry_field is not None and strawberry_field.extensions):
        return None
    return loads


def page_plan(strawberry_field: StrawberryField | None) -> PlanPage | None:
    """The resolver's `PlanPage`, when the field's only extensions are permission checks it makes itself."""
    page = HINTS.pages.get(_resolver_of(strawberry_field))
    if page is None or strawberry_field is None or not _only_permissions(strawberry_field.extensions, page.enforces):
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


def _only_permissions(extensions: Any, enforced: frozenset[str]) -> bool:
    """Every field extension is a permission check requiring only what the load checks itself."""
    return all(
        isinstance(extension, PermissionExtension)
        and all(frozenset(getattr(permission, "permissions", ("?",))) <= enforced for permission in extension.permissions)
        for extension in extensions
    )


def prefetches(complete: Any) -> tuple[PageLoad, ...]:
    """The page loads of the fields of the object(s) `complete` completes (through non-null and lists)."""
    from invoicegraph.execution.completers import ListCompleter, NonNullCompleter, ObjectCompleter

    while not isinstance(complete, ObjectCompleter):
        if isinstance(complete, NonNullCompleter):
            complete = complete.inner
        elif isinstance(complete, ListCompleter):
            complete = complete.item
        else:
            return ()
    pages = [cast("PageLoad", f.loads) for f in complete.fields if callable(getattr(f.loads, "prefetch", None))]
    return tuple(pages)
