"""Reading a client's JSON body: strict where lenient parsers would guess.

- A key given twice in one object is refused: parsers keep the last one, and a body
  `{"query": "{__typename}", "query": "mutation {…}"}` would run what a proxy or log that reads the
  first one never saw.
- `NaN`, `Infinity` and `-Infinity` are refused (not JSON).
- Nesting deeper than `MAX_DEPTH` is refused before the parser recurses that far (a 1,000-deep value
  would otherwise end in a RecursionError: a 500 for a malformed request).

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
    _check_depth(raw)
    try:
        return json.loads(raw, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except MalformedJSON:
        raise
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise MalformedJSON("The body is not valid JSON.") from None


def _check_depth(raw: bytes | str) -> None:
    """Refuse nesting deeper than MAX_DEPTH by counting brackets outside strings (one linear pass)."""
    text = raw.encode() if isinstance(raw, str) else raw
    if text.count(b"[") + text.count(b"{") <= MAX_DEPTH:
        return  # cannot be deeper than its bracket count
    depth = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_DEPTH:
                raise MalformedJSON(f"The body nests deeper than {MAX_DEPTH} levels.")
        elif byte in (0x5D, 0x7D):
            depth -= 1


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise MalformedJSON(f"The key {json.dumps(key)[:100]} is given twice in one object.")
        seen[key] = value
    return seen


def _refuse_constant(name: str) -> Any:
    raise MalformedJSON(f"{name} is not JSON.")
