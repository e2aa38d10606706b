"""The executor that completes root field values with compiled plans (`plan.py`, `completers.py`).

Root resolvers, argument coercion, the serial order of mutations and every error stay graphql-core's:
only `complete_value` at a root field changes. Its plan is compiled on first use and kept per
document (the parser cache hands out the same document object for the same text, persisted queries
included), per root field and per value of the variables that `@skip`/`@include` read.

When a plan gives up (`completers.GiveUp`), the same resolved root value is completed again by graphql-core,
which produces the standard errors. Completion only reads through the request's loaders, so doing
it twice changes nothing but time.

Modes (`INVOICEGRAPH_EXECUTION_PLANS`): `on`; `off` (graphql-core only); `verify`, which completes every
planned root field both ways and fails the field when the JSON encodings differ. The test suite runs
in `verify` mode, which is how plans are kept byte-identical to the normal executor.
"""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import orjson
from graphql import ArgumentNode, DirectiveNode, GraphQLResolveInfoHelpers, Node, VariableNode, visit
from graphql.execution.collect_fields import FieldDetails
from graphql.language import Visitor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from invoicegraph.execution.completers import Completer, GiveUp, Run
from invoicegraph.execution.plan import Compiler

if TYPE_CHECKING:
    from graphql import GraphQLOutputType, GraphQLResolveInfo, OperationDefinitionNode
    from graphql.pyutils import Path

PlanMode = Literal["on", "off", "verify"]

# Documents with plans kept by one process (bounded like the parser and validation caches).
PLAN_CACHE_SIZE = 1024
# Distinct @skip/@include variable combinations kept per document.
VARIANTS_PER_DOCUMENT = 16
# A plan is first built with looped object completers; once used this often, it is rebuilt with
# generated ones (completers.py `object_unrolled`): faster to run, dearer to build (~60 ms for the full
# Invoice graph against ~10 ms), which only documents that keep coming back should pay.
UNROLL_AFTER = 3

_log = logging.getLogger("invoicegraph.execution")


class PlanMismatch(AssertionError):
    """`verify` mode: a plan completed a value differently from graphql-core."""


@dataclass
class PlanCounts:
    """Per process: root values a plan completed, handed back to graphql-core, compared, found different."""

    completed: int = 0
    gave_up: int = 0
    verified: int = 0
    mismatched: int = 0


PLAN_STATS = PlanCounts()


@dataclass
class _DocumentPlans:
    operation: OperationDefinitionNode  # held so that the id() key cannot be reused while cached
    directive_variables: tuple[str, ...]
    plans: dict[tuple[object, ...], Completer | None] = field(default_factory=dict)
    uses: dict[tuple[object, ...], int] = field(default_factory=dict)


_documents: OrderedDict[tuple[int, int], _DocumentPlans] = OrderedDict()


class PlannedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    mode: ClassVar[PlanMode] = "on"
    _standard_completion = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core keeps bound methods of the executor in `async_helpers`: a cycle that holds the
        # executor, and through its context everything of the request, until the garbage collector
        # runs. Calling them through a weak reference frees a request's objects when it ends.
        executor = weakref.ref(self)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=lambda values: _alive(executor).gather_async_work(values),
            track=lambda values: _alive(executor).track_async_work(values),
        )

    @classmethod
    def with_mode(cls, mode: PlanMode) -> type[PlannedExecutionContext]:
        return type(f"PlannedExecutionContext_{mode}", (cls,), {"mode": mode})

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: list[FieldDetails],
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if path.prev is not None or self._standard_completion or self.mode == "off" or not self._plannable():
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)
        completer = self._plan(return_type, field_details_list, path)
        if completer is None:
            return self._complete_standard(return_type, field_details_list, info, path, result, position_context)
        run = Run(self)
        try:
            completed = completer(result, path, run)
        except GiveUp:
            run.discard()
            PLAN_STATS.gave_up += 1
            return self._complete_standard(return_type, field_details_list, info, path, result, position_context)
        if not run.pending and self.mode == "on":
            PLAN_STATS.completed += 1
            return completed
        return self._finish(run, completed, (return_type, field_details_list, info, path, result, position_context))

    async def _finish(self, run: Run, completed: Any, standard: tuple[Any, ...]) -> Any:
        try:
            await run.drain()
        except GiveUp:
            run.discard()
            PLAN_STATS.gave_up += 1
            return await _resolved(self._complete_standard(*standard))
        PLAN_STATS.completed += 1
        if self.mode == "verify":
            await self._verify(completed, standard)
        return completed

    async def _verify(self, completed: Any, standard: tuple[Any, ...]) -> None:
        path: Path = standard[3]
        expected = await _resolved(self._complete_standard(*standard))
        if orjson.dumps(completed) != orjson.dumps(expected):
            PLAN_STATS.mismatched += 1
            _log.error("execution plan mismatch at %s: %r != %r", path.as_list(), completed, expected)
            message = f"Execution plan mismatch at {'.'.join(map(str, path.as_list()))}."
            raise PlanMismatch(message)
        PLAN_STATS.verified += 1

    def _complete_standard(self, *arguments: Any) -> Any:
        # graphql-core unwraps NonNull by calling complete_value again with the same root path.
        self._standard_completion = True
        try:
            return super().complete_value(*arguments)
        finally:
            self._standard_completion = False

    def _plannable(self) -> bool:
        middleware = self.middleware_manager
        # Middleware (a Strawberry extension with a `resolve` hook) wraps every field, plain ones included.
        return not (middleware is not None and middleware.middlewares) and self.abort_signal is None

    def _plan(self, return_type: GraphQLOutputType, details: list[FieldDetails], path: Path) -> Completer | None:
        if str(path.key).startswith("__") or details[0].node.name.value.startswith("__"):
            return None  # introspection: rare, and its types check their values
        operation = self.operation
        document_key = (id(self.schema), id(operation))
        document = _documents.get(document_key)
        if document is None or document.operation is not operation:
            document = _DocumentPlans(operation, _directive_variables([operation, *self._fragment_nodes()]))
            _documents[document_key] = document
            if len(_documents) > PLAN_CACHE_SIZE:
                _documents.popitem(last=False)
        else:
            _documents.move_to_end(document_key)
        coerced = self.variable_values.coerced
        key = (path.key, *(coerced.get(name) for name in document.directive_variables))
        if key in document.plans:
            uses = document.uses[key] = document.uses[key] + 1
            if uses != UNROLL_AFTER or document.plans[key] is None:
                return document.plans[key]
            compiled = Compiler(self, unrolled=True).completer(return_type, details)
            document.plans[key] = compiled[0] if compiled is not None else None
            return document.plans[key]
        compiled = Compiler(self).completer(return_type, details)
        completer = compiled[0] if compiled is not None else None
        if len(document.plans) < VARIANTS_PER_DOCUMENT:
            document.plans[key] = completer
            document.uses[key] = 1
        return completer

    def _fragment_nodes(self) -> list[Node]:
        fragments: list[Node] = [f.definition for f in self.fragments.values()]
        return fragments


def _alive(executor: weakref.ref[PlannedExecutionContext]) -> PlannedExecutionContext:
    alive = executor()
    if alive is None:  # only a resolver still running after its operation ended could get here
        raise RuntimeError("the operation has ended")
    return alive


async def _resolved(value: Any) -> Any:
    return await value if isinstance(value, Awaitable) else value


class _DirectiveVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        if node.name.value in {"skip", "include"}:
            for argument in node.arguments or ():
                _collect_variables(argument, self.names)


def _collect_variables(argument: ArgumentNode, names: list[str]) -> None:
    if isinstance(argument.value, VariableNode) and argument.value.name.value not in names:
        names.append(argument.value.name.value)


def _directive_variables(nodes: list[Node]) -> tuple[str, ...]:
    """Names of the variables that `@skip`/`@include` read anywhere in these nodes (the plan depends on them)."""
    visitor = _DirectiveVariables()
    for node in nodes:
        visit(node, visitor)
    return tuple(visitor.names)
