"""What the schema tells the planned executor about its fields: one typed registry, filled as the schema is declared.

graphql-core knows each field's type and resolver; a compiled plan (execution/plan.py) can do better
when it knows a little more, and the schema says so here, in one place, with types:

- `load(resolver, how)`: a loader field's resolver only awaits one described load (`PlanLoad`); the
  plan starts that load itself, without Strawberry's resolver wrapper (schema/loading.py);
- `page(resolver, how)`: a connection field's load, prepared once per document from literal
  arguments (`PlanPage`; resolvers/invoices.py);
- `default_reads_key(test)`: for which Python names the default resolver answers `row.get(name)`
  (schema/resolving.py), so generated code reads the key itself;
- `exact_str_scalar(name)`: a scalar whose serializer returns an exact `str` unchanged
  (schema/scalars.py), so generated code takes such a value as it is.

Verify mode (`INVOICEGRAPH_EXECUTION_PLANS=verify`) completes every planned value the standard way too
and fails on any difference, so a wrong hint cannot pass the integration suite's verify pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class PlanLoad(Protocol):
    """What a resolver awaits, described so that the plan can do it without calling the resolver.

    `start(parent, context)` returns what the resolver would await (a loader's future) or its result
    when it awaits nothing; `finish(value, context)` turns the awaited value into the resolver's
    result. Used only for fields without arguments or field extensions. Either may raise: the plan
    then gives up (graphql-core calls the resolver and reports its error).

    A load of records by id may also say which ids it loads for a parent (`keys(parent)`): fields of
    those records that load by the record's own id (`PageLoad`) are then started with it, in the same
    loop tick, so that their reads join the records' statement instead of costing a level.
    """

    def start(self, parent: Any, context: Any) -> Any: ...

    def finish(self, value: Any, context: Any) -> Any: ...


class PageLoad(PlanLoad, Protocol):
    """A prepared load of a field with arguments, keyed by its parent's id (`PlanPage.prepare`)."""

    def prefetch(self, key: str, context: Any) -> None:
        """Start the load for the parent whose id is `key`, if the request may; its result is cached."""
        ...


class PlanPage(Protocol):
    """A resolver with arguments (a connection) whose load the plan can start itself.

    For a document whose arguments to the field are literals, the plan calls `prepare` once with
    their values (defaults applied) and a function that tells which field names are selected at a
    path below the field (None: not selected); it returns the load, or None to leave the field to its
    resolver. The field's extensions must all be permission checks requiring only `enforces` (names),
    which the load checks itself (raising when refused, so that the resolver reports it).
    """

    enforces: frozenset[str]

    def prepare(self, arguments: dict[str, Any], selected: Callable[[tuple[str, ...]], frozenset[str] | None]) -> PageLoad | None: ...


@dataclass
class FieldHints:
    loads: dict[Callable[..., Any], PlanLoad] = field(default_factory=dict)
    pages: dict[Callable[..., Any], PlanPage] = field(default_factory=dict)
    reads_key: Callable[[str], bool] = lambda _name: False
    exact_str_scalars: set[str] = field(default_factory=set)


HINTS = FieldHints()


def load(resolver: Callable[..., Any], how: PlanLoad) -> None:
    HINTS.loads[resolver] = how


def page(resolver: Callable[..., Any], how: PlanPage) -> None:
    HINTS.pages[resolver] = how


def default_reads_key(test: Callable[[str], bool]) -> None:
    HINTS.reads_key = test


def exact_str_scalar(name: str) -> None:
    HINTS.exact_str_scalars.add(name)
