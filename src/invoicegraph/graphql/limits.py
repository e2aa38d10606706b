"""The GraphQL document limits of docs/api.md, checked before (and instead of) full validation.

Each limit is a setting (`Limits.from_settings`) and, when exceeded, answers exactly one coded error:
`extensions.code = INVALID_REQUEST`, `type = INVALID_REQUEST`, plus `limit` and `setting`, with a
message that names the limit and the environment variable that sets it. A document over a limit is
refused before graphql-core's own validation runs, so a hostile document costs one linear pass over
its syntax tree and nothing more (graphql-cop's "directive overloading" probe gets one error, not
one per directive).

Why our own counting instead of Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter`: theirs
answer plain errors without a code, create a new rule class per request (which defeats the
validation cache), and walk a fragment once per spread, so a chain of fragments that each spread
the next one ten times costs 10^n steps. Here every fragment is measured once (memoized) and its
count multiplied by its spreads: amplification is still counted, in linear time.

Token counting is graphql-core's (`parse(max_tokens=…)`, called by graphql/documents.py);
its syntax error is recoded by `recode_parse_error`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.language import Visitor, visit

from invoicegraph.errors import InvalidField, LimitExceeded
from invoicegraph.graphql.complexity import Complexity
from invoicegraph.settings import Settings

_TOKENS_MESSAGE = re.compile(r"Document contains more than (\d+) tokens")
# graphql-core gives up validating documents whose fields overlap too much (1000× the same field):
# still a refusal, but without a code; it gets ours.
_ABORTED_MESSAGES = ("Validation aborted.", "Too many validation errors, error limit reached. Validation aborted.")


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_tokens: int
    max_directives_per_field: int
    max_repeated_fields: int = 10
    max_mutations_per_operation: int = 1
    max_complexity: int = 250_000
    max_page_size: int = 100
    max_entities: int = 100

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_directives_per_field=settings.max_directives_per_field,
            max_repeated_fields=settings.max_repeated_fields,
            max_complexity=settings.max_complexity,
            max_page_size=settings.max_page_size,
            max_entities=settings.max_entities,
        )


def limit_error(limit: str, setting: str | None, message: str, nodes: Iterable[Node] | None = None) -> GraphQLError:
    """A refusal with our code: the original error is a `LimitExceeded`, so masking keeps it."""
    hint = f" (setting INVOICEGRAPH_{setting.upper()})" if setting else ""
    error = LimitExceeded(message + hint + ".")
    extensions = {**error.to_extensions(), "limit": limit, "setting": f"INVOICEGRAPH_{setting.upper()}" if setting else None}
    return GraphQLError(error.message, nodes=list(nodes) if nodes else None, original_error=error, extensions=extensions)


def check_limits(document: DocumentNode, limits: Limits, schema: GraphQLSchema | None = None) -> list[GraphQLError]:
    """The limit errors of `document`: empty when it is within every limit (at most one per limit).

    The complexity limit needs the schema (which fields are connections); without one it is not checked.
    """
    measure = _Measure(document)
    complexity = None
    if schema is not None:
        complexity = Complexity(schema, measure.fragments, page_size=limits.max_page_size, entities=limits.max_entities)
    errors: list[GraphQLError] = []
    directives = measure.most_directives()
    count = len(getattr(directives, "directives", None) or ())
    if directives is not None and count > limits.max_directives_per_field:
        errors.append(
            limit_error(
                "directives",
                "max_directives_per_field",
                f"Too many directives on one location: {count}, the limit is {limits.max_directives_per_field}",
                [directives],
            )
        )
    repeated = measure.most_repeated()
    if repeated is not None and repeated[1] > limits.max_repeated_fields:
        field, times = repeated
        errors.append(
            limit_error(
                "repeated_fields",
                "max_repeated_fields",
                f"Field {(field.alias or field.name).value!r} is selected {times} times in one selection set, the limit is {limits.max_repeated_fields}",
                [field],
            )
        )
    errors += _page_sizes(measure, limits)
    for operation in measure.operations:
        name = operation.name.value if operation.name else "anonymous"
        depth = measure.depth(operation.selection_set)
        if depth > limits.max_depth:
            errors.append(
                limit_error(
                    "depth", "max_depth", f"Operation {name!r} is {depth} levels deep, the limit is {limits.max_depth}", [operation]
                )
            )
        aliases = measure.aliases(operation.selection_set)
        if aliases > limits.max_aliases:
            shown = aliases if aliases < 10**6 else "over a million"
            errors.append(
                limit_error(
                    "aliases", "max_aliases", f"Operation {name!r} uses {shown} aliases, the limit is {limits.max_aliases}", [operation]
                )
            )
        # Only a document within the other limits is costed: one refusal is enough, and it is cheaper.
        cost = complexity.of_operation(operation) if complexity is not None and not errors else 0
        if cost > limits.max_complexity:
            shown = f"{cost:,}" if cost < 10**9 else "over a billion"
            errors.append(
                limit_error(
                    "complexity",
                    "max_complexity",
                    f"Operation {name!r} could return {shown} fields (connections' `first` multiplied out), the limit is {limits.max_complexity:,}",
                    [operation],
                )
            )
        if operation.operation == OperationType.MUTATION:
            mutations = measure.root_field_count(operation.selection_set)
            if mutations > limits.max_mutations_per_operation:
                errors.append(
                    limit_error(
                        "mutations",
                        None,
                        f"Operation {name!r} has {mutations} mutations; at most {limits.max_mutations_per_operation} mutation per operation is allowed",
                        [operation],
                    )
                )
    return errors


# Page-size arguments of the connections; a literal out of range is refused before any cost is counted.
PAGE_ARGUMENTS = ("first", "last")


def _page_sizes(measure: _Measure, limits: Limits) -> list[GraphQLError]:
    """`INVALID_FIELD` naming `first` (or `last`) for the first literal page size outside 0…max_page_size.

    A variable's value is checked when the field runs (the same error, at the field's path).
    """
    collector = _PageSizeCollector(limits.max_page_size)
    visit(measure.document, collector)
    if collector.found is None:
        return []
    node, name, value = collector.found
    error = InvalidField(f"`{name}` must be between 0 and {limits.max_page_size}, got {value}.", field=name)
    return [GraphQLError(error.message, nodes=[node], original_error=error)]


class _PageSizeCollector(Visitor):
    def __init__(self, maximum: int) -> None:
        super().__init__()
        self.maximum = maximum
        self.found: tuple[Node, str, int] | None = None

    def enter_argument(self, node: ArgumentNode, *_args: object) -> None:
        if self.found is None and node.name.value in PAGE_ARGUMENTS and isinstance(node.value, IntValueNode):
            value = int(node.value.value)
            if not 0 <= value <= self.maximum:
                self.found = (node, node.name.value, value)


def recode_parse_error(error: GraphQLError) -> None:
    """Give the token limit's syntax error (and graphql-core's validation abort) our code, in place.

    In place because Strawberry has already put this very object into the result it returns.
    """
    if isinstance(error.original_error, LimitExceeded):
        return
    found = _TOKENS_MESSAGE.search(error.message)
    if found is not None:
        coded = limit_error("tokens", "max_tokens", f"Too many tokens: the document exceeds the limit of {found.group(1)} tokens")
    elif error.message in _ABORTED_MESSAGES:
        coded = limit_error("validation", None, "The document is too complex to validate (too many overlapping fields or errors)")
    else:
        return
    error.message = coded.message
    error.args = (coded.message,)
    error.original_error = coded.original_error
    error.extensions = coded.extensions


class _Measure:
    """Counts over one document; each fragment is measured once (cycles count as zero)."""

    def __init__(self, document: DocumentNode) -> None:
        self.operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.document = document
        self._depths: dict[str, int] = {}
        self._aliases: dict[str, int] = {}

    def most_directives(self) -> Node | None:
        """The node carrying the most directives (any location: field, fragment, operation…)."""
        collector = _DirectiveCollector()
        visit(self.document, collector)
        return collector.worst

    def most_repeated(self) -> tuple[FieldNode, int] | None:
        """The response name selected most often directly in one selection set, and how often."""
        collector = _RepeatCollector()
        visit(self.document, collector)
        return collector.worst

    def depth(self, selection_set: SelectionSetNode | None) -> int:
        """Fields on the longest path; introspection (`__…`) fields do not count."""
        return self._fold(selection_set, self._depths, _depth_of_field, max)

    def aliases(self, selection_set: SelectionSetNode | None) -> int:
        """Aliased fields, fragment spreads multiplied out."""
        return self._fold(selection_set, self._aliases, _aliases_of_field, sum)

    def root_field_count(self, selection_set: SelectionSetNode) -> int:
        """Distinct response keys of the root fields that run (`__typename` runs nothing).

        Two selections with the same response key merge into one field, which executes once.
        """
        return len(set(self._root_keys(selection_set, set())))

    def _root_keys(self, selection_set: SelectionSetNode, seen: set[str]) -> Iterator[str]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    yield (selection.alias or selection.name).value
            elif isinstance(selection, InlineFragmentNode):
                yield from self._root_keys(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in seen:
                    seen.add(fragment.name.value)
                    yield from self._root_keys(fragment.selection_set, seen)

    def _fold(
        self,
        selection_set: SelectionSetNode | None,
        memo: dict[str, int],
        of_field: Callable[[_Measure, FieldNode], int],
        combine: Callable[[Iterable[int]], int],
    ) -> int:
        if selection_set is None:
            return 0
        values: list[int] = [0]
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                values.append(of_field(self, selection))
            elif isinstance(selection, InlineFragmentNode):
                values.append(self._fold(selection.selection_set, memo, of_field, combine))
            elif isinstance(selection, FragmentSpreadNode):
                values.append(self._fragment(selection.name.value, memo, of_field, combine))
        return combine(values)

    def _fragment(
        self,
        name: str,
        memo: dict[str, int],
        of_field: Callable[[_Measure, FieldNode], int],
        combine: Callable[[Iterable[int]], int],
    ) -> int:
        if name in memo:
            return memo[name]
        fragment = self.fragments.get(name)
        if fragment is None:
            return 0  # unknown fragment: graphql-core's validation reports it
        memo[name] = 0  # a cycle counts as nothing (graphql-core reports it)
        memo[name] = self._fold(fragment.selection_set, memo, of_field, combine)
        return memo[name]


def _depth_of_field(measure: _Measure, field: FieldNode) -> int:
    if field.name.value.startswith("__"):
        return 0
    return 1 + measure.depth(field.selection_set)


def _aliases_of_field(measure: _Measure, field: FieldNode) -> int:
    return (1 if field.alias is not None else 0) + measure.aliases(field.selection_set)


class _DirectiveCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.worst: Node | None = None
        self._most = 0

    def enter(self, node: Node, *_args: object) -> None:
        directives = getattr(node, "directives", None)
        if directives and len(directives) > self._most:
            self._most, self.worst = len(directives), node


class _RepeatCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.worst: tuple[FieldNode, int] | None = None

    def enter_selection_set(self, node: SelectionSetNode, *_args: object) -> None:
        seen: dict[str, int] = {}
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                seen[name] = seen.get(name, 0) + 1
                if self.worst is None or seen[name] > self.worst[1]:
                    self.worst = (selection, seen[name])
