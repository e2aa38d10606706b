"""Reading a client's JSON body: strict where lenient parsers would guess.

- A key given twice in one object is refused: parsers keep the last one, and a body
  `{"query": "{__typename}", "query": "mutation {…}"}` would run what a proxy or log that reads the
  first one never saw.
- `NaN`, `Infinity` and `-Infinity` are refused (not JSON).
- Nesting deeper than `MAX_DEPTH` is refused (the parser's own recursion limit, around 1,000 levels, is
  an error here too, never a 500; what reads the value later never recurses that deep).

The standard library's parser reads it, with a hook per object: orjson is faster but keeps the last
of two equal keys silently. On a GraphQL or REST body (a few hundred bytes) the difference is a few
microseconds.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class MalformedJSON(ValueError):
    """The body is not JSON this service accepts; the message says why."""


def loads(raw: bytes | str) -> Any:
    """The JSON value of `raw`, strictly (see the module text); raises MalformedJSON."""
    try:
        value = json.loads(raw, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except MalformedJSON:
        raise
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise MalformedJSON("The body is not valid JSON.") from None
    if _deeper_than(value, MAX_DEPTH):
        raise MalformedJSON(f"The body nests deeper than {MAX_DEPTH} levels.")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than `limit` levels (a walk over containers only)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise MalformedJSON(f"The key {json.dumps(key)[:100]} is given twice in one object.")
        seen[key] = value
    return seen


def _refuse_constant(name: str) -> Any:
    raise MalformedJSON(f"{name} is not JSON.")
