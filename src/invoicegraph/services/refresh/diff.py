"""Leaf-level differences between two invoice dicts, as vendor JSON paths (refresh.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Bookkeeping that changes because something else changed; never a change by itself.
IGNORED = frozenset({"version", "updated_at"})


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any


def _walk(path: str, before: Any, after: Any, out: list[Change]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if not path and key in IGNORED:
                continue
            _walk(f"{path}.{key}" if path else str(key), before.get(key), after.get(key), out)
        return
    if isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            _walk(
                f"{path}.{index}" if path else str(index),
                before[index] if index < len(before) else None,
                after[index] if index < len(after) else None,
                out,
            )
        return
    if before != after:
        out.append(Change(path, before, after))


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Every changed leaf, in a stable order (sorted keys, list positions ascending)."""
    out: list[Change] = []
    _walk("", before, after, out)
    return out
