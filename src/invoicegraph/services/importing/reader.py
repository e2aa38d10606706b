"""Streaming read of an import file: `(section, index, value)` per record, never the whole file.

ijson (C backend) yields parse events; records are built here one at a time, so memory holds one
record, whatever the size of the file. Numbers arrive as int or Decimal (never float), so the models
can tell a JSON number from a decimal string.

A key given twice in one object is never resolved silently (JSON parsers keep the last one, so
`"value": "1", "value": "100"` would bill 100): the builder notes where it happened, and the first
pass reports it as a problem at that path. So are strings no backend stores alike: a NUL character
(PostgreSQL refuses it in text and JSON, SQLite keeps it) and a string (or key) longer than
MAX_STRING_LENGTH characters, wherever it is in a record, free-form properties included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import ijson

CHUNK = 256 * 1024
# Longer than any name, description, note or URL; ids and references have tighter bounds of their own.
MAX_STRING_LENGTH = 10_000
DUPLICATE_MESSAGE = "this key is given twice in the same object"
NUL_MESSAGE = "contains a NUL character (\\u0000), which cannot be stored"
LONG_MESSAGE = f"is longer than {MAX_STRING_LENGTH:,} characters"


class CountingReader:
    """A binary file wrapper that reports the bytes read (for the progress bar)."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None] | None = None) -> None:
        self._raw = raw
        self._on_read = on_read
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.bytes_read += len(data)
        if self._on_read is not None and data:
            self._on_read(len(data))
        return data


Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Item:
    """One value of the file: a record of a list section (index ≥ 0) or a top-level scalar (index -1).

    `flaws`: what the builder found wrong inside the record, each with its path there (`("value",)`): a
    key an object gave twice (the value kept is the last one, but the file is refused), a string with a
    NUL or too long."""

    section: str
    index: int
    value: Any
    flaws: tuple[tuple[Loc, str], ...] = ()


class EmptyList:
    """Marks a top-level key whose value is an empty list (index -1: no record)."""

    def __repr__(self) -> str:
        return "[]"


EMPTY_LIST = EmptyList()


class NotAList:
    """Marker value: a top-level key whose value is not a list (nor a scalar for `format`)."""


class DuplicateKey:
    """Marker value (index -1): a top-level key given a second time; its value follows as usual."""

    def __repr__(self) -> str:
        return "duplicate key"


DUPLICATE_KEY = DuplicateKey()


def iter_items(reader: CountingReader) -> Iterator[Item]:
    """Top-level sections and their records, in file order.

    Raises ijson.JSONError on malformed JSON and ValueError when the top level is not an object.
    `basic_parse` is used rather than `parse`: building the dotted prefix of every event costs more
    than the whole record builder.
    """
    events: Iterator[tuple[str, Any]] = ijson.basic_parse(reader, buf_size=CHUNK, use_float=False)
    first = next(events, None)
    if first is None or first[0] != "start_map":
        raise ValueError("the file must hold one JSON object")
    seen: set[str] = set()
    flaws: list[tuple[Loc, str]] = []
    for event, value in events:
        if event != "map_key":
            return  # end_map of the top-level object
        section = value
        if section in seen:
            yield Item(section, -1, DUPLICATE_KEY)
        seen.add(section)
        event, value = next(events)
        if event == "start_array":
            empty = True
            for index, (event, value) in enumerate(events):
                if event == "end_array":
                    break
                empty = False
                record = _build(events, event, value, flaws)
                if flaws:
                    yield Item(section, index, record, tuple(flaws))
                    flaws.clear()
                else:
                    yield Item(section, index, record)
            if empty:  # still a key of the file: an unknown one must be reported, even with nothing in it
                yield Item(section, -1, EMPTY_LIST)
        elif event == "start_map":
            _skip(events)
            yield Item(section, -1, NotAList())
        else:
            yield Item(section, -1, value)


def _skip(events: Iterator[tuple[str, Any]]) -> None:
    depth = 1
    for event, _value in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return


def _printable(key: str) -> str:
    """A refused key as its problem's path shows it: the NUL escaped, at most 40 characters."""
    key = key.replace("\x00", "\\u0000")
    return key if len(key) <= 40 else key[:40] + "…"


def _string_flaw(text: str) -> str | None:
    if len(text) > MAX_STRING_LENGTH:
        return LONG_MESSAGE
    return NUL_MESSAGE if "\x00" in text else None


def _build(events: Iterator[tuple[str, Any]], event: str, value: Any, flaws: list[tuple[Loc, str]]) -> Any:
    """The value that starts with `event`, consuming its events (a tight loop: it runs per record).

    A key given twice in an object, and a key or string that cannot be stored, are appended to `flaws`
    with their path inside the value."""
    if event == "start_map":
        root: Any = {}
    elif event == "start_array":
        root = []
    else:
        return value
    stack: list[Any] = [root]
    # The key or index of each open container below the root: the path of a duplicate, when one comes.
    names: list[str | int] = []
    key: str = ""
    for ev, val in events:
        if ev == "map_key":
            key = val
            if (len(val) > MAX_STRING_LENGTH or "\x00" in val) and (flaw := _string_flaw(val)):
                flaws.append(((*names, _printable(val)), flaw))
            continue
        if ev == "end_map" or ev == "end_array":
            stack.pop()
            if not stack:
                return root
            names.pop()
            continue
        if ev == "start_map":
            child: Any = {}
        elif ev == "start_array":
            child = []
        else:
            child = val
        top = stack[-1]
        if ev == "string" and (len(val) > MAX_STRING_LENGTH or "\x00" in val) and (flaw := _string_flaw(val)):
            flaws.append(((*names, key if type(top) is dict else len(top)), flaw))
        if type(top) is dict:
            if key in top:
                flaws.append(((*names, key), DUPLICATE_MESSAGE))
            top[key] = child
        else:
            top.append(child)
        if ev == "start_map" or ev == "start_array":
            stack.append(child)
            names.append(key if type(top) is dict else len(top) - 1)
    raise ValueError("unexpected end of file")
