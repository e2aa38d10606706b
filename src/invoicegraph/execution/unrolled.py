"""Object completers generated as straight-line Python, one function per planned selection.

A closure-based completer walks its fields in a loop and reaches each leaf through three calls (the
getter, the non-null check, the scalar coercion). For the full Invoice graph that loop is most of a
plan's time. The function generated here reads each field in its own lines instead, and takes two
shortcuts that cannot change a result:

- a dict key is read with `dict.get`: for names the default resolver (`schema/resolving.py`) derives
  or defaults (execution/hints.py says which), only a missing or null key goes through it; for the
  others `dict.get` is its whole answer;
- a null value of a nullable field completes to null, without a call;
- a `String` or `ID` value that is already a `str`, or a `Boolean` that is a `bool`, is the value
  graphql-core's `serialize_string`/`serialize_id`/`serialize_boolean` return for it, and so is a
  `str` for our scalars whose serializer returns an exact `str` unchanged (execution/hints.py `exact_str_scalar`: Decimal,
  DateTime, Date, the codes, JSON); anything else goes through the field's own completer, so errors
  still give up to graphql-core.

Values of exact builtin types (`str`, `int`, `dict`…) are never awaitable, so the awaitable check that
graphql-core makes after every default resolver runs only for other types.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from types import CodeType
from typing import Any, Protocol

from graphql import GraphQLBoolean, GraphQLEnumType, GraphQLID, GraphQLNonNull, GraphQLScalarType, GraphQLString, GraphQLType

from invoicegraph.execution.hints import HINTS
from invoicegraph.library_internals import enum_value_names

# Builtin types whose instances are never awaitable.
PLAIN_TYPES = frozenset({str, int, bool, float, dict, list, tuple, type(None)})

_IDENTITY_TYPES: dict[GraphQLType, str] = {GraphQLString: "str", GraphQLID: "str", GraphQLBoolean: "bool"}


class PlannedField(Protocol):
    """What the generator reads of a planned field (`completers.FieldPlan`)."""

    @property
    def key(self) -> str: ...
    @property
    def getter(self) -> Callable[[Any, str], Any] | None: ...
    @property
    def python_name(self) -> str: ...
    @property
    def constant(self) -> str | None: ...
    @property
    def needs_path(self) -> bool: ...
    @property
    def complete(self) -> Callable[[Any, Any, Any], Any]: ...
    @property
    def return_type(self) -> GraphQLType | None: ...
    @property
    def loads(self) -> object | None: ...


def non_null_inner(complete: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any] | None:
    """The item completer of a non-null completer (completers.NonNullCompleter), else None."""
    from invoicegraph.execution.completers import NonNullCompleter  # completers.py imports this module

    return complete.inner if isinstance(complete, NonNullCompleter) else None


def object_completer(typename: str, fields: tuple[PlannedField, ...], helpers: dict[str, Any]) -> Callable[[Any, Any, Any], Any]:
    """The completer of one object selection; `helpers` names GiveUp, Undefined, Path, _Later, _call_resolver, _start_load."""
    namespace: dict[str, Any] = {**helpers, "_PLAIN": PLAIN_TYPES, "_MISSING": _MISSING, "_fields": fields, "_typename": typename}
    lines = [
        "def complete(value, path, run):",
        "    if value is None or value is Undefined:",
        "        return None",
        "    if isinstance(value, Exception):",
        "        raise GiveUp",
        "    is_awaitable = run.context.is_awaitable",
        "    is_dict = type(value) is dict",
        "    completed = {}",
    ]
    for index, planned in enumerate(fields):
        namespace[f"_f{index}"] = planned
        namespace[f"_c{index}"] = planned.complete
        key = repr(planned.key)
        if planned.getter is not None:
            namespace[f"_g{index}"] = planned.getter
            name = repr(planned.python_name)
            if HINTS.reads_key(planned.python_name):
                # The default resolver would answer `value.get(name)` for a dict (schema/resolving.py).
                lines.append(f"    result = value.get({name}) if is_dict else _g{index}(value, {name})")
            else:
                lines += [
                    f"    result = value.get({name}, _MISSING) if is_dict else _MISSING",
                    "    if result is _MISSING or result is None:",
                    f"        result = _g{index}(value, {name})",
                ]
            child_path = f"Path(path, {key}, _typename)" if planned.needs_path else "None"
            identity = _identity_type(planned.return_type)
            enum_names = _enum_names(planned.return_type)
            branches: list[tuple[str, list[str]]] = []
            if not isinstance(planned.return_type, GraphQLNonNull):
                branches.append(("result is None", [f"completed[{key}] = None"]))  # what completing a null gives
            if identity is not None and not planned.needs_path:
                branches.append((f"type(result) is {identity}", [f"completed[{key}] = result"]))
            elif enum_names is not None:
                namespace[f"_e{index}"] = enum_names
                branches.append((f"type(result) is str and result in _e{index}", [f"completed[{key}] = _e{index}[result]"]))
            branches.append(("type(result) not in _PLAIN and is_awaitable(result)", ["raise GiveUp"]))
            inner = non_null_inner(planned.complete)
            if inner is not None and len(branches) == 1:
                namespace[f"_i{index}"] = inner
                otherwise = [
                    f"result = _i{index}(result, {child_path}, run)",
                    "if result is None:",
                    "    raise GiveUp",
                    f"completed[{key}] = result",
                ]
            else:
                otherwise = [f"completed[{key}] = _c{index}(result, {child_path}, run)"]
            for position, (condition, body) in enumerate(branches):
                lines.append(f"    {'if' if position == 0 else 'elif'} {condition}:")
                lines += [f"        {line}" for line in body]
            lines.append("    else:")
            lines += [f"        {line}" for line in otherwise]
        elif planned.constant is not None:
            lines.append(f"    completed[{key}] = {planned.constant!r}")
        else:
            call = "_start_load" if planned.loads is not None else "_call_resolver"
            lines += [
                f"    child_path = Path(path, {key}, _typename)",
                f"    result = {call}(_f{index}, value, child_path, run)"
                if call == "_call_resolver"
                else f"    result = {call}(_f{index}, value, run)",
                "    if is_awaitable(result):",
                f"        completed[{key}] = None",
                f"        run.pending.append((result, _Later(completed, {key}, _c{index}, child_path, run)))",
                "    else:",
                f"        completed[{key}] = _c{index}(result, child_path, run)",
            ]
    lines.append("    return completed")
    exec(_code("\n".join(lines), typename), namespace)  # noqa: S102  (our own generated source)
    completer: Callable[[Any, Any, Any], Any] = namespace["complete"]
    return completer


# Compiled sources. The same selection of a type recurs across a document and across documents
# (every address, amount, tax id…): its source is the same, only the namespace differs, so compiling
# once per source makes the first plan of a large document ~5× cheaper. Bounded per process.
_CODE_CACHE_SIZE = 4096
_codes: OrderedDict[str, CodeType] = OrderedDict()


def _code(source: str, typename: str) -> CodeType:
    code = _codes.get(source)
    if code is None:
        code = _codes[source] = compile(source, f"<plan {typename}>", "exec")
        if len(_codes) > _CODE_CACHE_SIZE:
            _codes.popitem(last=False)
    else:
        _codes.move_to_end(source)
    return code


_MISSING = object()


def _enum_names(return_type: GraphQLType | None) -> dict[Any, str] | None:
    """For an enum, graphql-core's own value-to-name table (`GraphQLEnumType._value_lookup`).

    Strawberry's enum type first checks for members of the Python enum; an exact `str` never is one,
    so for a `str` value the table gives what `coerce_output_value` gives.
    """
    if isinstance(return_type, GraphQLNonNull):
        return_type = return_type.of_type
    if not isinstance(return_type, GraphQLEnumType):
        return None
    return enum_value_names(return_type)


def _identity_type(return_type: GraphQLType | None) -> str | None:
    """`str`/`bool` when a value of that exact type completes to itself for `return_type`.

    graphql-core's String, ID and Boolean, and our scalars whose serializer returns an exact `str`
    unchanged (execution/hints.py `exact_str_scalar`: Decimal, DateTime, Date, the codes, JSON).
    """
    if isinstance(return_type, GraphQLNonNull):
        return_type = return_type.of_type
    if return_type is None:
        return None
    if isinstance(return_type, GraphQLScalarType) and return_type.name in HINTS.exact_str_scalars:
        return "str"
    return _IDENTITY_TYPES.get(return_type)
